"""Runs the real `worker` command against the test database (the fault tests start it).

Environment: DATABASE_URL, REDIS_URL, RQ_QUEUE_PREFIX, optionally MAIL_SMTP_URL and ATTACHMENTS_DIR;
argv: extra `worker` options (e.g. --burst).
"""

from __future__ import annotations

import os
import sys

from app import create_app
from app.config import TestConfig


def main() -> int:
    app = create_app(
        {
            **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
            "REDIS_URL": os.environ["REDIS_URL"],
            "RQ_QUEUE_PREFIX": os.environ["RQ_QUEUE_PREFIX"],
            "JOBS_STALE_RUNNING_SECONDS": 1,
            **{k: os.environ[k] for k in ("MAIL_SMTP_URL", "ATTACHMENTS_DIR") if os.environ.get(k)},
        }
    )

    result = app.test_cli_runner().invoke(args=["worker", "--no-cron", *sys.argv[1:]])
    sys.stdout.write(result.output)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())

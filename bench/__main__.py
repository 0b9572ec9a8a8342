"""python -m bench [--tickets N] [--orgs M] [--reset] [--load-only] …"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--tickets", type=int, default=int(os.environ.get("BENCH_TICKETS", "100000")))
    parser.add_argument("--orgs", type=int, default=None, help="enti (default tickets/125, max 8000)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/presidio_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--reset", action="store_true", help="drop and reload the bench database")
    parser.add_argument("--load-only", action="store_true", help="only make sure the data is loaded")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=200, help="requests per scenario (at most)")
    parser.add_argument("--seconds", type=float, default=8.0, help="time per scenario (at most)")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    args = parser.parse_args(argv)

    from bench.run import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())

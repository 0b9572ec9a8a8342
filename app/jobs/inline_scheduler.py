"""Embedded mode (`make run`, no Redis): a daemon thread runs the periodic jobs in-process."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

log = logging.getLogger("presidio.jobs")


def start(app: Flask) -> threading.Thread | None:
    import os

    # With the reloader, only the serving child process runs the scheduler.
    if os.environ.get("FLASK_RUN_FROM_CLI") and os.environ.get("WERKZEUG_RUN_MAIN") not in (None, "true"):
        return None

    def loop() -> None:
        from app.jobs import PERIODIC, run_periodic

        last: dict[str, float] = {}
        while True:
            now = time.monotonic()
            for name, seconds in list(PERIODIC.items()):
                if now - last.get(name, 0) >= seconds:
                    last[name] = now
                    try:
                        with app.app_context():
                            run_periodic(name)
                    except Exception:  # noqa: BLE001
                        log.exception("periodic job %s failed", name)
            time.sleep(5)

    thread = threading.Thread(target=loop, name="presidio-inline-scheduler", daemon=True)
    thread.start()
    return thread

"""A job for the worker-crash test, importable by the test and by the worker subprocess.

It counts its attempts in Redis; the first attempt stalls (the test kills the worker there), a
later one records that it finished.
"""

from __future__ import annotations

import time

from app.jobs import job


@job("faults.stall_once")
def stall_once(key: str) -> None:
    from app.jobs import redis_connection

    conn = redis_connection()
    attempt = conn.incr(f"{key}:attempts")
    if attempt == 1:
        conn.set(f"{key}:started", "1")
        time.sleep(120)
    conn.rpush(f"{key}:done", str(attempt))

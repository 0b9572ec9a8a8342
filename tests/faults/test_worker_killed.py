"""A worker killed (SIGKILL) in the middle of a job: after a restart the job runs again and finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from app.db import transaction
from app.extensions import db
from app.jobs import JobStatus, OutboxJob, enqueue, redis_connection
from tests.faults import jobs as fault_jobs  # noqa: F401 - registers faults.stall_once

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(app, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
        "REDIS_URL": app.config["REDIS_URL"],
        "RQ_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.faults.worker_proc", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the kill takes the RQ scheduler child too
    )


def test_job_of_a_killed_worker_is_retried_after_restart(app):
    key = f"{app.config['RQ_QUEUE_PREFIX']}:faults:{uuid.uuid4().hex[:8]}"
    conn = redis_connection()
    with transaction():
        row = enqueue("faults.stall_once", key=key)
    job_id = row.id

    worker = _start_worker(app)
    try:
        deadline = time.monotonic() + 60
        while not conn.get(f"{key}:started"):
            assert worker.poll() is None, worker.stdout.read().decode() if worker.stdout else ""
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.1)
        os.killpg(worker.pid, signal.SIGKILL)  # mid-job, no chance to clean up (like an OOM kill of the unit)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()

    db.session.expire_all()
    stuck = db.session.get(OutboxJob, job_id)
    assert stuck.status == JobStatus.RUNNING  # what a crash leaves behind
    assert conn.lrange(f"{key}:done", 0, -1) == []

    time.sleep(1.5)  # older than JOBS_STALE_RUNNING_SECONDS (1 s in the worker under test)
    restarted = _start_worker(app, "--burst")
    out, _ = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, out.decode()

    db.session.expire_all()
    done = db.session.get(OutboxJob, job_id)
    assert done.status == JobStatus.DONE
    assert done.attempts == 2
    assert conn.lrange(f"{key}:done", 0, -1) == [b"2"]  # finished exactly once, on the retry
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxJob)) == 1
    conn.delete(f"{key}:attempts", f"{key}:started", f"{key}:done")

"""Background jobs: one API whether Redis is there or not.

* ``@job("name")`` registers a function (it takes plain keyword arguments: ids, not objects).
* ``enqueue("name", **kwargs)`` writes an outbox row in the current transaction. After the outermost
  ``transaction()`` commits, the row is handed to RQ (``REDIS_URL`` set) or run inline (unset).
  If Redis is down the row stays ``pending`` and the relay sends it when Redis is back.
* ``@periodic(seconds)`` registers a function for the worker's scheduler (RQ's CronScheduler).
* Failures retry with exponential backoff up to ``max_attempts``; then the job is ``failed`` and
  shows on the admin jobs page, where it can be retried.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import traceback
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.db import transaction, utcnow
from app.extensions import db
from app.jobs.models import JobStatus, OutboxJob

log = logging.getLogger("presidio.jobs")

JOBS: dict[str, Callable[..., Any]] = {}
PERIODIC: dict[str, int] = {}


def job(name: str) -> Callable:
    def decorator(func: Callable) -> Callable:
        JOBS[name] = func
        return func

    return decorator


def periodic(name: str, seconds: int) -> Callable:
    """Register a job that the worker's scheduler enqueues every ``seconds``."""

    def decorator(func: Callable) -> Callable:
        JOBS[name] = func
        PERIODIC[name] = seconds
        return func

    return decorator


def enqueue(
    name: str,
    *,
    queue: str = "default",
    dedupe_key: str | None = None,
    delay: dt.timedelta | None = None,
    max_attempts: int | None = None,
    **kwargs: Any,
) -> OutboxJob:
    """Write a job into the outbox of the current transaction. Nothing runs before commit."""
    if name not in JOBS:
        raise KeyError(f"unknown job {name!r}")
    session = db.session()
    row = OutboxJob(
        name=name,
        payload=kwargs,
        queue=queue,
        dedupe_key=dedupe_key,
        run_after=utcnow() + (delay or dt.timedelta(0)),
        max_attempts=max_attempts or current_app.config["JOBS_MAX_ATTEMPTS"],
    )
    with transaction():
        session.add(row)
        session.flush()
        if delay is None:
            session.info.setdefault("outbox_new", []).append(row.id)
    return row


def inline_mode() -> bool:
    return not current_app.config.get("REDIS_URL")


def redis_connection():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)


def queue_name(queue: str) -> str:
    return f"{current_app.config['RQ_QUEUE_PREFIX']}:{queue}"


def get_queue(queue: str = "default"):
    from rq import Queue

    return Queue(queue_name(queue), connection=redis_connection())


def dispatch_after_commit(job_ids: list[int]) -> None:
    if inline_mode():
        for job_id in job_ids:
            execute(job_id)
    else:
        _push(job_ids)


def _push(job_ids: list[int]) -> int:
    """Hand outbox rows to RQ; rows stay pending when Redis cannot be reached."""
    from redis.exceptions import RedisError

    if not job_ids:
        return 0
    rows = list(db.session.scalars(sa.select(OutboxJob).where(OutboxJob.id.in_(job_ids)).order_by(OutboxJob.id)))
    by_queue: dict[str, list[OutboxJob]] = {}
    for row in rows:
        if row.status == JobStatus.PENDING:
            by_queue.setdefault(row.queue, []).append(row)
    pushed: list[int] = []
    try:
        conn = redis_connection()
        from rq import Queue

        for queue, queue_rows in by_queue.items():
            q = Queue(queue_name(queue), connection=conn)
            # Rows committed together travel together: one RQ job runs a chunk of them (each still
            # claimed, retried and recorded on its own), so a batch of 50 emails is not 50 RQ round trips.
            for start in range(0, len(queue_rows), PUSH_CHUNK):
                chunk = queue_rows[start : start + PUSH_CHUNK]
                if len(chunk) == 1:
                    q.enqueue(
                        "app.jobs.runner.execute_in_worker",
                        chunk[0].id,
                        job_id=f"outbox-{chunk[0].id}-{chunk[0].attempts}",
                        job_timeout=600,
                        result_ttl=60,
                        failure_ttl=24 * 3600,
                    )
                else:
                    q.enqueue(
                        "app.jobs.runner.execute_many_in_worker",
                        [r.id for r in chunk],
                        job_id=f"outbox-{chunk[0].id}-{chunk[-1].id}-{secrets.token_hex(4)}",
                        job_timeout=600,
                        result_ttl=60,
                        failure_ttl=24 * 3600,
                    )
                pushed.extend(r.id for r in chunk)
    except RedisError as exc:
        log.warning("redis unavailable, %d job(s) stay in the outbox: %s", len(job_ids) - len(pushed), exc)
    if pushed:
        with transaction():
            db.session.execute(
                sa.update(OutboxJob)
                .where(OutboxJob.id.in_(pushed), OutboxJob.status == JobStatus.PENDING)
                .values(status=JobStatus.QUEUED)
            )
    return len(pushed)


PUSH_CHUNK = 50


def relay(limit: int = 1000) -> int:
    """Send every due pending row; re-arm rows stuck in running/queued (a killed worker)."""
    now = utcnow()
    stale = now - dt.timedelta(seconds=current_app.config["JOBS_STALE_RUNNING_SECONDS"])
    with transaction():
        db.session.execute(
            sa.update(OutboxJob)
            .where(
                sa.or_(
                    sa.and_(OutboxJob.status == JobStatus.RUNNING, OutboxJob.started_at < stale),
                    sa.and_(OutboxJob.status == JobStatus.QUEUED, OutboxJob.run_after < stale),
                )
            )
            .values(status=JobStatus.PENDING)
        )
    ids = list(
        db.session.scalars(
            sa.select(OutboxJob.id)
            .where(OutboxJob.status == JobStatus.PENDING, OutboxJob.run_after <= now)
            .order_by(OutboxJob.id)
            .limit(limit)
        )
    )
    if inline_mode():
        for job_id in ids:
            execute(job_id)
        return len(ids)
    return _push(ids)


def _claim(job_ids: list[int]) -> list[OutboxJob]:
    """Mark pending/queued rows running (one statement, committed) and return those this call claimed."""
    session = db.session()
    claim = (
        sa.update(OutboxJob)
        .where(OutboxJob.id.in_(job_ids), OutboxJob.status.in_([JobStatus.PENDING, JobStatus.QUEUED]))
        .values(status=JobStatus.RUNNING, started_at=utcnow(), attempts=OutboxJob.attempts + 1)
        .returning(OutboxJob.id)
        .execution_options(synchronize_session=False)
    )
    with transaction():
        claimed = sorted(session.scalars(claim))
    if not claimed:
        return []
    if len(claimed) == 1:
        row = session.get(OutboxJob, claimed[0], populate_existing=True)  # one read, fresh after the claim
        return [row] if row is not None else []
    return list(
        session.scalars(
            sa.select(OutboxJob)
            .where(OutboxJob.id.in_(claimed))
            .order_by(OutboxJob.id)
            .execution_options(populate_existing=True)
        )
    )


def execute(job_id: int) -> str:
    """Run one outbox job at most once at a time; returns its final status."""
    rows = _claim([job_id])
    return _run(rows[0].id, rows[0].name, dict(rows[0].payload or {})) if rows else "skipped"


def execute_many(job_ids: list[int]) -> list[str]:
    """Run outbox jobs pushed together: claimed and read in one go, then each runs and is recorded on
    its own (a failure retries that job only)."""
    # Plain values first: a job's own commit expires every loaded row, the next ones of the chunk too.
    claimed = {row.id: (row.name, dict(row.payload or {})) for row in _claim(job_ids)}
    return [_run(job_id, *claimed[job_id]) if job_id in claimed else "skipped" for job_id in job_ids]


def _run(job_id: int, name: str, payload: dict[str, Any]) -> str:
    session = db.session()
    func = JOBS.get(name)
    try:
        if func is None:
            raise LookupError(f"no job registered as {name!r}")
        func(**payload)
    except Exception as exc:  # noqa: BLE001 - any failure of a job is recorded, never lost
        session.rollback()
        row = session.get(OutboxJob, job_id)
        if row is None:
            raise
        err = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        log.warning("job %s #%s failed (attempt %s): %s", row.name, job_id, row.attempts, err)
        with transaction():
            row.last_error = (err + "\n" + traceback.format_exc())[-8000:]
            if row.attempts >= row.max_attempts:
                row.status = JobStatus.FAILED
                row.finished_at = utcnow()
            else:
                backoff = current_app.config["JOBS_BACKOFF_SECONDS"] * (2 ** (row.attempts - 1))
                row.status = JobStatus.PENDING
                row.run_after = utcnow() + dt.timedelta(seconds=backoff)
        return row.status.value
    with transaction():
        session.execute(
            sa.update(OutboxJob)
            .where(OutboxJob.id == job_id)
            .values(status=JobStatus.DONE, finished_at=utcnow(), last_error=None)
            .execution_options(synchronize_session=False)
        )
    return "done"


def retry_failed(*, job_id: int, actor: Any) -> OutboxJob:
    from app import audit
    from app.errors import Conflict, NotFound

    row = db.session.get(OutboxJob, job_id)
    if row is None:
        raise NotFound("job not found")
    if row.status != JobStatus.FAILED:
        raise Conflict("only failed jobs can be retried")
    with transaction(actor=actor):
        row.status = JobStatus.PENDING
        row.attempts = 0
        row.run_after = utcnow()
        audit.record(object_type="outbox_jobs", object_id=row.id, action="retry")
        db.session.info.setdefault("outbox_new", []).append(row.id)
    return row


def run_periodic(name: str) -> None:
    """Entry point the scheduler enqueues; runs the registered function directly."""
    JOBS[name]()


def counts() -> dict[str, int]:
    rows = db.session.execute(sa.select(OutboxJob.status, sa.func.count()).group_by(OutboxJob.status))
    return {str(status.value if hasattr(status, "value") else status): n for status, n in rows}


@periodic("jobs.relay", seconds=15)
def _relay_job() -> None:
    relay()


@periodic("auth.purge_login_failures", seconds=3600)
def _purge_job() -> None:
    from app.auth.services import purge_login_failures

    purge_login_failures()


@periodic("forms.purge_submissions", seconds=3600)
def _purge_submissions_job() -> None:
    from app.submissions import purge

    purge()

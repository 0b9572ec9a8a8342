"""`flask --app wsgi worker`: an RQ worker plus RQ's CronScheduler for the periodic jobs."""

from __future__ import annotations

import logging
import multiprocessing
import os

import click
from flask import current_app
from flask.cli import with_appcontext

from app.jobs import PERIODIC, get_queue, queue_name, redis_connection
from app.jobs.runner import set_app

log = logging.getLogger("presidio.worker")


def _run_cron(app_config_redis: str, prefix: str, periodic: dict[str, int]) -> None:
    from redis import Redis
    from rq.cron import CronScheduler

    from app.jobs.runner import periodic_in_worker

    cron = CronScheduler(connection=Redis.from_url(app_config_redis), name=f"presidio-cron-{os.getpid()}")
    for name, seconds in periodic.items():
        cron.register(
            periodic_in_worker, f"{prefix}:default", args=(name,), interval=seconds, job_timeout=600, name=name
        )
    cron.start()


@click.command("worker")
@click.option("--queues", default="default,mail,billing", show_default=True, help="Queues to serve.")
@click.option("--no-cron", is_flag=True, help="Do not run the periodic scheduler (for extra workers).")
@click.option("--burst", is_flag=True, help="Drain the queues and exit.")
@with_appcontext
def worker_command(queues: str, no_cron: bool, burst: bool) -> None:
    """RQ worker with the scheduler for periodic jobs (mail polling, SLA checks, reminders)."""
    from rq import SimpleWorker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: jobs run inline, there is nothing to serve.")
    set_app(app)
    conn = redis_connection()
    conn.ping()
    from app.jobs import relay

    relay()  # anything left in the outbox while Redis or the worker was down goes out now
    # No database connection may be inherited by the processes forked below (RQ's scheduler, the
    # cron): a child outliving a killed worker would keep it open, idle in a transaction, holding locks.
    from app.extensions import db

    db.session.remove()
    db.engine.dispose()
    cron_proc = None
    if not no_cron and not burst:
        ctx = multiprocessing.get_context("fork")
        cron_proc = ctx.Process(
            target=_run_cron,
            args=(app.config["REDIS_URL"], app.config["RQ_QUEUE_PREFIX"], dict(PERIODIC)),
            daemon=True,
        )
        cron_proc.start()
    qs = [get_queue(q.strip()) for q in queues.split(",") if q.strip()]
    log.info("worker serving %s", ", ".join(queue_name(q.strip()) for q in queues.split(",")))
    try:
        SimpleWorker(qs, connection=conn).work(burst=burst, with_scheduler=not burst)
    finally:
        if cron_proc is not None:
            cron_proc.terminate()

"""Billing jobs: the annual run (queued by the page), overdue marking and reminders (periodic)."""

from __future__ import annotations

from app.jobs import job, periodic


@job("billing.run")
def run_job(run_id: int) -> None:
    from billing.services import execute_run

    execute_run(run_id)


@periodic("billing.reminders", seconds=6 * 3600)
def reminders_job() -> None:
    from billing.collections import send_reminders

    send_reminders()

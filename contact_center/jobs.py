"""Background work of the contact center: mailbox polling and processing of piped-in mail."""

from __future__ import annotations

from app.jobs import job, periodic


@periodic("contact_center.poll_mailboxes", seconds=60)
def poll_mailboxes() -> None:
    from contact_center.channels.imap import poll_all

    poll_all()


@job("contact_center.process_raw")
def process_raw_job(raw_id: int) -> None:
    """One message (jobs written before batches existed; reprocessing)."""
    from contact_center.mailflow import process_raw

    process_raw(raw_id)


@job("contact_center.process_pending")
def process_pending_job() -> None:
    """Every stored message still pending, in batches (the MTA pipe schedules this)."""
    from contact_center.mailflow import process_pending

    process_pending()

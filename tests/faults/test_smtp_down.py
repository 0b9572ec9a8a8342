"""SMTP down: the mail stays queued and is retried with exponential backoff until it goes out."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.extensions import db
from app.jobs import JobStatus, OutboxJob, relay
from app.mail import EmailStatus, OutboundEmail, queue_email
from tests.conftest import free_port


def _job() -> OutboxJob:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxJob).where(OutboxJob.name == "mail.send")).one()


def _make_due(job: OutboxJob) -> None:
    """Let the backoff time pass."""
    with transaction():
        job.run_after = utcnow() - dt.timedelta(seconds=1)


def test_mail_stays_queued_while_smtp_is_down_and_is_retried_with_backoff(app, smtp_server, run_jobs):
    working_url = app.config["MAIL_SMTP_URL"]
    app.config["MAIL_SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there
    with transaction():
        email = queue_email(
            to="ragioneria@comune.putignano.ba.it", subject="Avviso di pagamento", body_text="In allegato."
        )
    email_id = email.id

    run_jobs()
    job = _job()
    assert job.status == JobStatus.PENDING
    assert job.attempts == 1
    assert "Connection refused" in (job.last_error or "") or "Errno" in (job.last_error or "")
    first_wait = (job.run_after - utcnow()).total_seconds()
    base = app.config["JOBS_BACKOFF_SECONDS"]
    assert base - 5 <= first_wait <= base + 1
    assert db.session.get(OutboundEmail, email_id).status == EmailStatus.QUEUED

    # Not due yet: the relay does not hammer the dead server.
    assert relay() == 0
    # Second failure: the wait doubles.
    _make_due(job)
    assert relay() == 1
    run_jobs()
    job = _job()
    assert job.attempts == 2 and job.status == JobStatus.PENDING
    second_wait = (job.run_after - utcnow()).total_seconds()
    assert 2 * base - 5 <= second_wait <= 2 * base + 1
    assert smtp_server.messages == []

    # The server is back: the next retry delivers it, once.
    app.config["MAIL_SMTP_URL"] = working_url
    _make_due(job)
    relay()
    run_jobs()
    assert len(smtp_server.messages) == 1
    assert smtp_server.parsed()[0]["Subject"] == "Avviso di pagamento"
    db.session.expire_all()
    assert db.session.get(OutboundEmail, email_id).status == EmailStatus.SENT
    assert _job().status == JobStatus.DONE


def test_mail_job_gives_up_after_max_attempts_and_an_admin_can_retry_it(app, smtp_server, run_jobs, make_user):
    from app.jobs import retry_failed

    working_url = app.config["MAIL_SMTP_URL"]
    app.config["MAIL_SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    with transaction():
        queue_email(to="protocollo@comune.gioia.ba.it", subject="Sollecito", body_text="Secondo avviso.")
    for _ in range(app.config["JOBS_MAX_ATTEMPTS"]):
        job = _job()
        _make_due(job)
        relay()
        run_jobs()
    job = _job()
    assert job.status == JobStatus.FAILED
    assert job.attempts == app.config["JOBS_MAX_ATTEMPTS"]
    assert db.session.scalars(sa.select(OutboundEmail.status)).one() == EmailStatus.QUEUED  # never lost

    app.config["MAIL_SMTP_URL"] = working_url
    retry_failed(job_id=job.id, actor=make_user("admin"))
    run_jobs()
    assert len(smtp_server.messages) == 1
    assert _job().status == JobStatus.DONE

"""Outgoing mail through the outbox, delivered to a real SMTP server (aiosmtpd in-process)."""

import pytest

from app.db import transaction
from app.mail import EmailStatus, OutboundEmail, make_message_id, queue_email, suppress, ticket_from_message_id


def test_queued_email_is_sent_by_the_worker_with_threading_headers(db, smtp_server, run_jobs):
    with transaction():
        email = queue_email(
            to="rtd@comune.example.it",
            subject="[AST-2026-000001] Ricevuta",
            body_text="Ciao",
            ticket_id=42,
            in_reply_to="<abc@example.it>",
            references="<abc@example.it>",
        )
    assert smtp_server.messages == []  # nothing leaves before the worker runs
    run_jobs()
    assert len(smtp_server.messages) == 1
    raw = smtp_server.messages[0].content.decode()
    assert "Subject: [AST-2026-000001] Ricevuta" in raw
    assert "In-Reply-To: <abc@example.it>" in raw
    assert "Auto-Submitted: auto-generated" in raw
    assert db.session.get(OutboundEmail, email.id).status == EmailStatus.SENT


def test_email_is_not_written_when_the_transaction_rolls_back(db):
    with pytest.raises(RuntimeError), transaction():
        queue_email(to="a@example.it", subject="x", body_text="y")
        raise RuntimeError("boom")
    assert db.session.query(OutboundEmail).count() == 0


def test_signed_message_id_round_trips_and_rejects_forgery(app):
    mid = make_message_id(1234)
    assert ticket_from_message_id(mid) == 1234
    forged = mid.replace("t1234.", "t1235.")
    assert ticket_from_message_id(forged) is None
    assert ticket_from_message_id("<random@elsewhere.it>") is None


def test_rate_cap_and_suppression_stop_automatic_mail(db, app):
    app.config["MAIL_MAX_AUTO_PER_HOUR"] = 3
    try:
        statuses = [queue_email(to="loop@example.it", subject=f"n{i}", body_text="x").status for i in range(5)]
    finally:
        app.config.pop("MAIL_MAX_AUTO_PER_HOUR")
    assert statuses[:3] == [EmailStatus.QUEUED] * 3
    assert statuses[3:] == [EmailStatus.SUPPRESSED] * 2
    suppress(address="gone@example.it", reason="5.1.1 user unknown")
    assert queue_email(to="Gone@example.it", subject="x", body_text="y").status == EmailStatus.SUPPRESSED

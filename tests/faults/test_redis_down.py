"""Redis stopped while changes come in: nothing is lost, everything goes out once it is back."""

from __future__ import annotations

import sqlalchemy as sa

from app.db import transaction
from app.extensions import db
from app.jobs import JobStatus, OutboxJob, relay
from app.mail import EmailStatus, OutboundEmail, queue_email
from tests.faults.conftest import count


def test_changes_made_while_redis_is_down_are_delivered_when_it_is_back(
    app, client, private_redis, smtp_server, run_jobs, make_org
):
    from tickets.services import open_ticket

    org = make_org(name="Comune di Noci")
    private_redis.stop()

    # The change commits although the queue is unreachable: the job waits in the outbox.
    for n in range(3):
        with transaction():
            ticket = open_ticket(
                subject=f"Linea assente in biblioteca {n}", description="Nessuna connessione", organization_id=org.id
            )
            queue_email(
                to="rtd@comune.noci.ba.it",
                subject=f"[{ticket.number}] Richiesta ricevuta",
                body_text="Abbiamo ricevuto la sua richiesta.",
                ticket_id=ticket.id,
            )
    assert count("tickets") == 3
    pending = db.session.scalars(sa.select(OutboxJob).where(OutboxJob.name == "mail.send")).all()
    assert len(pending) == 3 and {j.status for j in pending} == {JobStatus.PENDING}

    # Health shows the queue down and the backlog, without failing the database check.
    health = client.get("/healthz")
    body = health.get_json()
    assert body["database"] == "ok"
    assert body["queue"].startswith("error")
    assert body["jobs"]["pending"] >= 3

    # The relay (periodic, and at every worker start) keeps them while Redis is still down…
    assert relay() == 0
    private_redis.start()
    # …and hands them over once it is back; the worker sends each exactly once.
    assert relay() >= 3
    run_jobs()
    assert len(smtp_server.messages) == 3
    subjects = sorted(m["Subject"] for m in smtp_server.parsed())
    assert all("Richiesta ricevuta" in s for s in subjects)
    statuses = db.session.scalars(sa.select(OutboundEmail.status)).all()
    assert set(statuses) == {EmailStatus.SENT}
    db.session.expire_all()
    assert {j.status for j in db.session.scalars(sa.select(OutboxJob).where(OutboxJob.name == "mail.send"))} == {
        JobStatus.DONE
    }
    # a second relay finds nothing left to send: no duplicates
    assert relay() == 0
    run_jobs()
    assert len(smtp_server.messages) == 3

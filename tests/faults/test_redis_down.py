"""Redis stopped while tickets and emails come in: nothing is lost, and once it is back everything
(processing, acknowledgements, notifications) is delivered exactly once.

A private redis-server is really stopped; tickets are opened through the API and emails are piped in
over HTTP while it is down; then it is started again and a real worker process catches up.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.extensions import db
from app.jobs import JobStatus, OutboxJob, relay
from app.mail import EmailStatus, OutboundEmail
from contact_center.models import InboundItem, RawMessage, RawStatus
from crm.models import Contact
from tests.contact_center.conftest import build_email
from tests.faults.conftest import count, start_worker
from tickets.models import Ticket, TicketMessage


def test_tickets_and_emails_while_redis_is_down_are_delivered_once_when_it_is_back(
    app, client, api_as, private_redis, smtp_server, run_jobs, make_org, monkeypatch
):
    org = make_org(name="Comune di Noci")
    rtd = Contact(organization_id=org.id, name="Rita Rossi", email="rtd@comune.noci.ba.it")
    db.session.add(rtd)
    db.session.commit()
    api = api_as("operator")
    monkeypatch.setitem(app.config, "INBOUND_TOKEN", "pipe-token")
    pipe = {"Authorization": "Bearer pipe-token", "Content-Type": "message/rfc822"}

    private_redis.stop()  # the redis-server process is gone

    # Tickets through the API: created (201) although the queue is unreachable.
    opened = []
    for n in range(3):
        resp = api.post(
            "/api/v1/tickets",
            json={
                "subject": f"Linea assente in biblioteca {n}",
                "description": "Nessuna connessione dalla sala lettura.",
                "organization_id": org.id,
                "requester_contact_id": rtd.id,
            },
        )
        assert resp.status_code == 201, resp.get_json()
        opened.append(resp.get_json()["number"])
    # Emails piped in over HTTP: stored (202) before anything else, processing waits in the outbox.
    mails = [
        build_email(
            sender=f"Rita Rossi <{rtd.email}>",
            subject=f"Protocollo informatico bloccato {n}",
            message_id=f"<protocollo-{n}@comune.noci.ba.it>",
        )
        for n in range(3)
    ]
    mails.append(
        build_email(
            sender=f"Rita Rossi <{rtd.email}>",
            subject="Re: Protocollo informatico bloccato 0",
            body="Aggiungo: anche la PEC non scarica.\n",
            message_id="<protocollo-0-bis@comune.noci.ba.it>",
            headers={"In-Reply-To": "<protocollo-0@comune.noci.ba.it>"},
        )
    )
    for raw in [*mails, mails[1]]:  # the MTA retries one of them
        resp = client.post("/contact-center/email/inbound", data=raw, headers=pipe)
        assert resp.status_code == 202, resp.data
    assert resp.get_json()["duplicate"] is True

    assert count("tickets") == 3 and count("cc_raw_messages") == 4
    assert count("inbound_items") == 0  # not processed yet…
    assert {j.status for j in db.session.scalars(sa.select(OutboxJob))} == {JobStatus.PENDING}  # …but queued
    health = client.get("/healthz").get_json()
    assert health["database"] == "ok" and health["queue"].startswith("error")
    names = sorted(db.session.scalars(sa.select(OutboxJob.name)))
    # 3 acknowledgements to send, one job to process the stored emails (none more for the retry)
    assert names == ["contact_center.process_pending", *["mail.send"] * 3], names
    assert health["jobs"]["pending"] == 4
    assert relay() == 0  # the periodic relay keeps them while Redis is still down
    assert smtp_server.messages == []

    private_redis.start()
    worker = start_worker(app, "--burst", MAIL_SMTP_URL=app.config["MAIL_SMTP_URL"])
    out, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, out.decode(errors="replace")[-3000:]

    db.session.rollback()
    db.session.expire_all()
    # every email processed once: three new tickets, the reply on the first one
    assert {r.status for r in db.session.scalars(sa.select(RawMessage))} == {RawStatus.PROCESSED}
    assert count("inbound_items") == 4
    tickets = db.session.scalars(sa.select(Ticket).order_by(Ticket.id)).all()
    assert len(tickets) == 6
    by_subject = {t.subject: t for t in tickets}
    first = by_subject["Protocollo informatico bloccato 0"]
    assert (
        db.session.scalar(
            sa.select(TicketMessage.ticket_id).where(
                TicketMessage.external_ref == "<protocollo-0-bis@comune.noci.ba.it>"
            )
        )
        == first.id
    )
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(InboundItem).where(InboundItem.ticket_id.is_(None)))
        == 0
    )
    # every ticket's acknowledgement went out exactly once, to the requester, with its number
    sent = smtp_server.parsed()
    assert len(sent) == 6
    assert sorted(str(m["To"]) for m in sent) == [rtd.email] * 6
    numbers = sorted(next(t.number for t in tickets if t.number in str(m["Subject"])) for m in sent)
    assert numbers == sorted(t.number for t in tickets)
    assert set(opened) <= set(numbers)
    assert {e.status for e in db.session.scalars(sa.select(OutboundEmail))} == {EmailStatus.SENT}
    assert {j.status for j in db.session.scalars(sa.select(OutboxJob))} == {JobStatus.DONE}
    # nothing is left to send twice
    assert relay() == 0
    run_jobs()
    assert len(smtp_server.messages) == 6
    assert json.loads(client.get("/healthz").data)["jobs"]["pending"] == 0

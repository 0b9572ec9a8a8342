"""Mail through the MTA pipe is processed in batches: one job for a burst, a bad message quarantined
alone, threading inside a batch, and nothing processed twice."""

from __future__ import annotations

import sqlalchemy as sa

from app.jobs import OutboxJob
from app.mail import OutboundEmail
from contact_center.mailflow import process_pending, process_raw, store_raw
from contact_center.models import InboundItem, InboundStatus, RawMessage, RawSource, RawStatus
from tests.contact_center.conftest import build_email
from tickets.models import Ticket, TicketMessage

TOKEN = "pipe-token"  # noqa: S105


def post(client, data: bytes):
    resp = client.post(
        "/contact-center/email/inbound",
        data=data,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "message/rfc822"},
    )
    assert resp.status_code == 202, resp.get_data(as_text=True)
    return resp.get_json()


def count(db, model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_a_burst_is_one_job_and_a_bad_message_is_quarantined_alone(db, app, client, comune, run_jobs, monkeypatch):
    from contact_center import mailflow

    real_find_thread = mailflow.find_thread

    def fails_on_poison(parsed, **kw):
        if "veleno" in (parsed.subject or ""):
            raise RuntimeError("messaggio che fa cadere l'elaborazione")
        return real_find_thread(parsed, **kw)

    monkeypatch.setattr(mailflow, "find_thread", fails_on_poison)
    app.config["INBOUND_TOKEN"] = TOKEN
    app.config["INGEST_BATCH_SIZE"] = 3  # the six messages span two batches
    try:
        ids = [
            post(client, build_email(subject=f"Richiesta {i}" if i != 2 else "Messaggio veleno"))["id"]
            for i in range(6)
        ]
    finally:
        app.config["INBOUND_TOKEN"] = None
    assert count(db, OutboxJob, OutboxJob.name == "contact_center.process_pending") == 1
    assert count(db, Ticket) == 0  # stored, not yet processed

    run_jobs()
    app.config.pop("INGEST_BATCH_SIZE")

    rows = {r.id: r for r in db.session.scalars(sa.select(RawMessage).where(RawMessage.id.in_(ids)))}
    poison = rows[ids[2]]
    assert poison.status == RawStatus.FAILED and "fa cadere" in poison.error
    assert all(rows[i].status == RawStatus.PROCESSED for i in ids if i != ids[2])
    subjects = db.session.scalars(sa.select(Ticket.subject).order_by(Ticket.id)).all()
    assert subjects == [f"Richiesta {i}" for i in (0, 1, 3, 4, 5)]
    # the poison message left nothing of its work behind (no acknowledgement, no ticket): only its
    # quarantined item in triage, with the reason
    (quarantined,) = db.session.scalars(sa.select(InboundItem).where(InboundItem.raw_id == poison.id)).all()
    assert quarantined.status == InboundStatus.QUARANTINED and "fa cadere" in quarantined.reason
    assert count(db, OutboundEmail, OutboundEmail.subject.contains("Richiesta ricevuta")) == 5
    # every other message is on exactly one ticket
    for raw_id in ids:
        if raw_id != ids[2]:
            item = db.session.scalar(sa.select(InboundItem).where(InboundItem.raw_id == raw_id))
            assert item.status == InboundStatus.TICKETED and item.ticket_id is not None

    monkeypatch.undo()
    from contact_center.mailflow import reprocess

    assert reprocess(raw_id=poison.id).status == InboundStatus.TICKETED
    assert count(db, Ticket) == 6


def test_a_reply_in_the_same_batch_as_its_original_joins_its_ticket(db, app, client, comune, run_jobs):
    app.config["INBOUND_TOKEN"] = TOKEN
    try:
        post(client, build_email(subject="VPN non si connette", message_id="<orig-batch@comune.example.it>"))
        post(
            client,
            build_email(
                subject="Re: VPN non si connette",
                body="Aggiungo: anche da casa.\n",
                headers={"In-Reply-To": "<orig-batch@comune.example.it>"},
            ),
        )
    finally:
        app.config["INBOUND_TOKEN"] = None
    run_jobs()
    [ticket] = db.session.scalars(sa.select(Ticket)).all()
    bodies = db.session.scalars(
        sa.select(TicketMessage.body).where(TicketMessage.ticket_id == ticket.id).order_by(TicketMessage.id)
    ).all()
    assert len(bodies) == 2 and "anche da casa" in bodies[1]


def test_a_message_processed_inline_is_not_processed_again_by_the_batch(db, comune):
    row, created = store_raw(build_email(subject="Una volta sola"), source=RawSource.PIPE)
    assert created
    item = process_raw(row.id)
    assert process_pending() == 0
    assert process_raw(row.id).id == item.id
    assert count(db, Ticket) == 1 and count(db, InboundItem) == 1

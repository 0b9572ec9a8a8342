"""Intake never stalls: hostile messages are cleaned at one edge or quarantined alone, and everything
else in the batch becomes a ticket (shared/CONTRACT.md, "Robustness promises")."""

from __future__ import annotations

import sqlalchemy as sa

from contact_center import intake
from contact_center.mailflow import process_pending, store_raw
from contact_center.models import InboundItem, InboundStatus, RawMessage, RawSource, RawStatus
from tests.contact_center.conftest import build_email
from tickets.models import Ticket, TicketMessage

TOKEN = "pipe-token"  # noqa: S105

HEAD = b"From: Rita Rossi <rita@comune.example.it>\r\nTo: assistenza@presidio.local\r\n"


def hostile_batch() -> dict[str, bytes]:
    """One message of every kind of bad input seen on the pipe and on IMAP, between two good ones."""
    return {
        "good first": build_email(subject="Buona prima"),
        "NUL in body and subject": HEAD
        + b"Subject: Nul\x00lo\r\nMessage-ID: <nul@comune.example.it>\r\n"
        + b"Content-Type: text/plain; charset=utf-8\r\n\r\nciao\x00mondo\r\n",
        "NUL in Message-ID and filename": HEAD
        + b"Subject: Allegato\r\nMessage-ID: <a\x00b@comune.example.it>\r\nMIME-Version: 1.0\r\n"
        + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nvedi\r\n'
        + b'--B\r\nContent-Type: application/pdf; name="de\x00libera.pdf"\r\n'
        + b'Content-Disposition: attachment; filename="de\x00libera.pdf"\r\n\r\n%PDF\r\n--B--\r\n',
        "unpaired surrogate": HEAD
        + b"Subject: Citt\xed\xa0\x80 ferma\r\nMessage-ID: <surrogate@comune.example.it>\r\n"
        + b"Content-Type: text/plain; charset=utf-16\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + b"AADYYQBiAA==\r\n",
        "control characters": HEAD
        + b"Subject: =?utf-8?q?campan=07ello=1B[31m_rosso?=\r\nMessage-ID: <ctl@comune.example.it>\r\n\r\n"
        + b"testo\x07\x1b[2J\x7f con controlli\r\n",
        "broken MIME": HEAD
        + b"Subject: MIME rotto\r\nMessage-ID: <mime@comune.example.it>\r\nMIME-Version: 1.0\r\n"
        + b"Content-Type: multipart/mixed\r\nContent-Transfer-Encoding: base64\r\n\r\n--\r\n!!!\x00\r\n"
        + b"--X\r\nContent-Type: message/rfc822\r\n\r\nFrom: \r\n\r\n--X",
        "huge header": HEAD
        + b"Subject: "
        + b"Lungo " * 40000
        + b"\r\nMessage-ID: <huge@comune.example.it>\r\nReferences: "
        + b" ".join(b"<r%d@x>" % i for i in range(5000))
        + b"\r\n"
        + b"".join(b"X-Extra-%d: %s\r\n" % (i, b"v" * 50) for i in range(2000))
        + b"\r\ncorpo\r\n",
        "good last": build_email(subject="Buona ultima"),
    }


def test_a_hostile_batch_is_cleaned_at_the_edge_and_every_message_becomes_a_ticket(db, comune):
    ids = [store_raw(raw, source=RawSource.PIPE)[0].id for raw in hostile_batch().values()]
    assert process_pending(batch_size=3) == len(ids)
    rows = db.session.scalars(sa.select(RawMessage).order_by(RawMessage.id)).all()
    assert [(r.status, r.error) for r in rows] == [(RawStatus.PROCESSED, None)] * len(ids)
    items = db.session.scalars(sa.select(InboundItem).order_by(InboundItem.raw_id)).all()
    assert [i.status for i in items] == [InboundStatus.TICKETED] * len(ids)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == len(ids)
    by_subject = {i.subject: i for i in items}
    assert by_subject["Nullo"].body_text == "ciaomondo"
    assert "Città ferma" not in by_subject and any(s.startswith("Citt") and "ferma" in s for s in by_subject)
    assert by_subject["campanello[31m rosso"].body_text == "testo[2J con controlli"
    # nothing stored anywhere carries a NUL, a lone surrogate or a line break in a subject
    for text in db.session.scalars(sa.select(TicketMessage.body)):
        assert "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    for item in items:
        assert "\n" not in item.subject and "\x00" not in (item.message_id or "")
    pdf = next(i for i in items if i.meta["attachments"])
    assert pdf.meta["attachments"][0]["filename"] == "delibera.pdf"


def test_a_message_the_database_refuses_is_quarantined_alone_and_can_be_retried(
    db, app, client, comune, run_jobs, login_as, get_csrf, monkeypatch
):
    """The safety net behind the edge: with the cleaning off, the NUL byte reaches PostgreSQL and its
    flush fails inside the message's savepoint; that message alone is quarantined, the batch goes on."""
    monkeypatch.setattr(intake, "strip_unsafe", lambda value: value)
    app.config["INBOUND_TOKEN"] = TOKEN
    app.config["INGEST_BATCH_SIZE"] = 5
    messages = [
        build_email(subject="Prima"),
        build_email(subject="Seconda"),
        build_email(subject="Veleno", body="ciao\x00mondo\n"),
        build_email(subject="Quarta"),
        build_email(subject="Quinta"),
        build_email(subject="Sesta"),
    ]
    try:
        for raw in messages:
            resp = client.post(
                "/contact-center/email/inbound",
                data=raw,
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "message/rfc822"},
            )
            assert resp.status_code == 202
        run_jobs()
    finally:
        app.config["INBOUND_TOKEN"] = None
        app.config.pop("INGEST_BATCH_SIZE")
    subjects = db.session.scalars(sa.select(Ticket.subject).order_by(Ticket.id)).all()
    assert subjects == ["Prima", "Seconda", "Quarta", "Quinta", "Sesta"]
    poison = db.session.scalar(sa.select(RawMessage).where(RawMessage.status == RawStatus.FAILED))
    assert "NUL" in poison.error
    item = db.session.scalar(sa.select(InboundItem).where(InboundItem.status == InboundStatus.QUARANTINED))
    assert (item.subject, item.raw_id, item.sender_email) == ("Veleno", poison.id, "rita@comune.example.it")
    assert item.reason.startswith("elaborazione non riuscita: DataError")

    # staff see it in triage with its reason, and retry it once the cause is gone
    login_as("operator")
    page = client.get("/inbound?status=quarantined").get_data(as_text=True)
    assert "Veleno" in page and "elaborazione non riuscita" in page
    detail = client.get(f"/inbound/{item.id}").get_data(as_text=True)
    assert "Riprova" in detail and "DataError" in detail
    token = get_csrf(f"/inbound/{item.id}")
    resp = client.post(f"/inbound/{item.id}/riprova", data={"csrf_token": token}, follow_redirects=True)
    assert "non è riuscita di nuovo" in resp.get_data(as_text=True)  # still poisoned: still quarantined
    monkeypatch.undo()
    client.post(f"/inbound/{item.id}/riprova", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(InboundItem, item.id).status == InboundStatus.TICKETED
    assert db.session.get(RawMessage, poison.id).status == RawStatus.PROCESSED
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.subject == "Veleno"))
    assert ticket.description == "ciaomondo"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InboundItem)) == 6


def test_a_web_request_that_cannot_be_filed_waits_in_quarantine(db, app, comune, monkeypatch):
    from contact_center import webform

    def broken(payload):
        raise RuntimeError("servizio non raggiungibile")

    monkeypatch.setitem(intake.CHANNELS, "web", intake.Channel("web", broken))
    with app.test_request_context():
        item = webform.submit(
            client_ip="203.0.113.9",
            organization_id=comune.id,
            name="Giulia\x00 Bianchi",
            email="giulia@example.it",
            phone=None,
            service_id=None,
            subject="Richiesta\r\nBcc: x@evil.example",
            description="testo",
            files=[],
            nonce="a" * 32,
        )
    assert item.status == InboundStatus.QUARANTINED and "servizio non raggiungibile" in item.reason
    assert (item.subject, item.sender_name) == ("Richiesta Bcc: x@evil.example", "Giulia Bianchi")
    monkeypatch.undo()
    assert intake.retry(item_id=item.id).status == InboundStatus.TICKETED
    assert db.session.scalar(sa.select(Ticket.channel)) == "web"


def test_log_manual_call_and_update_call_share_one_rule_for_the_contacts_ente(db, make_org, make_user):
    from app.errors import Invalid
    from contact_center.phone import services
    from crm.models import Contact

    operator = make_user("operator")
    bari, bitonto = make_org(name="Comune di Bari"), make_org(name="Comune di Bitonto")
    other = Contact(organization_id=bitonto.id, name="Anna di Bitonto")
    db.session.add(other)
    db.session.commit()
    for attempt in (
        lambda: services.log_manual_call(actor=operator, number=None, organization_id=bari.id, contact_id=other.id),
        lambda: services.update_call(
            call_id=services.log_manual_call(actor=operator, number=None).id,
            actor=operator,
            organization_id=bari.id,
            contact_id=other.id,
        ),
    ):
        try:
            attempt()
        except Invalid as exc:
            assert exc.fields == {"contact_id": ["il contatto non appartiene all'ente"]}
        else:
            raise AssertionError("a contact of another ente was accepted")
    call = services.log_manual_call(actor=operator, number=None, contact_id=other.id)
    assert (call.organization_id, call.contact_id) == (bitonto.id, other.id)


def test_hostile_messages_over_imap_do_not_stop_the_poll(db, dovecot, imap_account, make_mailbox, comune):
    from contact_center.channels.imap import poll_mailbox

    mailbox = make_mailbox()
    batch = hostile_batch()
    for raw in batch.values():
        dovecot.deliver(imap_account["user"], imap_account["password"], raw)
    result = poll_mailbox(mailbox.id)
    assert (result["error"], result["fetched"], result["failed"]) == (None, len(batch), 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == len(batch)
    flags = dovecot.flags(imap_account["user"], imap_account["password"])
    assert len(flags) == len(batch) and all("\\Seen" in f for f in flags)

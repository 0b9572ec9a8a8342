"""Email intake rules: tickets for known senders, threading, PEC, auto-replies, idempotency."""

from __future__ import annotations

import sqlalchemy as sa

from app.db import transaction
from app.mail import OutboundEmail, is_suppressed, make_message_id, queue_email
from contact_center.mailflow import ingest, process_raw, store_raw
from contact_center.models import InboundItem, InboundStatus, PecReceipt, RawMessage, RawSource, RawStatus
from tests.contact_center.conftest import build_email, build_pec, build_receipt
from tickets.models import Ticket, TicketMessage


def tickets(db):
    return db.session.scalars(sa.select(Ticket).order_by(Ticket.id)).all()


def test_mail_from_a_known_contact_opens_a_ticket_on_its_ente_with_an_acknowledgement(db, comune):
    raw, item = ingest(build_email(), source=RawSource.PIPE)
    assert raw.status == RawStatus.PROCESSED
    assert item.status == InboundStatus.TICKETED
    [ticket] = tickets(db)
    assert ticket.organization_id == comune.id
    assert ticket.requester_contact_id == comune.contact.id
    assert ticket.channel == "email"
    assert ticket.subject == "Stampante del protocollo ferma"
    ack = db.session.scalar(sa.select(OutboundEmail).where(OutboundEmail.subject.contains("Richiesta ricevuta")))
    assert ack.to_addr == "rita@comune.example.it"
    assert ticket.number in ack.subject
    assert ack.in_reply_to == item.message_id


def test_the_same_message_twice_is_one_ticket(db, comune):
    data = build_email()
    ingest(data, source=RawSource.PIPE)
    ingest(data, source=RawSource.IMAP)
    row, created = store_raw(data, source=RawSource.PIPE)
    assert not created
    assert len(tickets(db)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InboundItem)) == 1
    # without a Message-ID the bytes are the key
    bare = build_email(message_id=None, subject="Senza id")
    ingest(bare, source=RawSource.PIPE)
    ingest(bare, source=RawSource.PIPE)
    assert len(tickets(db)) == 2


def test_unknown_sender_waits_in_triage(db, comune):
    _, item = ingest(build_email(sender="Mario <mario@gmail.example.com>"), source=RawSource.PIPE)
    assert item.status == InboundStatus.NEW
    assert item.ticket_id is None
    assert tickets(db) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0


def test_reply_to_our_answer_joins_the_ticket_even_with_only_references(db, comune):
    _, first = ingest(build_email(), source=RawSource.PIPE)
    ticket_id = first.ticket_id
    ours = make_message_id(ticket_id)
    reply = build_email(
        subject="Re: la stampante",
        body="Ora funziona, grazie.\n\nIl giorno lun 23 nov 2026 Assistenza ha scritto:\n> Provi a riavviarla\n",
        headers={"References": f"<unrelated@x.it> {ours}"},
    )
    _, item = ingest(reply, source=RawSource.PIPE)
    assert item.status == InboundStatus.ATTACHED
    assert item.ticket_id == ticket_id
    assert len(tickets(db)) == 1
    bodies = db.session.scalars(sa.select(TicketMessage.body).where(TicketMessage.ticket_id == ticket_id)).all()
    assert "Ora funziona, grazie." in bodies
    assert not any("Provi a riavviarla" in b for b in bodies)  # quoted history trimmed


def test_reply_threads_on_any_stored_message_id(db, comune):
    _, first = ingest(build_email(message_id="<first@comune.example.it>"), source=RawSource.PIPE)
    with transaction():
        out = queue_email(
            to="rita@comune.example.it",
            subject="Risposta",
            body_text="x",
            message_id="<plain@ours>",
            ticket_id=first.ticket_id,
        )
    _, a = ingest(
        build_email(subject="altro", headers={"In-Reply-To": "<first@comune.example.it>"}), source=RawSource.PIPE
    )
    _, b = ingest(build_email(subject="altro 2", headers={"In-Reply-To": out.message_id}), source=RawSource.PIPE)
    assert a.ticket_id == b.ticket_id == first.ticket_id
    assert len(tickets(db)) == 1


def test_ticket_number_in_subject_only_for_the_same_ente(db, comune, make_org):
    from crm.models import Contact

    _, first = ingest(build_email(), source=RawSource.PIPE)
    number = db.session.get(Ticket, first.ticket_id).number
    _, same = ingest(build_email(subject=f"Ancora [{number}]"), source=RawSource.PIPE)
    assert same.ticket_id == first.ticket_id
    other = make_org(name="Comune di Altamura")
    db.session.add(Contact(organization_id=other.id, name="Estraneo", email="x@altamura.example.it"))
    db.session.commit()
    _, stranger = ingest(build_email(sender="x@altamura.example.it", subject=f"Re: [{number}]"), source=RawSource.PIPE)
    assert stranger.ticket_id != first.ticket_id
    assert db.session.get(Ticket, stranger.ticket_id).organization_id == other.id


def test_html_only_mail_is_sanitized_and_rendered_as_text(db, comune):
    html = (
        '<p>Salve <b>ufficio</b></p><script>alert("x")</script>'
        '<img src=x onerror="alert(1)"><a href="javascript:evil()">link</a>'
    )
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "rita@comune.example.it"
    msg["Subject"] = "html"
    msg["Message-ID"] = "<html1@comune.example.it>"
    msg.set_content(html, subtype="html")
    _, item = ingest(msg.as_bytes(), source=RawSource.PIPE)
    assert "<script" not in item.body_html and "onerror" not in item.body_html and "javascript:" not in item.body_html
    assert "<b>ufficio</b>" in item.body_html
    assert "Salve ufficio" in item.body_text
    assert "alert" not in item.body_text


def test_attachments_reach_the_ticket(db, comune):
    from tickets.models import TicketAttachment

    data = build_email(
        attachments=[("schermata.png", "image/png", b"\x89PNG fake"), ("verbale.pdf", "application/pdf", b"%PDF-1.4")]
    )
    _, item = ingest(data, source=RawSource.PIPE)
    names = sorted(
        db.session.scalars(sa.select(TicketAttachment.filename).where(TicketAttachment.ticket_id == item.ticket_id))
    )
    assert names == ["schermata.png", "verbale.pdf"]


def test_auto_replies_bounces_and_loops_open_nothing(db, comune):
    variants = [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"List-Id": "<news.example.it>"},
        {"X-Loop": "presidio.local"},
        {"X-Auto-Response-Suppress": "All"},
    ]
    for i, headers in enumerate(variants):
        _, item = ingest(build_email(subject=f"Messaggio {i}", headers=headers), source=RawSource.PIPE)
        assert item.status == InboundStatus.IGNORED, headers
    _, ooo = ingest(build_email(subject="Risposta automatica: fuori ufficio"), source=RawSource.PIPE)
    _, daemon = ingest(build_email(sender="MAILER-DAEMON@mx.example.it", subject="x"), source=RawSource.PIPE)
    assert ooo.status == daemon.status == InboundStatus.IGNORED
    assert tickets(db) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0


def test_permanent_bounce_suppresses_the_address(db, comune):
    bounce = (
        b"From: MAILER-DAEMON@mx.example.it\r\nTo: assistenza@presidio.local\r\nSubject: Undelivered Mail\r\n"
        b"Message-ID: <bounce1@mx.example.it>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.it\r\n\r\n"
        b"Final-Recipient: rfc822; gone@comune.example.it\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        b"--B--\r\n"
    )
    _, item = ingest(bounce, source=RawSource.PIPE)
    assert item.status == InboundStatus.IGNORED
    assert is_suppressed("gone@comune.example.it")
    assert tickets(db) == []


def test_pec_is_unwrapped_to_the_real_sender_and_keeps_its_envelope(db, comune):
    from tickets.models import TicketAttachment

    inner = build_email(
        sender="protocollo@pec.comune.example.it", subject="Richiesta attivazione SPID", body="Chiediamo l'attivazione."
    )
    _, item = ingest(build_pec(inner), source=RawSource.PIPE)
    assert item.channel == "pec"
    assert item.sender_email == "protocollo@pec.comune.example.it"
    assert item.subject == "Richiesta attivazione SPID"
    ticket = db.session.get(Ticket, item.ticket_id)
    assert ticket.channel == "pec" and ticket.organization_id == comune.id
    assert "Chiediamo l'attivazione." in ticket.description
    names = db.session.scalars(
        sa.select(TicketAttachment.filename).where(TicketAttachment.ticket_id == ticket.id)
    ).all()
    assert "daticert.xml" in names


def test_pec_receipts_are_filed_with_the_outbound_message_and_open_nothing(db, comune):
    with transaction():
        out = queue_email(
            to="protocollo@pec.comune.example.it", subject="Risposta", body_text="x", ticket_id=None, auto=False
        )
    for kind in ("accettazione", "avvenuta-consegna"):
        _, item = ingest(build_receipt(kind, out.message_id), source=RawSource.PIPE)
        assert item.status == InboundStatus.IGNORED
    receipts = db.session.scalars(sa.select(PecReceipt).order_by(PecReceipt.id)).all()
    assert [(r.kind, r.outbound_email_id) for r in receipts] == [
        ("accettazione", out.id),
        ("avvenuta-consegna", out.id),
    ]
    assert receipts[1].recipient == "protocollo@pec.comune.example.it"
    assert tickets(db) == []
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(InboundItem).where(InboundItem.status == "new")) == 0
    )


def test_a_message_that_breaks_processing_is_kept_and_can_be_reprocessed(db, comune, monkeypatch):
    from contact_center import mailflow

    def boom(*a, **k):
        raise RuntimeError("crash in the middle")

    monkeypatch.setattr(mailflow, "find_thread", boom)
    raw, item = ingest(build_email(), source=RawSource.PIPE)
    assert item is None
    row = db.session.get(RawMessage, raw.id)
    assert row.status == RawStatus.FAILED and "crash in the middle" in row.error
    assert tickets(db) == []
    # nothing of the failed work is left; the message waits in triage, quarantined with its reason
    (quarantined,) = db.session.scalars(sa.select(InboundItem)).all()
    assert quarantined.status == InboundStatus.QUARANTINED and "crash in the middle" in quarantined.reason
    monkeypatch.undo()
    from contact_center.mailflow import reprocess

    item = reprocess(raw_id=raw.id)
    assert item.status == InboundStatus.TICKETED and item.id == quarantined.id
    assert process_raw(raw.id).id == item.id  # again: nothing new
    assert len(tickets(db)) == 1


def test_unknown_sender_from_an_entes_domain_waits_in_triage_with_that_ente_suggested(db, comune):
    _, item = ingest(build_email(sender="ragioneria@comune.example.it", subject="Chi sono?"), source=RawSource.PIPE)
    assert item.status == InboundStatus.NEW and item.ticket_id is None
    assert (item.organization_id, item.match_confidence) == (comune.id, "probable")
    _, webmail = ingest(build_email(sender="mario.rossi@gmail.com", subject="Privato"), source=RawSource.PIPE)
    assert webmail.organization_id is None


def test_acknowledgements_to_one_sender_are_capped_per_hour(db, app, comune):
    from app.mail import EmailStatus

    app.config["MAIL_MAX_AUTO_PER_HOUR"] = 2
    try:
        for i in range(3):
            ingest(build_email(subject=f"Problema numero {i}"), source=RawSource.PIPE)
    finally:
        app.config.pop("MAIL_MAX_AUTO_PER_HOUR")
    assert len(tickets(db)) == 3
    acks = db.session.scalars(
        sa.select(OutboundEmail.status).where(OutboundEmail.subject.contains("Richiesta ricevuta"))
    ).all()
    assert sorted(acks) == sorted([EmailStatus.QUEUED, EmailStatus.QUEUED, EmailStatus.SUPPRESSED])

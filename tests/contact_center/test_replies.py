"""Answers leave through the mailbox the request came in by (a PEC through the PEC provider), threaded."""

from __future__ import annotations

import sqlalchemy as sa

from app.db import transaction
from app.mail import OutboundEmail, queue_email, reply_context
from contact_center.mailflow import ingest
from contact_center.models import RawSource
from tests.contact_center.conftest import build_email, build_pec
from tickets.models import Ticket, TicketStatus


def test_reply_to_a_pec_request_goes_out_through_the_pec_mailbox(db, make_mailbox, smtp_server, run_jobs, comune):
    app_default = smtp_server  # the mailbox's SMTP is the same real server here; the envelope tells them apart
    mailbox = make_mailbox(kind="pec", smtp_port=app_default.port, address="assistenza@pec.presidio.test")
    inner = build_email(sender="protocollo@pec.comune.example.it", subject="Istanza", message_id="<inner@x.it>")
    _, item = ingest(build_pec(inner), source=RawSource.IMAP, mailbox_id=mailbox.id)
    ctx = reply_context(item.ticket_id)
    assert ctx["transport"] == "mailbox" and ctx["transport_ref"] == mailbox.id
    assert ctx["from_addr"] == "assistenza@pec.presidio.test"
    run_jobs()
    [ack] = smtp_server.messages
    assert ack.mail_from == "assistenza@pec.presidio.test"
    assert ack.rcpt_tos == ["protocollo@pec.comune.example.it"]
    parsed = smtp_server.parsed()[0]
    assert parsed["In-Reply-To"] == "<inner@x.it>"
    email = db.session.scalar(sa.select(OutboundEmail).where(OutboundEmail.ticket_id == item.ticket_id))
    assert email.transport == "mailbox" and email.status == "sent"


def test_operator_reply_reaches_a_sender_who_is_no_contact_through_the_mailbox(
    db, make_mailbox, smtp_server, run_jobs, comune, make_user
):
    from tickets.services import add_message

    mailbox = make_mailbox(smtp_port=smtp_server.port, address="assistenza@presidio.test")
    _, item = ingest(
        build_email(sender="protocollo@pec.comune.example.it", subject="Rete giù"),
        source=RawSource.IMAP,
        mailbox_id=mailbox.id,
    )
    run_jobs()
    smtp_server.messages.clear()
    operator = make_user("operator")
    add_message(ticket_id=item.ticket_id, body="Stiamo verificando.", actor=operator)
    run_jobs()
    [reply] = smtp_server.messages
    assert reply.rcpt_tos == ["protocollo@pec.comune.example.it"]
    assert reply.mail_from == "assistenza@presidio.test"


def test_reply_to_a_closed_ticket_opens_a_linked_follow_up_and_merged_lands_on_survivor(db, comune):
    from tickets.services import merge_tickets, open_ticket

    _, first = ingest(build_email(message_id="<orig@comune.example.it>"), source=RawSource.PIPE)
    ticket = db.session.get(Ticket, first.ticket_id)
    with transaction():
        ticket.status = TicketStatus.CLOSED
    _, reply = ingest(
        build_email(subject="Re: stampante", headers={"In-Reply-To": "<orig@comune.example.it>"}), source=RawSource.PIPE
    )
    follow = db.session.get(Ticket, reply.ticket_id)
    assert follow.id != ticket.id and follow.follow_up_of_id == ticket.id
    survivor = open_ticket(subject="Principale", organization_id=comune.id)
    victim = open_ticket(subject="Doppione", organization_id=comune.id)
    merge_tickets(source_id=victim.id, target_id=survivor.id)
    with transaction():
        out = queue_email(to="rita@comune.example.it", subject="x", body_text="y", ticket_id=victim.id)
    _, late = ingest(build_email(subject="Re: doppione", headers={"References": out.message_id}), source=RawSource.PIPE)
    assert late.ticket_id == survivor.id

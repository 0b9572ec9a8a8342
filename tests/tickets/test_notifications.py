"""Emails to the requester and the assignee go through the outbox, threaded and numbered."""

from __future__ import annotations

from app import mail
from tickets import services
from tickets.models import Ticket


def test_requester_is_told_on_creation_reply_and_resolution(db, make_user, make_contact, outbox):
    op = make_user("operator", name="Oscar")
    contact = make_contact(name="Maria Rossi", email="maria@comune.example.it")
    t = services.open_ticket(subject="PEC bloccata", description="Non arrivano PEC", requester_contact_id=contact.id)
    services.add_message(ticket_id=t.id, body="nota riservata", internal=True, actor=op)
    services.add_message(ticket_id=t.id, body="Abbiamo svuotato la casella.", actor=op)
    services.change_status(ticket_id=t.id, status="resolved", actor=op)
    emails = outbox(to_addr="maria@comune.example.it")
    assert len(emails) == 3
    opened, reply, resolved = emails
    assert opened.subject == f"[{t.number}] Richiesta ricevuta: PEC bloccata"
    assert t.number in opened.body_text
    assert "Abbiamo svuotato la casella." in reply.body_text
    assert all("nota riservata" not in e.body_text for e in emails)
    assert "/valutazione/" in resolved.body_text
    # threading: each carries a signed Message-ID of the ticket and points at the previous ones
    assert all(mail.ticket_from_message_id(e.message_id) == t.id for e in emails)
    assert reply.in_reply_to == opened.message_id
    assert opened.message_id in resolved.references and reply.message_id in resolved.references


def test_assignee_gets_an_email_but_not_for_self_assignment(db, make_user, outbox):
    op = make_user("operator")
    other = make_user("operator", email="collega@presidio.example.it")
    t = services.open_ticket(subject="Da assegnare")
    services.assign(ticket_id=t.id, assignee_id=op.id, actor=op)
    assert outbox(to_addr=op.email) == []
    services.assign(ticket_id=t.id, assignee_id=other.id, actor=op)
    sent = outbox(to_addr="collega@presidio.example.it")
    assert len(sent) == 1 and t.number in sent[0].subject


def test_reply_context_from_the_contact_center_is_respected(db, make_user, make_contact, outbox):
    op = make_user("operator")
    contact = make_contact(email="protocollo@pec.comune.example.it")

    def router(ticket_id):
        return {"transport": "default", "from_addr": "assistenza@pec.presidio.example.it", "in_reply_to": "<orig@pec>"}

    mail.register_reply_router(router)
    try:
        t = services.open_ticket(subject="Via PEC", description="x", requester_contact_id=contact.id, notify=False)
        services.add_message(ticket_id=t.id, body="Risposta", actor=op)
    finally:
        mail.REPLY_ROUTERS.remove(router)
    (email,) = outbox(ticket_id=t.id)
    assert email.from_addr == "assistenza@pec.presidio.example.it"
    assert email.in_reply_to == "<orig@pec>"


def test_english_requester_gets_english_email(db, make_user, make_org, make_contact, outbox):
    org = make_org()
    contact = make_contact(org, email="john@example.it")
    ref = make_user("referente", organization=org, contact_id=contact.id, email="john.login@example.it")
    from app.auth.services import update_user

    update_user(user=ref, locale="en")
    t = services.open_ticket(subject="Printer", description="x", requester_contact_id=contact.id, actor=ref)
    (email,) = outbox(ticket_id=t.id)
    assert email.subject.startswith(f"[{t.number}] Request received")
    assert "we have received your support request" in email.body_text


def test_mail_is_sent_over_smtp_by_the_job(db, make_user, make_contact, smtp_server, run_jobs):
    contact = make_contact(email="sindaco@comune.example.it")
    services.open_ticket(subject="Urgente", description="x", requester_contact_id=contact.id)
    run_jobs()
    (msg,) = smtp_server.parsed()
    assert msg["To"] == "sindaco@comune.example.it"
    assert msg["Subject"].startswith("[AST-")
    t = db.session.query(Ticket).one()
    assert mail.ticket_from_message_id(msg["Message-ID"]) == t.id


def test_requester_reply_does_not_email_back(db, make_contact, outbox, referente):
    t = services.open_ticket(subject="x", description="y", organization_id=referente.organization_id, actor=referente)
    services.add_message(ticket_id=t.id, body="altro", actor=referente)
    assert len(outbox(ticket_id=t.id)) == 1  # only the creation notice


def test_operator_reply_email_carries_its_attachments(db, make_user, make_contact, smtp_server, run_jobs):
    """The files of an operator's public reply reach the requester with the email (real SMTP server)."""
    contact = make_contact(email="ragioneria@comune.example.it")
    operator = make_user("operator")
    t = services.open_ticket(subject="Certificato", description="x", requester_contact_id=contact.id, notify=False)
    pdf = b"%PDF-1.4 certificato di firma\n%%EOF\n"
    services.reply(
        ticket_id=t.id,
        body="Ecco il certificato richiesto.",
        files=[("certificato.pdf", pdf, "application/pdf")],
        actor=operator,
    )
    services.reply(ticket_id=t.id, body="Nota solo per noi", internal=True, actor=operator)
    run_jobs()
    (msg,) = smtp_server.parsed()
    assert msg["To"] == "ragioneria@comune.example.it"
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == "certificato.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_payload(decode=True) == pdf

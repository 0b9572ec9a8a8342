"""Ticket emails, written to the outbox in the caller's transaction (``app.mail.queue_email``).

To the requester: on creation (with the number), on every public reply and on resolution (with the
satisfaction survey link). To the assignee: on assignment. Subjects carry ``[AST-2026-000123]``;
Message-IDs are signed with the ticket id and ``In-Reply-To``/``References`` chain the thread, so a
reply lands back on its ticket. The contact center's reply routers (``app.mail.reply_context``) may
override the transport (a PEC mailbox), the sender and the threading headers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app import mail
from app.auth.models import Role, User
from app.extensions import db
from tickets.models import Ticket, TicketMessage


def requester(ticket: Ticket) -> tuple[str | None, str, str]:
    """(email, name, locale) of whom to tell about the ticket."""
    from crm.models import Contact

    if ticket.requester_contact_id:
        contact = db.session.get(Contact, ticket.requester_contact_id)
        if contact is not None and contact.email and contact.active:
            user = db.session.scalar(sa.select(User).where(User.contact_id == contact.id, User.active.is_(True)))
            return contact.email, contact.name, (user.locale if user and user.locale else "it")
    if ticket.created_by_id:
        user = db.session.get(User, ticket.created_by_id)
        if user is not None and user.role == Role.REFERENTE and user.active:
            return user.email, user.display_name, user.locale or "it"
    return None, "", "it"


def _base_url() -> str:
    return current_app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")


def portal_url(ticket: Ticket) -> str:
    return f"{_base_url()}/portale/richieste/{ticket.id}"


def survey_url(ticket: Ticket) -> str:
    from tickets.services import survey_token

    return f"{_base_url()}/valutazione/{survey_token(ticket.id)}"


def _thread(ticket_id: int) -> tuple[str | None, str | None]:
    previous = list(
        db.session.scalars(
            sa.select(mail.OutboundEmail.message_id)
            .where(mail.OutboundEmail.ticket_id == ticket_id, mail.OutboundEmail.category == "ticket")
            .order_by(mail.OutboundEmail.id.desc())
            .limit(10)
        )
    )
    inbound = list(
        db.session.scalars(
            sa.select(TicketMessage.external_ref)
            .where(
                TicketMessage.ticket_id == ticket_id,
                TicketMessage.external_ref.is_not(None),
                TicketMessage.external_ref.like("<%>"),
            )
            .order_by(TicketMessage.id.desc())
            .limit(5)
        )
    )
    chain = list(reversed(previous)) + [r for r in reversed(inbound) if r and r not in previous]
    if not chain:
        return None, None
    return chain[-1], " ".join(chain[-10:])


def _to_requester(
    ticket: Ticket, template: str, subject: Any, *, files: list[dict[str, str]] | None = None, **context: Any
) -> mail.OutboundEmail | None:
    address, name, locale = requester(ticket)
    overrides = mail.reply_context(ticket.id)
    address = address or overrides.get("to")  # e.g. a PEC from an ente's address that is no contact
    if not address:
        return None
    in_reply_to, references = _thread(ticket.id)
    with force_locale(locale):
        body = render_template(
            f"tickets/email/{template}.txt",
            ticket=ticket,
            name=name,
            portal_url=portal_url(ticket),
            center_name=current_app.config.get("CENTER_NAME", ""),
            **context,
        )
        full_subject = f"[{ticket.number}] {subject}: {ticket.subject}"
    return mail.queue_email(
        to=address,
        subject=full_subject,
        body_text=body,
        ticket_id=ticket.id,
        category="ticket",
        auto=True,
        in_reply_to=overrides.get("in_reply_to", in_reply_to),
        references=overrides.get("references", references),
        transport=overrides.get("transport", "default"),
        transport_ref=overrides.get("transport_ref"),
        from_addr=overrides.get("from_addr"),
        related_type="ticket",
        related_id=ticket.id,
        attachments=files,
    )


def ticket_opened(ticket: Ticket) -> mail.OutboundEmail | None:
    return _to_requester(ticket, "opened", _l("Richiesta ricevuta"))


def public_reply(ticket: Ticket, message: TicketMessage, attachments: Iterable[Any] = ()) -> mail.OutboundEmail | None:
    """The operator's public reply to the requester, with the files attached to it."""
    from tickets.services import attachment_key

    files = [{"key": attachment_key(a.sha256), "filename": a.filename, "type": a.content_type} for a in attachments]
    return _to_requester(ticket, "reply", _l("Nuova risposta"), message=message, files=files)


def ticket_resolved(ticket: Ticket) -> mail.OutboundEmail | None:
    return _to_requester(ticket, "resolved", _l("Richiesta risolta"), survey_url=survey_url(ticket))


def ticket_assigned(ticket: Ticket) -> mail.OutboundEmail | None:
    if not ticket.assignee_id:
        return None
    user = db.session.get(User, ticket.assignee_id)
    if user is None or not user.active or not user.email:
        return None
    with force_locale(user.locale or "it"):
        body = render_template(
            "tickets/email/assigned.txt",
            ticket=ticket,
            name=user.display_name,
            ticket_url=f"{_base_url()}/ticket/{ticket.id}",
        )
        subject = f"[{ticket.number}] {_l('Ticket assegnato a te')}: {ticket.subject}"
    return mail.queue_email(
        to=user.email,
        subject=subject,
        body_text=body,
        ticket_id=ticket.id,
        category="ticket-internal",
        auto=True,
        related_type="ticket",
        related_id=ticket.id,
    )

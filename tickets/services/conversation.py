"""Messages on a ticket: replies, internal notes, the requester's answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from tickets import sla
from tickets.models import (
    Channel,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from tickets.services import rules
from tickets.services.attachments import attach_files, check_upload
from tickets.services.common import _actor_label, _enum, _is_staff, _locked
from tickets.services.links import _link, _survivor
from tickets.services.opening import open_ticket
from tickets.services.status import change_status, record_status


def add_message(
    *,
    ticket_id: int,
    body: str,
    internal: bool = False,
    author_contact_id: int | None = None,
    author_label: str = "",
    channel: Channel | str = Channel.PORTAL,
    message_ref: str | None = None,
    actor: Any = None,
    notify: bool = True,
    now: dt.datetime | None = None,
) -> TicketMessage:
    """Add a public reply or an internal note to a ticket.

    From the requester's side (a contact, a referente, or no staff actor): the message follows
    ``merged_into_id`` to the survivor, reopens a pending or resolved ticket and, on a closed ticket,
    opens a follow-up linked to it; the returned message's ``ticket_id`` says where it landed.
    From an operator: a public reply is the first response (new → open) and is emailed to the
    requester; an internal note is never shown to referenti nor emailed.
    """
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("ticket non trovato")
    if not (body or "").strip():
        raise Invalid("messaggio vuoto", {"body": ["obbligatorio"]})
    channel = _enum(Channel, channel, "channel")
    staff = _is_staff(actor)
    if internal and not staff:
        raise Forbidden("solo gli operatori scrivono note interne")
    now = now or utcnow()
    with transaction(actor=actor):
        ticket = _survivor(ticket)
        ticket = _locked(ticket.id)
        if not staff and ticket.status == TicketStatus.CLOSED:
            follow = open_ticket(
                subject=ticket.subject
                if ticket.subject.lower().startswith("seguito")
                else f"Seguito: {ticket.subject}",
                description="",
                organization_id=ticket.organization_id,
                requester_contact_id=author_contact_id or ticket.requester_contact_id,
                service_id=ticket.service_id,
                channel=channel,
                priority=ticket.priority,
                team_id=ticket.team_id,
                assignee_id=ticket.assignee_id,
                follow_up_of_id=ticket.id,
                actor=actor,
                created_at=now,
                notify=notify,
            )
            _link(follow.id, ticket.id)
            ticket = follow
        elif staff and ticket.status == TicketStatus.CLOSED and not internal:
            raise Conflict("il ticket è chiuso", {"status": ["un ticket chiuso non riceve risposte"]})
        message = TicketMessage(
            ticket_id=ticket.id,
            body=body,
            internal=internal,
            author_user_id=getattr(actor, "id", None),
            author_contact_id=author_contact_id,
            author_label=author_label or _actor_label(actor),
            channel=channel,
            external_ref=message_ref,
            created_at=now,
        )
        db.session.add(message)
        ticket.updated_at = now
        db.session.flush()
        if staff and not internal:
            if ticket.first_responded_at is None:
                ticket.first_responded_at = now
            if ticket.status == TicketStatus.NEW:
                record_status(ticket, TicketStatus.OPEN, actor=actor, at=now)
        elif not staff and ticket.status in (TicketStatus.PENDING, TicketStatus.RESOLVED):
            record_status(ticket, TicketStatus.OPEN, actor=actor, at=now)
        db.session.flush()
        sla.apply_sla(ticket, now=now)
        if notify and staff and not internal:
            from tickets import notifications

            notifications.public_reply(ticket, message)
    return message


def reply(
    *,
    ticket_id: int,
    body: str,
    actor: Any,
    internal: bool = False,
    status: str | None = None,
    files: Iterable[tuple[str, bytes, str]] = (),
    channel: Channel | str | None = None,
) -> TicketMessage:
    """A reply from the web or the API: message, attachments and an optional status change together."""
    rules.check_message(actor, ticket_id=ticket_id, internal=internal, status=status)
    staff = _is_staff(actor)
    files = list(files)
    for name, data, ctype in files:
        check_upload(name, data, ctype)
    emailed = staff and not internal  # the requester gets the reply by email, with its files
    with transaction(actor=actor):
        message = add_message(
            ticket_id=ticket_id,
            body=body,
            internal=internal,
            author_contact_id=None if staff else getattr(actor, "contact_id", None),
            channel=channel or (Channel.WEB if staff else Channel.PORTAL),
            actor=actor,
            notify=not emailed,
        )
        stored = attach_files(ticket_id=message.ticket_id, files=files, message_id=message.id, actor=actor)
        if emailed:
            from tickets import notifications

            notifications.public_reply(_locked(message.ticket_id), message, stored)
        if status and staff:
            change_status(ticket_id=message.ticket_id, status=status, actor=actor)
    return message


def messages_for(ticket_id: int, *, include_internal: bool) -> list[TicketMessage]:
    stmt = (
        sa.select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket_id)
        .order_by(TicketMessage.created_at, TicketMessage.id)
    )
    if not include_internal:
        stmt = stmt.where(TicketMessage.internal.is_(False))
    return list(db.session.scalars(stmt))

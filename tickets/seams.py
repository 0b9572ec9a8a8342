"""Read-only answers about tickets for the modules above (the contact center), so they never query the
tickets' tables themselves. Re-exported by ``tickets.services``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from tickets.models import Channel, Ticket, TicketMessage, TicketStatus

OPEN = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


def open_tickets_of(
    *, organization_id: int | None = None, contact_id: int | None = None, limit: int = 10
) -> list[Ticket]:
    """The open tickets of a requester (or, without one, of an ente), most recently updated first;
    merged tickets are left out (their survivor stands for them)."""
    if not organization_id and not contact_id:
        return []
    stmt = sa.select(Ticket).where(Ticket.status.in_(OPEN), Ticket.merged_into_id.is_(None))
    if contact_id:
        stmt = stmt.where(Ticket.requester_contact_id == contact_id)
    else:
        stmt = stmt.where(Ticket.organization_id == organization_id)
    return list(db.session.scalars(stmt.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit)))


def staff_replies_since(
    since: dt.datetime, *, requester_contact_ids: list[int], limit: int = 200
) -> list[tuple[int, Ticket]]:
    """(message id, ticket) of every public operator reply since ``since``, sent by email or the
    portal (not by SMS or phone), on a ticket of one of these requesters; oldest first."""
    if not requester_contact_ids:
        return []
    rows = db.session.execute(
        sa.select(TicketMessage.id, Ticket)
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .where(
            TicketMessage.created_at >= since,
            TicketMessage.internal.is_(False),
            TicketMessage.author_user_id.is_not(None),
            TicketMessage.channel.not_in([Channel.SMS, Channel.PHONE]),
            Ticket.requester_contact_id.in_(requester_contact_ids),
        )
        .order_by(TicketMessage.id)
        .limit(limit)
    ).all()
    return [(message_id, ticket) for message_id, ticket in rows]


def is_business_time(at: dt.datetime) -> bool:
    """Whether the center is open at ``at`` by the SLA calendar (the voice menu routes calls on it)."""
    from tickets.sla import is_business_time as open_at

    return open_at(at)


def portal_url(ticket: Any) -> str:
    from tickets.notifications import portal_url as url

    return url(ticket)

"""Which tickets a user may see: a referente only its ente's (or only its own); anything else is NotFound."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.auth.models import Role
from app.errors import NotFound
from app.extensions import db
from tickets.models import (
    Ticket,
    TicketAttachment,
    TicketCc,
    TicketMessage,
)
from tickets.services.common import _is_staff


def get_ticket(ticket_id: int) -> Ticket | None:
    return db.session.get(Ticket, ticket_id)


def find_ticket_by_number(number: str) -> Ticket | None:
    return db.session.scalar(sa.select(Ticket).where(Ticket.number == number.strip().upper()))


def visible_stmt(user: Any, stmt: sa.Select | None = None) -> sa.Select:
    """Tickets ``user`` may see: staff everything; a referente its organization's (or only its own
    and those it is copied on, when its contact is flagged "only my own requests")."""
    stmt = stmt if stmt is not None else sa.select(Ticket)
    if user is None or getattr(user, "role", None) != Role.REFERENTE:
        return stmt
    stmt = stmt.where(Ticket.organization_id == (user.organization_id or -1))
    if _only_own(user):
        cc = sa.select(TicketCc.ticket_id).where(TicketCc.contact_id == (user.contact_id or -1))
        stmt = stmt.where(
            sa.or_(
                Ticket.created_by_id == user.id,
                Ticket.requester_contact_id == (user.contact_id or -1),
                Ticket.id.in_(cc),
            )
        )
    return stmt


def _only_own(user: Any) -> bool:
    if not getattr(user, "contact_id", None):
        return False
    from crm.models import Contact

    contact = db.session.get(Contact, user.contact_id)
    return bool(contact and contact.only_own_requests)


def ticket_for(user: Any, ticket_id: int) -> Ticket:
    """The ticket if ``user`` may see it, else NotFound (never a hint that it exists)."""
    try:
        ticket_id = int(ticket_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("ticket non trovato") from exc
    ticket = db.session.scalar(visible_stmt(user).where(Ticket.id == ticket_id))
    if ticket is None:
        raise NotFound("ticket non trovato")
    return ticket


def attachment_for(user: Any, attachment_id: int) -> TicketAttachment:
    att = db.session.get(TicketAttachment, attachment_id)
    if att is None:
        raise NotFound("allegato non trovato")
    ticket_for(user, att.ticket_id)
    if att.message_id and not _is_staff(user):
        msg = db.session.get(TicketMessage, att.message_id)
        if msg is not None and msg.internal:
            raise NotFound("allegato non trovato")
    return att


def visible_ticket_ids(user: Any, ticket_ids: Iterable[int]) -> set[int]:
    """Those of ``ticket_ids`` that exist and ``user`` may see."""
    wanted = {int(i) for i in ticket_ids}
    if not wanted:
        return set()
    return set(db.session.scalars(visible_stmt(user, sa.select(Ticket.id)).where(Ticket.id.in_(wanted))))

"""What the tickets hold about a person, for data-subject rights and retention (the gdpr module).

Readers return rows; ``erase_contact_text`` rewrites free text with a function the caller gives
(it knows what is personal); the retention helpers list and drop attachments of closed tickets.
Writes are plain UPDATE/DELETE statements: the audit log must not copy the personal data it erases
(the caller records one audit entry for the whole operation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from app.extensions import db
from tickets.models import Ticket, TicketAttachment, TicketCc, TicketMessage, TicketStatus


def tickets_requested_by(contact_id: int) -> list[Ticket]:
    return list(
        db.session.scalars(sa.select(Ticket).where(Ticket.requester_contact_id == contact_id).order_by(Ticket.id))
    )


def tickets_cc(contact_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(TicketCc.ticket_id).where(TicketCc.contact_id == contact_id)))


def messages_for(
    *, ticket_ids: Iterable[int], contact_id: int | None = None, user_id: int | None = None
) -> list[TicketMessage]:
    """Messages of those tickets, plus those the contact (or user) wrote anywhere."""
    ids = list(ticket_ids)
    cond: list[sa.ColumnElement[bool]] = [TicketMessage.ticket_id.in_(ids)] if ids else []
    if contact_id is not None:
        cond.append(TicketMessage.author_contact_id == contact_id)
    if user_id is not None:
        cond.append(TicketMessage.author_user_id == user_id)
    if not cond:
        return []
    return list(db.session.scalars(sa.select(TicketMessage).where(sa.or_(*cond)).order_by(TicketMessage.id)))


def attachments_of(ticket_ids: Iterable[int]) -> list[TicketAttachment]:
    ids = list(ticket_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(TicketAttachment).where(TicketAttachment.ticket_id.in_(ids)).order_by(TicketAttachment.id)
        )
    )


def tickets_of_user(user_id: int) -> list[Ticket]:
    return list(
        db.session.scalars(
            sa.select(Ticket)
            .where(sa.or_(Ticket.created_by_id == user_id, Ticket.assignee_id == user_id))
            .order_by(Ticket.id)
        )
    )


def erase_contact_text(contact_id: int, scrub: Callable[[str, bool], str], placeholder: str) -> int:
    """Rewrite the contact's tickets and messages with ``scrub(text, own)`` (``own``: the contact wrote
    it, so signatures and quoted headers go too). Returns the rows changed."""
    changed = 0
    for ticket in tickets_requested_by(contact_id):
        subject, description = scrub(ticket.subject, False), scrub(ticket.description, True)
        rating_comment = scrub(ticket.rating_comment, True) if ticket.rating_comment else ticket.rating_comment
        if (subject, description, rating_comment) != (ticket.subject, ticket.description, ticket.rating_comment):
            db.session.execute(
                sa.update(Ticket)
                .where(Ticket.id == ticket.id)
                .values(subject=subject[:300], description=description, rating_comment=rating_comment)
            )
            changed += 1
    ticket_ids = [t.id for t in tickets_requested_by(contact_id)]
    for message in messages_for(ticket_ids=ticket_ids, contact_id=contact_id):
        own = message.author_contact_id == contact_id
        body = scrub(message.body, own)
        label = placeholder if own else scrub(message.author_label, False)
        if (body, label) != (message.body, message.author_label):
            db.session.execute(
                sa.update(TicketMessage)
                .where(TicketMessage.id == message.id)
                .values(body=body, author_label=label[:200])
            )
            changed += 1
    return changed


# --- retention ------------------------------------------------------------------------------------


def attachments_of_closed_tickets(closed_before: dt.datetime, limit: int = 1000) -> list[TicketAttachment]:
    return list(
        db.session.scalars(
            sa.select(TicketAttachment)
            .join(Ticket, Ticket.id == TicketAttachment.ticket_id)
            .where(Ticket.status == TicketStatus.CLOSED, Ticket.closed_at < closed_before)
            .order_by(TicketAttachment.id)
            .limit(limit)
        )
    )


def delete_attachments(ids: Iterable[int]) -> int:
    ids = list(ids)
    if not ids:
        return 0
    result = db.session.execute(sa.delete(TicketAttachment).where(TicketAttachment.id.in_(ids)))
    return getattr(result, "rowcount", 0) or 0


def shas_in_use(shas: Iterable[str]) -> set[str]:
    shas = list(shas)
    if not shas:
        return set()
    return set(db.session.scalars(sa.select(TicketAttachment.sha256).where(TicketAttachment.sha256.in_(shas))))

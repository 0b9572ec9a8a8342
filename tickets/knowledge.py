"""What the knowledge base and the assistant read from the ticket history (read-only seam).

``kb`` never queries the ticket tables itself: it asks here for the resolved tickets to learn from,
the public replies of a ticket and how many requests were opened through the self-service channels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator

import sqlalchemy as sa

from app.auth.models import Role, User
from app.extensions import db
from tickets.models import Channel, Ticket, TicketMessage, TicketStatus


@dataclasses.dataclass(frozen=True)
class HistoryRow:
    id: int
    number: str
    subject: str
    description: str
    service_id: int | None
    priority: str


def resolved_history(*, limit: int = 200_000, batch: int = 5_000) -> Iterator[HistoryRow]:
    """Resolved and closed tickets (not merged duplicates), newest first."""
    stmt = (
        sa.select(Ticket.id, Ticket.number, Ticket.subject, Ticket.description, Ticket.service_id, Ticket.priority)
        .where(Ticket.status.in_((TicketStatus.RESOLVED, TicketStatus.CLOSED)), Ticket.merged_into_id.is_(None))
        .order_by(Ticket.id.desc())
        .limit(limit)
        .execution_options(yield_per=batch)
    )
    for row in db.session.execute(stmt):
        yield HistoryRow(row.id, row.number, row.subject, row.description or "", row.service_id, row.priority.value)


def tickets_brief(ticket_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """number and subject of each ticket id."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Ticket.id, Ticket.number, Ticket.subject).where(Ticket.id.in_(ids)))
    return {r.id: (r.number, r.subject) for r in rows}


def staff_public_replies(ticket_id: int) -> list[str]:
    """The bodies of the public replies written by staff, oldest first."""
    stmt = (
        sa.select(TicketMessage.body)
        .join(User, User.id == TicketMessage.author_user_id)
        .where(
            TicketMessage.ticket_id == ticket_id,
            TicketMessage.internal.is_(False),
            User.role != Role.REFERENTE,
        )
        .order_by(TicketMessage.created_at, TicketMessage.id)
    )
    return list(db.session.scalars(stmt))


SELF_SERVICE_CHANNELS = (Channel.PORTAL, Channel.WEB)


def opened_through_self_service(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> int:
    """Requests opened from the portal and the public form in the window."""
    stmt = sa.select(sa.func.count(Ticket.id)).where(Ticket.channel.in_(SELF_SERVICE_CHANNELS))
    if since is not None:
        stmt = stmt.where(Ticket.created_at >= since)
    if until is not None:
        stmt = stmt.where(Ticket.created_at < until)
    return int(db.session.scalar(stmt) or 0)

"""Ticket business rules. Other modules call these functions, never the tables.

Stable signatures (other packages depend on them): ``open_ticket``, ``add_message``, ``get_ticket``,
``find_ticket_by_number``, ``billable_minutes``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.errors import Invalid, NotFound
from app.extensions import db
from tickets.models import Channel, Priority, Ticket, TicketCounter, TicketMessage, TicketStatus, TimeEntry

NUMBER_PREFIX = "AST"


def next_number(year: int) -> str:
    """Allocate the next human number of ``year`` (row-locked counter: no duplicates, no gaps)."""
    session = db.session()
    counter = session.execute(
        sa.select(TicketCounter).where(TicketCounter.year == year).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            session.execute(pg_insert(TicketCounter).values(year=year, last=0).on_conflict_do_nothing())
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            session.execute(sqlite_insert(TicketCounter).values(year=year, last=0).on_conflict_do_nothing())
        counter = session.execute(
            sa.select(TicketCounter).where(TicketCounter.year == year).with_for_update()
        ).scalar_one()
    counter.last += 1
    session.flush()
    return f"{NUMBER_PREFIX}-{year}-{counter.last:06d}"


def open_ticket(
    *,
    subject: str,
    description: str = "",
    organization_id: int | None = None,
    requester_contact_id: int | None = None,
    service_id: int | None = None,
    channel: Channel | str = Channel.PORTAL,
    priority: Priority | str = Priority.NORMAL,
    assignee_id: int | None = None,
    follow_up_of_id: int | None = None,
    author_label: str = "",
    actor: Any = None,
    created_at: dt.datetime | None = None,
) -> Ticket:
    """Open a ticket with its first message (the description)."""
    subject = (subject or "").strip()
    if not subject:
        raise Invalid("oggetto obbligatorio", {"subject": ["obbligatorio"]})
    try:
        channel = Channel(channel)
        priority = Priority(priority)
    except ValueError as exc:
        raise Invalid(str(exc), {"channel": [str(exc)]}) from exc
    now = created_at or utcnow()
    with transaction(actor=actor):
        ticket = Ticket(
            number=next_number(now.year),
            subject=subject[:300],
            description=description or "",
            organization_id=organization_id,
            requester_contact_id=requester_contact_id,
            service_id=service_id,
            channel=channel,
            priority=priority,
            assignee_id=assignee_id,
            follow_up_of_id=follow_up_of_id,
            created_by_id=getattr(actor, "id", None),
            status=TicketStatus.NEW,
            created_at=now,
            updated_at=now,
        )
        db.session.add(ticket)
        db.session.flush()
        if description:
            db.session.add(
                TicketMessage(
                    ticket_id=ticket.id,
                    body=description,
                    internal=False,
                    author_user_id=getattr(actor, "id", None),
                    author_contact_id=requester_contact_id,
                    author_label=author_label,
                    channel=channel,
                    created_at=now,
                )
            )
            db.session.flush()
    return ticket


def add_message(
    *,
    ticket_id: int,
    body: str,
    internal: bool = False,
    author_contact_id: int | None = None,
    author_label: str = "",
    channel: Channel | str = Channel.PORTAL,
    actor: Any = None,
) -> TicketMessage:
    """Add a public reply or an internal note to a ticket."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("ticket non trovato")
    if not (body or "").strip():
        raise Invalid("messaggio vuoto", {"body": ["obbligatorio"]})
    with transaction(actor=actor):
        message = TicketMessage(
            ticket_id=ticket.id,
            body=body,
            internal=internal,
            author_user_id=getattr(actor, "id", None),
            author_contact_id=author_contact_id,
            author_label=author_label,
            channel=Channel(channel),
        )
        db.session.add(message)
        ticket.updated_at = utcnow()
        db.session.flush()
    return message


def get_ticket(ticket_id: int) -> Ticket | None:
    return db.session.get(Ticket, ticket_id)


def find_ticket_by_number(number: str) -> Ticket | None:
    return db.session.scalar(sa.select(Ticket).where(Ticket.number == number.strip().upper()))


def billable_minutes(*, organization_id: int, start: dt.date, end: dt.date) -> int:
    """Billable minutes logged on an organization's tickets with start <= work_date <= end."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(TimeEntry.minutes), 0)).where(
            TimeEntry.organization_id == organization_id,
            TimeEntry.billable.is_(True),
            TimeEntry.work_date >= start,
            TimeEntry.work_date <= end,
        )
    )
    return int(total or 0)

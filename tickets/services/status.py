"""The lifecycle: new → open → pending ⇄ open → resolved → closed, and its history (the SLA clock's source)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.db import transaction, utcnow
from app.errors import Conflict
from app.extensions import db
from tickets import sla
from tickets.models import (
    Ticket,
    TicketStatus,
    TicketStatusChange,
)
from tickets.services import rules
from tickets.services.common import _enum, _is_staff, _locked

# Which status may follow which. Closed is final.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset({TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.PENDING: frozenset({TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}


DEFAULT_AUTOCLOSE_DAYS = 7


def record_status(
    ticket: Ticket,
    status: TicketStatus,
    *,
    actor: Any = None,
    at: dt.datetime | None = None,
    initial: bool = False,
) -> None:
    """Move ``ticket`` to ``status`` and append the change to its history (the SLA clock's source)."""
    at = at or utcnow()
    previous = None if initial else ticket.status
    if previous == status:
        return
    ticket.status = status
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = at
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = at
        ticket.resolved_at = ticket.resolved_at or at
    elif previous in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        ticket.resolved_at = None
    db.session.add(
        TicketStatusChange(
            ticket_id=ticket.id, from_status=previous, to_status=status, at=at, actor_id=getattr(actor, "id", None)
        )
    )


def allowed_transitions(ticket: Ticket) -> list[TicketStatus]:
    if ticket.merged_into_id:
        return []
    return [s for s in TicketStatus if s in TRANSITIONS[ticket.status]]


def change_status(
    *,
    ticket_id: int,
    status: TicketStatus | str,
    actor: Any = None,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Ticket:
    """A transition by hand (operator, or a referente confirming/reopening): checked against the lifecycle
    and against what the actor may do (``rules.check_status_change``)."""
    status = TicketStatus(_enum(TicketStatus, status, "status"))
    now = now or utcnow()
    with transaction(actor=actor):
        ticket = _locked(ticket_id)
        rules.check_status_change(actor, ticket, status)
        if ticket.status == status:
            return ticket
        if status not in TRANSITIONS[ticket.status] or ticket.merged_into_id:
            raise Conflict(
                f"transizione non ammessa: {ticket.status.value} → {status.value}",
                {"status": [f"da {ticket.status.value} non si può passare a {status.value}"]},
            )
        previous = ticket.status
        record_status(ticket, status, actor=actor, at=now)
        ticket.updated_at = now
        db.session.flush()
        sla.apply_sla(ticket, now=now)
        if notify and status == TicketStatus.RESOLVED:
            from tickets import notifications

            notifications.ticket_resolved(ticket)
        if notify and status == TicketStatus.OPEN and previous == TicketStatus.RESOLVED and _is_staff(actor):
            pass  # an operator reopening needs no mail; the requester's reply is the common case
    return ticket


def autoclose_resolved(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Close resolved tickets older than the configured number of days. Returns how many closed."""
    now = now or utcnow()
    if days is None:
        days = int(current_app.config.get("TICKETS_AUTOCLOSE_DAYS", DEFAULT_AUTOCLOSE_DAYS))
    limit = now - dt.timedelta(days=days)
    ids = list(
        db.session.scalars(
            sa.select(Ticket.id)
            .where(Ticket.status == TicketStatus.RESOLVED, Ticket.resolved_at <= limit)
            .order_by(Ticket.id)
            .limit(5000)
        )
    )
    closed = 0
    for ticket_id in ids:
        with transaction():
            ticket = _locked(ticket_id)
            if ticket.status != TicketStatus.RESOLVED:
                continue
            record_status(ticket, TicketStatus.CLOSED, at=now)
            ticket.updated_at = now
            sla.apply_sla(ticket, now=now)
            closed += 1
    return closed


def status_history(ticket_id: int) -> list[TicketStatusChange]:
    return list(
        db.session.scalars(
            sa.select(TicketStatusChange)
            .where(TicketStatusChange.ticket_id == ticket_id)
            .order_by(TicketStatusChange.at, TicketStatusChange.id)
        )
    )

"""The fact table: per ticket, its first response and resolution times in business minutes of its
SLA calendar (the clock ``tickets.sla`` runs: pauses while pending excluded), whether its SLA was met,
whether it was reopened, its rating. Computed once per change of the ticket by ``refresh_facts``
(a periodic job), so a report over a year of tickets is a few indexed aggregates, not a clock each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.extensions import db
from reports.models import TicketFact
from tickets.models import Ticket, TicketMessage, TicketStatus, TicketStatusChange
from tickets.sla.engine import pauses_from_history, sla_config
from tickets.sla.models import TicketSla

DONE = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)
BATCH = 500
LOOKBACK = dt.timedelta(minutes=10)  # transactions that committed late with an older updated_at


def _first_staff_answers(ticket_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """The first public message of staff on each ticket (when ``first_responded_at`` is not set)."""
    from app.auth.models import Role, User

    if not ticket_ids:
        return {}
    rows = db.session.execute(
        sa.select(TicketMessage.ticket_id, sa.func.min(TicketMessage.created_at))
        .join(User, User.id == TicketMessage.author_user_id)
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .where(
            TicketMessage.ticket_id.in_(ticket_ids),
            TicketMessage.internal.is_(False),
            TicketMessage.author_contact_id.is_(None),
            TicketMessage.created_at > Ticket.created_at,
            User.role.in_([Role.ADMIN, Role.OPERATOR]),
        )
        .group_by(TicketMessage.ticket_id)
    )
    return {tid: at for tid, at in rows}


def compute_facts(ticket_ids: Sequence[int]) -> int:
    """(Re)compute the fact rows of these tickets in the current transaction; returns how many."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return 0
    tickets = list(db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids))))
    histories: dict[int, list[TicketStatusChange]] = {}
    for change in db.session.scalars(
        sa.select(TicketStatusChange)
        .where(TicketStatusChange.ticket_id.in_(ids))
        .order_by(TicketStatusChange.at, TicketStatusChange.id)
    ):
        histories.setdefault(change.ticket_id, []).append(change)
    clocks = {
        row.ticket_id: row for row in db.session.scalars(sa.select(TicketSla).where(TicketSla.ticket_id.in_(ids)))
    }
    unanswered = [t.id for t in tickets if t.first_responded_at is None]
    answers = _first_staff_answers(unanswered)
    config = sla_config()
    existing = {f.ticket_id: f for f in db.session.scalars(sa.select(TicketFact).where(TicketFact.ticket_id.in_(ids)))}
    now = utcnow()
    for ticket in tickets:
        history = histories.get(ticket.id, [])
        clock = clocks.get(ticket.id)
        cal = config.calendars.get(clock.calendar_id, config.default) if clock and clock.calendar_id else config.default
        done = ticket.status in DONE
        resolved_at = (ticket.resolved_at or ticket.closed_at) if done else None
        pauses = [(a, b) for a, b in pauses_from_history(history) if b is not None]
        responded = ticket.first_responded_at or answers.get(ticket.id) or resolved_at
        first = None
        if responded is not None:
            first = cal.business_minutes(ticket.created_at, responded, [(a, b) for a, b in pauses if b <= responded])
        resolution = None
        if resolved_at is not None:
            resolution = cal.business_minutes(
                ticket.created_at, resolved_at, [(a, b) for a, b in pauses if b <= resolved_at]
            )
        met: bool | None = None
        if clock is not None:
            if "breached" in (clock.first_response_state, clock.resolution_state):
                met = False
            elif clock.resolution_state == "met":
                met = True
        reopened = any(c.from_status is not None and c.from_status in DONE and c.to_status not in DONE for c in history)
        fact = existing.get(ticket.id)
        if fact is None:
            fact = TicketFact(ticket_id=ticket.id)
            db.session.add(fact)
        fact.organization_id = ticket.organization_id
        fact.service_id = ticket.service_id
        fact.team_id = ticket.team_id
        fact.assignee_id = ticket.assignee_id
        fact.channel = str(ticket.channel)
        fact.priority = str(ticket.priority)
        fact.created_at = ticket.created_at
        fact.resolved_at = resolved_at
        fact.first_response_minutes = first
        fact.resolution_minutes = resolution
        fact.sla_met = met
        fact.reopened = reopened
        fact.rating = ticket.rating
        fact.rated_at = ticket.rated_at if ticket.rating is not None else None
        fact.merged = ticket.merged_into_id is not None
        fact.source_updated_at = ticket.updated_at
        fact.computed_at = now
    return len(tickets)


def stale_ticket_ids(limit: int = BATCH, *, full: bool = False) -> list[int]:
    """Tickets whose fact row is missing or older than the ticket. Incremental: the tickets changed
    since the newest fact (the ``updated_at`` index), then any never computed (a bulk load). ``full``:
    every ticket whose row differs, whatever its ``updated_at`` (a sweep, and what tests use)."""
    stale = sa.or_(TicketFact.ticket_id.is_(None), TicketFact.source_updated_at != Ticket.updated_at)
    stmt = sa.select(Ticket.id).outerjoin(TicketFact, TicketFact.ticket_id == Ticket.id).where(stale)
    if full:
        return list(db.session.scalars(stmt.order_by(Ticket.id).limit(limit)))
    newest = db.session.scalar(sa.select(sa.func.max(TicketFact.source_updated_at)))
    ids: list[int] = []
    if newest is not None:
        recent = stmt.where(Ticket.updated_at >= newest - LOOKBACK).order_by(Ticket.updated_at).limit(limit)
        ids = list(db.session.scalars(recent))
    if len(ids) < limit:
        missing = sa.select(Ticket.id).where(~sa.exists().where(TicketFact.ticket_id == Ticket.id))
        if ids:
            missing = missing.where(Ticket.id.not_in(ids))
        ids += list(db.session.scalars(missing.order_by(Ticket.id).limit(limit - len(ids))))
    return ids


def refresh_facts(*, full: bool = False, max_batches: int | None = None) -> int:
    """Bring the fact table up to date, one transaction per batch; returns the tickets computed."""
    total = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        with transaction():
            ids = stale_ticket_ids(full=full)
            done = compute_facts(ids)
        total += done
        batches += 1
        if done < BATCH:
            break
    return total


def facts_status() -> dict[str, Any]:
    """How fresh the facts are (for the pages: "figures as of …")."""
    return {"computed_at": db.session.scalar(sa.select(sa.func.max(TicketFact.computed_at)))}

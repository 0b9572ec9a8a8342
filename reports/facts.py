"""The fact table: per ticket, its first response and resolution times in business minutes of its
SLA calendar (the clock ``tickets.sla`` runs: pauses while pending excluded), whether its SLA was met,
whether it was reopened, its rating. Computed once per change of the ticket by ``refresh_facts``
(a periodic job), so a report over a year of tickets is a few indexed aggregates, not a clock each.
Every rewrite marks the days it touches (old and new) for the daily rollups (``reports.rollups``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.extensions import db
from reports.models import TicketFact
from reports.rollups import mark_dirty
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


_TICKET_COLUMNS = (
    Ticket.id,
    Ticket.organization_id,
    Ticket.service_id,
    Ticket.team_id,
    Ticket.assignee_id,
    Ticket.channel,
    Ticket.priority,
    Ticket.status,
    Ticket.sla_state,
    Ticket.created_at,
    Ticket.updated_at,
    Ticket.first_responded_at,
    Ticket.resolved_at,
    Ticket.closed_at,
    Ticket.rating,
    Ticket.rated_at,
    Ticket.merged_into_id,
)


def compute_facts(ticket_ids: Sequence[int]) -> int:
    """(Re)compute the fact rows of these tickets in the current transaction; returns how many.

    Plain rows (no ORM objects) and one upsert: a batch of 500 costs a few queries."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return 0
    tickets = list(db.session.execute(sa.select(*_TICKET_COLUMNS).where(Ticket.id.in_(ids))))
    histories: dict[int, list[Any]] = {}
    for change in db.session.execute(
        sa.select(
            TicketStatusChange.id,
            TicketStatusChange.ticket_id,
            TicketStatusChange.from_status,
            TicketStatusChange.to_status,
            TicketStatusChange.at,
        )
        .where(TicketStatusChange.ticket_id.in_(ids))
        .order_by(TicketStatusChange.at, TicketStatusChange.id)
    ):
        histories.setdefault(change.ticket_id, []).append(change)
    clocks = {
        row.ticket_id: row
        for row in db.session.execute(
            sa.select(
                TicketSla.ticket_id, TicketSla.calendar_id, TicketSla.first_response_state, TicketSla.resolution_state
            ).where(TicketSla.ticket_id.in_(ids))
        )
    }
    answers = _first_staff_answers([t.id for t in tickets if t.first_responded_at is None])
    config = sla_config()
    now = utcnow()
    rows = []
    for ticket in tickets:
        history = histories.get(ticket.id, [])
        clock = clocks.get(ticket.id)
        cal = config.calendars.get(clock.calendar_id, config.default) if clock and clock.calendar_id else config.default
        done = str(ticket.status) in DONE
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
        elif str(ticket.sla_state) in ("met", "breached"):  # loaded without a clock row (bulk import)
            met = str(ticket.sla_state) == "met"
        reopened = any(
            c.from_status is not None and str(c.from_status) in DONE and str(c.to_status) not in DONE for c in history
        )
        rows.append(
            {
                "ticket_id": ticket.id,
                "organization_id": ticket.organization_id,
                "service_id": ticket.service_id,
                "team_id": ticket.team_id,
                "assignee_id": ticket.assignee_id,
                "channel": str(ticket.channel),
                "priority": str(ticket.priority),
                "created_at": ticket.created_at,
                "resolved_at": resolved_at,
                "first_response_minutes": first,
                "resolution_minutes": resolution,
                "sla_met": met,
                "reopened": reopened,
                "rating": ticket.rating,
                "rated_at": ticket.rated_at if ticket.rating is not None else None,
                "merged": ticket.merged_into_id is not None,
                "source_updated_at": ticket.updated_at,
                "computed_at": now,
            }
        )
    old = db.session.execute(
        sa.select(TicketFact.created_at, TicketFact.resolved_at).where(TicketFact.ticket_id.in_(ids))
    ).all()
    mark_dirty([*(t for pair in old for t in pair), *(t for r in rows for t in (r["created_at"], r["resolved_at"]))])
    _upsert(rows)
    return len(rows)


def _upsert(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        stmt = insert(TicketFact)
        update = {name: stmt.excluded[name] for name in rows[0] if name != "ticket_id"}
        db.session.execute(stmt.on_conflict_do_update(index_elements=["ticket_id"], set_=update), rows)
    else:
        db.session.execute(sa.delete(TicketFact).where(TicketFact.ticket_id.in_([r["ticket_id"] for r in rows])))
        db.session.execute(sa.insert(TicketFact), rows)


def stale_ticket_ids(limit: int = BATCH, *, full: bool = False, after: int = 0) -> tuple[list[int], int]:
    """Tickets whose fact row is missing or older than the ticket, and the id cursor for the next call.

    Incremental (the minute job): the tickets changed since the newest fact, by the ``updated_at``
    index (new tickets included). ``full`` (the sweep every few hours, the first run, tests): every
    ticket whose row is missing or differs, by id from ``after``, whatever its ``updated_at`` (a bulk
    load with old dates)."""
    stale = sa.or_(TicketFact.ticket_id.is_(None), TicketFact.source_updated_at != Ticket.updated_at)
    stmt = sa.select(Ticket.id).outerjoin(TicketFact, TicketFact.ticket_id == Ticket.id).where(stale)
    newest = None if full else db.session.scalar(sa.select(sa.func.max(TicketFact.source_updated_at)))
    if newest is None:
        ids = list(db.session.scalars(stmt.where(Ticket.id > after).order_by(Ticket.id).limit(limit)))
        return ids, max([after, *ids])
    recent = stmt.where(Ticket.updated_at >= newest - LOOKBACK).order_by(Ticket.updated_at).limit(limit)
    return list(db.session.scalars(recent)), after


def refresh_facts(*, full: bool = False, max_batches: int | None = None) -> int:
    """Bring the fact table up to date, one transaction per batch; returns the tickets computed."""
    total = 0
    batches = 0
    after = 0
    if not full and db.session.scalar(sa.select(TicketFact.ticket_id).limit(1)) is None:
        full = True  # the first run: every ticket, by id
    while max_batches is None or batches < max_batches:
        with transaction():
            ids, after = stale_ticket_ids(full=full, after=after)
            done = compute_facts(ids)
        total += done
        batches += 1
        if done < BATCH:
            break
    return total


def facts_status() -> dict[str, Any]:
    """How fresh the facts are (for the pages: "figures as of …", the newest ticket change they hold;
    read from an index)."""
    return {"computed_at": db.session.scalar(sa.select(sa.func.max(TicketFact.source_updated_at)))}

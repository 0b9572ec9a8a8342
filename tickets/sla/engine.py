"""The SLA clock of a ticket: which policy applies, its due times, its state.

Due times are recomputed from scratch (creation time, policy, status history) on every call, so they
stay right when the priority, the convenzione tier or the policy changes: the paused intervals come
from ``TicketStatusChange`` and are never accumulated in a counter that a later change could corrupt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.db import utcnow
from app.extensions import db
from tickets.models import Priority, SlaState, Ticket, TicketMessage, TicketStatus, TicketStatusChange
from tickets.sla.calendar import Calendar, Pause
from tickets.sla.models import BusinessCalendar, CalendarClosure, CalendarHours, SlaPolicy, TicketSla

# The clock stops while the ticket waits for the requester and once it is solved (a reopened ticket
# resumes with what was left).
PAUSING = (TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED)
DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
AT_RISK_SHARE = 0.8

# Targets (business minutes) when the admins have configured no policy at all.
DEFAULT_TARGETS: dict[Priority, tuple[int, int]] = {
    Priority.URGENT: (30, 4 * 60),
    Priority.HIGH: (2 * 60, 16 * 60),
    Priority.NORMAL: (4 * 60, 40 * 60),
    Priority.LOW: (8 * 60, 80 * 60),
}


@dataclasses.dataclass(frozen=True)
class ResolvedPolicy:
    id: int | None
    name: str
    first_response_minutes: int
    resolution_minutes: int
    calendar_id: int | None
    escalation_email: str | None = None


# --- calendars ----------------------------------------------------------------------------------


def _center_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Rome"))


def load_calendar(calendar_id: int | None = None) -> Calendar:
    """The calendar ``calendar_id`` (or the default one) in memory; built-in hours when none is set."""
    row = None
    if calendar_id is not None:
        row = db.session.get(BusinessCalendar, calendar_id)
    default = row is None
    if row is None:
        row = db.session.scalar(
            sa.select(BusinessCalendar).order_by(BusinessCalendar.is_default.desc(), BusinessCalendar.id).limit(1)
        )
    if row is None:
        return Calendar(tz=_center_tz(), default=True)
    hours: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for h in db.session.scalars(
        sa.select(CalendarHours).where(CalendarHours.calendar_id == row.id).order_by(CalendarHours.start)
    ):
        hours.setdefault(h.weekday, []).append((h.start, h.end))
    closures: dict[dt.date, str] = {}
    yearly: dict[tuple[int, int], str] = {}
    for c in db.session.scalars(sa.select(CalendarClosure).where(CalendarClosure.calendar_id == row.id)):
        if c.yearly:
            yearly[(c.day.month, c.day.day)] = c.name
        else:
            closures[c.day] = c.name
    try:
        tz = ZoneInfo(row.timezone)
    except (KeyError, ValueError):
        tz = _center_tz()
    return Calendar(
        tz=tz,
        hours=hours,
        closures=closures,
        yearly_closures=yearly,
        national_holidays=row.national_holidays,
        subdiv=row.holiday_subdiv,
        id=row.id,
        name=row.name,
        default=default,
    )


def is_business_time(at: dt.datetime, calendar_id: int | None = None) -> bool:
    """Whether the center is open at ``at`` (aware datetime): the voice menu routes calls on this."""
    return load_calendar(calendar_id).is_open(at)


# --- cached configuration -------------------------------------------------------------------------
#
# Policies and calendars change a few times a year and are read on every ticket change: each process
# keeps them in memory, keyed by a fingerprint of their tables (row count and the sum of the rows'
# transaction ids, PostgreSQL's ``xmin``), which changes with any insert, update or delete and costs
# one cheap query (or none: ``open_ticket`` reads it with its other look-ups).

CONFIG_TABLES = ("sla_policies", "sla_calendars", "sla_calendar_hours", "sla_calendar_closures")


@dataclasses.dataclass
class _Config:
    version: str | None
    policies: list[ResolvedPolicy]
    priorities: dict[int, tuple[Priority | None, str | None]]  # policy id -> (priority, tier)
    calendars: dict[int, Calendar]
    default: Calendar


_config: dict[str, _Config] = {}  # database URL -> configuration


def config_version_expr() -> Any:
    """SQL (PostgreSQL) for the fingerprint of the SLA configuration; None elsewhere (no caching)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    parts = " || ':' || ".join(
        f"(SELECT count(*) || '.' || coalesce(sum(xmin::text::bigint), 0) FROM {table})"  # noqa: S608
        for table in CONFIG_TABLES
    )
    return sa.literal_column(f"({parts})", sa.String)


def config_version() -> str | None:
    expr = config_version_expr()
    return None if expr is None else db.session.scalar(sa.select(expr))


def _load_config(version: str | None) -> _Config:
    policies = list(db.session.scalars(sa.select(SlaPolicy).where(SlaPolicy.active.is_(True))))
    resolved = [
        ResolvedPolicy(p.id, p.name, p.first_response_minutes, p.resolution_minutes, p.calendar_id, p.escalation_email)
        for p in policies
    ]
    calendars: dict[int, Calendar] = {}
    rows = list(db.session.scalars(sa.select(BusinessCalendar.id)))
    for cal_id in rows:
        calendars[cal_id] = load_calendar(cal_id)
    default = load_calendar(None)
    return _Config(
        version=version,
        policies=resolved,
        priorities={p.id: (p.priority, p.tier) for p in policies},
        calendars=calendars,
        default=default,
    )


def sla_config(version: str | None = None) -> _Config:
    """The policies and calendars, from memory while their tables have not changed."""
    if version is None:
        version = config_version()
    key = str(db.session.get_bind().url)
    cached = _config.get(key)
    if version is not None and cached is not None and cached.version == version:
        return cached
    config = _load_config(version)
    if config.version is not None:
        _config[key] = config
    return config


def _pick_policy(config: _Config, priority: Priority, tier: str | None) -> ResolvedPolicy:
    candidates = []
    for policy in config.policies:
        p_priority, p_tier = config.priorities[policy.id or 0]
        if p_priority is not None and p_priority != priority:
            continue
        if p_tier is not None and (tier is None or p_tier != tier):
            continue
        candidates.append((policy, p_priority, p_tier))
    if candidates:
        best = max(candidates, key=lambda c: (c[1] is not None, c[2] is not None, -(c[0].id or 0)))
        return best[0]
    first, resolution = DEFAULT_TARGETS[priority]
    return ResolvedPolicy(None, "", first, resolution, None)


# --- policies -----------------------------------------------------------------------------------


def _tier_for(ticket: Ticket) -> str | None:
    if not ticket.organization_id:
        return None
    from crm.services import sla_tier_for

    created = ticket.created_at or utcnow()
    return sla_tier_for(ticket.organization_id, created.astimezone(_center_tz()).date())


def resolve_policy(priority: Priority | str, tier: str | None) -> ResolvedPolicy:
    """The most specific active policy for (priority, tier); built-in targets when there is none."""
    priority = Priority(priority)
    candidates = list(
        db.session.scalars(
            sa.select(SlaPolicy).where(
                SlaPolicy.active.is_(True),
                sa.or_(SlaPolicy.priority == priority, SlaPolicy.priority.is_(None)),
                sa.or_(SlaPolicy.tier == tier, SlaPolicy.tier.is_(None)) if tier else SlaPolicy.tier.is_(None),
            )
        )
    )
    if candidates:
        best = max(candidates, key=lambda p: (p.priority is not None, p.tier is not None, -p.id))
        return ResolvedPolicy(
            best.id,
            best.name,
            best.first_response_minutes,
            best.resolution_minutes,
            best.calendar_id,
            best.escalation_email,
        )
    first, resolution = DEFAULT_TARGETS[priority]
    return ResolvedPolicy(None, "", first, resolution, None)


# --- the clock ----------------------------------------------------------------------------------


def pauses_from_history(changes: Sequence[TicketStatusChange]) -> list[Pause]:
    """UTC intervals during which the ticket was in a pausing status; the last may have no end."""
    out: list[Pause] = []
    since: dt.datetime | None = None
    for change in sorted(changes, key=lambda c: (c.at, c.id or 0)):
        pausing = TicketStatus(change.to_status) in PAUSING
        if pausing and since is None:
            since = change.at
        elif not pausing and since is not None:
            out.append((since, change.at))
            since = None
    if since is not None:
        out.append((since, None))
    return out


def _history(ticket: Ticket) -> list[TicketStatusChange]:
    return list(
        db.session.scalars(
            sa.select(TicketStatusChange)
            .where(TicketStatusChange.ticket_id == ticket.id)
            .order_by(TicketStatusChange.at, TicketStatusChange.id)
        )
    )


def first_response_at(ticket: Ticket) -> dt.datetime | None:
    """When staff first answered publicly: the ticket's own field, else the first public staff message."""
    if ticket.first_responded_at is not None:
        return ticket.first_responded_at
    from app.auth.models import Role, User

    return db.session.scalar(
        sa.select(sa.func.min(TicketMessage.created_at))
        .join(User, User.id == TicketMessage.author_user_id)
        .where(
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.internal.is_(False),
            TicketMessage.author_contact_id.is_(None),
            TicketMessage.created_at > ticket.created_at,
            User.role.in_([Role.ADMIN, Role.OPERATOR]),
        )
    )


@dataclasses.dataclass
class Target:
    """One target (first response or resolution) of a ticket at a moment."""

    due: dt.datetime | None
    risk_at: dt.datetime | None
    done_at: dt.datetime | None  # when it was met (answered, resolved), or None
    state: SlaState


def _target(
    cal: Calendar,
    start: dt.datetime,
    minutes: int,
    closed_pauses: list[Pause],
    open_pause: dt.datetime | None,
    done_at: dt.datetime | None,
    now: dt.datetime,
) -> Target:
    due = cal.add_business_minutes(start, minutes, closed_pauses)
    risk_at = cal.add_business_minutes(start, minutes * AT_RISK_SHARE, closed_pauses)
    if done_at is not None:
        state = SlaState.MET if due is None or done_at <= due else SlaState.BREACHED
        return Target(due, risk_at, done_at, state)
    clock_stopped_at = min(now, open_pause) if open_pause is not None else now
    if due is not None and due <= clock_stopped_at:
        state = SlaState.BREACHED
    elif open_pause is not None:
        state = SlaState.PAUSED
    elif risk_at is not None and risk_at <= now:
        state = SlaState.AT_RISK
    else:
        state = SlaState.OK
    return Target(due, risk_at, None, state)


@dataclasses.dataclass
class Clock:
    policy: ResolvedPolicy
    tier: str | None
    calendar: Calendar
    first_response: Target
    resolution: Target
    pauses: list[Pause]
    state: SlaState
    next_check_at: dt.datetime | None


_UNKNOWN: Any = object()


def compute(
    ticket: Ticket,
    *,
    now: dt.datetime | None = None,
    calendar: Calendar | None = None,
    tier: str | None = _UNKNOWN,
    config_version: str | None = None,
    new: bool = False,
    history: Sequence[TicketStatusChange] | None = None,
) -> Clock:
    """The ticket's SLA clock at ``now``, without writing anything.

    A ``new`` ticket (being opened, or not inserted yet) has no history and no answer: nothing is read
    for them. ``tier`` and ``config_version`` may be passed by a caller that read them already,
    ``history`` (the ticket's status changes) too.
    """
    new = new or ticket.id is None
    now = now or utcnow()
    if tier is _UNKNOWN:
        tier = _tier_for(ticket)
    config = sla_config(config_version)
    policy = _pick_policy(config, Priority(ticket.priority), tier)
    reusable = calendar is not None and (
        (policy.calendar_id is None and calendar.default)
        or (policy.calendar_id is not None and calendar.id == policy.calendar_id)
    )
    if reusable and calendar is not None:
        cal = calendar
    elif policy.calendar_id is not None and policy.calendar_id in config.calendars:
        cal = config.calendars[policy.calendar_id]
    else:
        cal = config.default
    start = ticket.created_at or now
    if history is None:
        history = [] if new else _history(ticket)
    pauses = pauses_from_history(history)
    if not history and TicketStatus(ticket.status) in PAUSING:
        pauses = [(ticket.updated_at or now, None)]
    closed = [p for p in pauses if p[1] is not None]
    open_pause = next((p[0] for p in pauses if p[1] is None), None)

    responded = ticket.first_responded_at if new else first_response_at(ticket)
    resolved = None
    if TicketStatus(ticket.status) in DONE:
        resolved = ticket.resolved_at or open_pause or now
    first = _target(cal, start, policy.first_response_minutes, closed, open_pause, responded, now)
    if responded is None and resolved is not None:
        # Solved without a public answer: the resolution was the answer.
        first = _target(cal, start, policy.first_response_minutes, closed, open_pause, resolved, now)
    resolution = _target(cal, start, policy.resolution_minutes, closed, open_pause, resolved, now)

    states = {first.state, resolution.state}
    if SlaState.BREACHED in states:
        state = SlaState.BREACHED
    elif resolved is not None:
        state = SlaState.MET
    elif open_pause is not None:
        state = SlaState.PAUSED
    elif SlaState.AT_RISK in states:
        state = SlaState.AT_RISK
    else:
        state = SlaState.OK

    upcoming = []
    if open_pause is None:
        for t in (first, resolution):
            if t.done_at is None:
                upcoming += [m for m in (t.risk_at, t.due) if m is not None and m > now]
    return Clock(policy, tier, cal, first, resolution, pauses, state, min(upcoming, default=None))


def apply_sla(ticket: Ticket, *, now: dt.datetime | None = None, calendar: Calendar | None = None) -> Clock | None:
    """Recompute and store the ticket's due times and ``sla_state`` (in the caller's transaction)."""
    if ticket is None:
        return None
    now = now or utcnow()
    if ticket.id is None:
        db.session.flush()
    clock = compute(ticket, now=now, calendar=calendar)
    set_due(ticket, clock)
    store(ticket, clock, now=now)
    return clock


def set_due(ticket: Ticket, clock: Clock) -> None:
    """Copy the clock's due times and state onto the ticket."""
    ticket.first_response_due = clock.first_response.due
    ticket.resolution_due = clock.resolution.due
    if ticket.sla_state != clock.state:
        ticket.sla_state = clock.state


def store(ticket: Ticket, clock: Clock, *, now: dt.datetime, new: bool = False) -> TicketSla:
    """Write the engine's own row of the clock (``new``: the ticket was just inserted, it has none yet)."""
    row = None if new else db.session.get(TicketSla, ticket.id)
    if row is None:
        row = TicketSla(ticket_id=ticket.id)
        db.session.add(row)
    open_pause = next((p[0] for p in clock.pauses if p[1] is None), None)
    paused_seconds = sum(
        clock.calendar.business_seconds(a, b or now) for a, b in clock.pauses if b is not None or a <= now
    )
    row.policy_id = clock.policy.id
    row.policy_name = clock.policy.name
    row.tier = clock.tier
    row.calendar_id = clock.calendar.id
    row.first_response_minutes = clock.policy.first_response_minutes
    row.resolution_minutes = clock.policy.resolution_minutes
    row.first_response_risk_at = clock.first_response.risk_at
    row.resolution_risk_at = clock.resolution.risk_at
    row.first_response_state = clock.first_response.state.value
    row.resolution_state = clock.resolution.state.value
    row.paused_since = open_pause if TicketStatus(ticket.status) == TicketStatus.PENDING else None
    row.paused_business_minutes = paused_seconds // 60
    row.next_check_at = clock.next_check_at
    row.computed_at = now
    return row


def sla_info(
    ticket: Ticket, *, now: dt.datetime | None = None, history: Sequence[TicketStatusChange] | None = None
) -> dict[str, Any]:
    """What the ticket page shows about the SLA (nothing is written)."""
    now = now or utcnow()
    clock = compute(ticket, now=now, history=history)
    cal = clock.calendar

    open_pause = next((p[0] for p in clock.pauses if p[1] is None), None)
    reference = min(now, open_pause) if open_pause is not None else now
    closed = [p for p in clock.pauses if p[1] is not None]

    def remaining(target: Target) -> int | None:
        """Business minutes left (negative: overdue by), counted to the pause when paused."""
        if target.done_at is not None or target.due is None:
            return None
        if target.due <= reference:
            return -cal.business_minutes(target.due, reference)
        return cal.business_minutes(reference, target.due, closed)

    return {
        "clock": clock,
        "state": clock.state,
        "policy_name": clock.policy.name,
        "tier": clock.tier,
        "first_response_remaining": remaining(clock.first_response),
        "resolution_remaining": remaining(clock.resolution),
        "paused_since": open_pause,
        "paused_minutes": sum(cal.business_minutes(a, b or now) for a, b in clock.pauses),
    }

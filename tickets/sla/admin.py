"""Admin services: business calendars (hours, holidays, closing days) and SLA policies.

Changing a calendar or a policy re-applies the SLA to the open tickets it governs, so the queue's due
times follow at once (the clock is recomputed from the history, never patched).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from tickets.models import Priority, Ticket, TicketStatus
from tickets.sla.calendar import format_ranges, parse_ranges
from tickets.sla.models import BusinessCalendar, CalendarClosure, CalendarHours, SlaPolicy

WEEKDAYS = range(7)
OPEN = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


# --- calendars ----------------------------------------------------------------------------------


def list_calendars() -> list[BusinessCalendar]:
    return list(db.session.scalars(sa.select(BusinessCalendar).order_by(BusinessCalendar.name)))


def get_calendar(calendar_id: int) -> BusinessCalendar:
    row = db.session.get(BusinessCalendar, calendar_id)
    if row is None:
        raise NotFound("calendario non trovato")
    return row


def calendar_hours(calendar_id: int) -> dict[int, str]:
    """Ranges per weekday as text (``"08:30-13:30, 14:30-17:30"``) for forms and the API."""
    ranges: dict[int, list[tuple[dt.time, dt.time]]] = {d: [] for d in WEEKDAYS}
    for h in db.session.scalars(
        sa.select(CalendarHours).where(CalendarHours.calendar_id == calendar_id).order_by(CalendarHours.start)
    ):
        ranges[h.weekday].append((h.start, h.end))
    return {d: format_ranges(r) for d, r in ranges.items()}


def list_closures(calendar_id: int) -> list[CalendarClosure]:
    return list(
        db.session.scalars(
            sa.select(CalendarClosure)
            .where(CalendarClosure.calendar_id == calendar_id)
            .order_by(CalendarClosure.yearly.desc(), CalendarClosure.day)
        )
    )


def _parse_hours(hours: dict[Any, str]) -> dict[int, list[tuple[dt.time, dt.time]]]:
    parsed: dict[int, list[tuple[dt.time, dt.time]]] = {}
    errors: dict[str, list[str]] = {}
    for key, text in (hours or {}).items():
        try:
            day = int(key)
        except (TypeError, ValueError):
            errors[f"hours.{key}"] = ["giorno non valido (0 = lunedì … 6 = domenica)"]
            continue
        if day not in WEEKDAYS:
            errors[f"hours.{key}"] = ["giorno non valido (0 = lunedì … 6 = domenica)"]
            continue
        try:
            parsed[day] = parse_ranges(text or "")
        except (ValueError, TypeError):
            errors[f"hours.{day}"] = ["fasce non valide: usa 08:30-13:30, 14:30-17:30"]
    if errors:
        raise Invalid("orari non validi", errors)
    return parsed


def save_calendar(
    *,
    actor: Any,
    calendar_id: int | None = None,
    name: str,
    timezone: str = "Europe/Rome",
    holiday_subdiv: str | None = None,
    national_holidays: bool = True,
    is_default: bool = False,
    hours: dict[Any, str] | None = None,
) -> BusinessCalendar:
    """Create or update a calendar; ``hours`` maps weekday (0 = Monday) to its ranges as text."""
    import holidays

    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["obbligatorio"]
    try:
        ZoneInfo(timezone or "")
    except (KeyError, ValueError):
        errors["timezone"] = ["fuso orario sconosciuto"]
    subdiv = (holiday_subdiv or "").strip() or None
    if subdiv:
        known = {s.upper(): s for s in holidays.IT.subdivisions}
        if subdiv.upper() not in known:
            errors["holiday_subdiv"] = ["provincia o città sconosciuta al calendario delle festività"]
        else:
            subdiv = known[subdiv.upper()]
    if errors:
        raise Invalid("calendario non valido", errors)
    parsed = _parse_hours(hours) if hours is not None else None
    row = get_calendar(calendar_id) if calendar_id is not None else None
    clash = db.session.scalar(
        sa.select(BusinessCalendar.id).where(BusinessCalendar.name == name, BusinessCalendar.id != (calendar_id or 0))
    )
    if clash:
        raise Invalid("nome già usato", {"name": ["esiste già un calendario con questo nome"]})
    others = db.session.scalar(
        sa.select(sa.func.count()).select_from(BusinessCalendar).where(BusinessCalendar.id != (calendar_id or 0))
    )
    with transaction(actor=actor):
        if row is None:
            row = BusinessCalendar(name=name)
            db.session.add(row)
        row.name = name
        row.timezone = timezone
        row.holiday_subdiv = subdiv
        row.national_holidays = bool(national_holidays)
        row.is_default = bool(is_default) or not others or bool(row.is_default and calendar_id is not None)
        db.session.flush()
        if row.is_default:
            db.session.execute(
                sa.update(BusinessCalendar).where(BusinessCalendar.id != row.id).values(is_default=False)
            )
        if parsed is not None:
            db.session.execute(sa.delete(CalendarHours).where(CalendarHours.calendar_id == row.id))
            for day, ranges in parsed.items():
                for start, end in ranges:
                    db.session.add(CalendarHours(calendar_id=row.id, weekday=day, start=start, end=end))
        db.session.flush()
        reapply_open_tickets()
    return row


def delete_calendar(*, actor: Any, calendar_id: int) -> None:
    row = get_calendar(calendar_id)
    if row.is_default:
        raise Conflict("il calendario predefinito non si elimina: scegline prima un altro")
    with transaction(actor=actor):
        db.session.delete(row)
        db.session.flush()
        reapply_open_tickets()


def add_closure(*, actor: Any, calendar_id: int, day: Any, name: str = "", yearly: bool = False) -> CalendarClosure:
    get_calendar(calendar_id)
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            raise Invalid("data non valida", {"day": ["data non valida (AAAA-MM-GG)"]}) from None
    if not isinstance(day, dt.date):
        raise Invalid("data obbligatoria", {"day": ["obbligatoria"]})
    if yearly:
        day = dt.date(2000, day.month, day.day)  # a leap year, so 29 February fits
    exists = db.session.scalar(
        sa.select(CalendarClosure.id).where(
            CalendarClosure.calendar_id == calendar_id,
            CalendarClosure.day == day,
            CalendarClosure.yearly == bool(yearly),
        )
    )
    if exists:
        raise Invalid("giorno già presente", {"day": ["giorno già presente"]})
    with transaction(actor=actor):
        row = CalendarClosure(calendar_id=calendar_id, day=day, yearly=bool(yearly), name=(name or "").strip()[:150])
        db.session.add(row)
        db.session.flush()
        reapply_open_tickets()
    return row


def delete_closure(*, actor: Any, closure_id: int) -> int:
    """Remove a closure day; returns the id of its calendar (the page to go back to)."""
    row = db.session.get(CalendarClosure, closure_id)
    if row is None:
        raise NotFound("giorno non trovato")
    calendar_id = row.calendar_id
    with transaction(actor=actor):
        db.session.delete(row)
        db.session.flush()
        reapply_open_tickets()
    return calendar_id


# --- policies -----------------------------------------------------------------------------------


def list_policies() -> list[SlaPolicy]:
    order = sa.case({p.value: i for i, p in enumerate(Priority)}, value=SlaPolicy.priority, else_=99)
    return list(db.session.scalars(sa.select(SlaPolicy).order_by(order, SlaPolicy.tier.nulls_first(), SlaPolicy.id)))


def get_policy(policy_id: int) -> SlaPolicy:
    row = db.session.get(SlaPolicy, policy_id)
    if row is None:
        raise NotFound("politica non trovata")
    return row


def save_policy(*, actor: Any, policy_id: int | None = None, **data: Any) -> SlaPolicy:
    """Create or update a policy: name, priority (or None = any), tier (or None = any), targets in
    business minutes, calendar (None = the default one), escalation email, active."""
    row = get_policy(policy_id) if policy_id is not None else None
    current: dict[str, Any] = {
        "name": row.name if row else "",
        "priority": row.priority if row else None,
        "tier": row.tier if row else None,
        "first_response_minutes": row.first_response_minutes if row else None,
        "resolution_minutes": row.resolution_minutes if row else None,
        "calendar_id": row.calendar_id if row else None,
        "escalation_email": row.escalation_email if row else None,
        "active": row.active if row else True,
    }
    current.update({k: v for k, v in data.items() if k in current})
    errors: dict[str, list[str]] = {}
    name = (current["name"] or "").strip()
    if not name:
        errors["name"] = ["obbligatorio"]
    priority = current["priority"] or None
    if priority is not None:
        try:
            priority = Priority(priority)
        except ValueError:
            errors["priority"] = ["priorità non valida"]
    tier = (current["tier"] or "").strip().lower() or None
    targets = {}
    for key in ("first_response_minutes", "resolution_minutes"):
        try:
            targets[key] = int(current[key])
            if targets[key] < 1:
                raise ValueError
        except (TypeError, ValueError):
            errors[key] = ["un numero di minuti lavorativi maggiore di zero"]
    if not errors and targets["resolution_minutes"] < targets["first_response_minutes"]:
        errors["resolution_minutes"] = ["la risoluzione non può scadere prima della prima risposta"]
    calendar_id = current["calendar_id"] or None
    if calendar_id is not None and db.session.get(BusinessCalendar, calendar_id) is None:
        errors["calendar_id"] = ["calendario inesistente"]
    email = (current["escalation_email"] or "").strip() or None
    if email and ("@" not in email or " " in email):
        errors["escalation_email"] = ["indirizzo email non valido"]
    if errors:
        raise Invalid("politica non valida", errors)
    with transaction(actor=actor):
        if row is None:
            row = SlaPolicy(name=name, first_response_minutes=1, resolution_minutes=1)
            db.session.add(row)
        row.name = name[:100]
        row.priority = priority
        row.tier = tier
        row.first_response_minutes = targets["first_response_minutes"]
        row.resolution_minutes = targets["resolution_minutes"]
        row.calendar_id = calendar_id
        row.escalation_email = email
        row.active = bool(current["active"])
        db.session.flush()
        reapply_open_tickets()
    return row


def delete_policy(*, actor: Any, policy_id: int) -> None:
    row = get_policy(policy_id)
    with transaction(actor=actor):
        db.session.delete(row)
        db.session.flush()
        reapply_open_tickets()


INLINE_REAPPLY = 500  # more open tickets than this: recompute in the background


def reapply_open_tickets() -> int:
    """Recompute the clock of the open tickets after a calendar or policy change.

    A few hundred are done at once, in the admin's transaction; a bigger queue goes to a job (after
    commit), so the admin page answers at once and the queue catches up in seconds.
    """
    from app.jobs import enqueue

    count = db.session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN))) or 0
    if count > INLINE_REAPPLY:
        enqueue("tickets.sla.reapply", dedupe_key="tickets.sla.reapply")
        return 0
    return recompute_open_tickets()


def recompute_open_tickets(batch: int = 1000) -> int:
    from tickets.sla.engine import apply_sla, load_calendar

    now = utcnow()
    calendar = load_calendar()
    done = 0
    last_id = 0
    while True:
        tickets = list(
            db.session.scalars(
                sa.select(Ticket).where(Ticket.status.in_(OPEN), Ticket.id > last_id).order_by(Ticket.id).limit(batch)
            )
        )
        if not tickets:
            return done
        with transaction():
            for ticket in tickets:
                apply_sla(ticket, now=now, calendar=calendar)
        done += len(tickets)
        last_id = tickets[-1].id

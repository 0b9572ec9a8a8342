"""Time spent on tickets: minutes, date, operator, billable flag, note. Billing reads the totals."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.auth.permissions import check_org, is_staff
from app.db import local_today, transaction
from app.errors import Forbidden, Invalid, NotFound
from app.extensions import db
from tickets.models import Ticket, TimeEntry

MAX_MINUTES = 24 * 60


def _ticket_for(user: Any, ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("richiesta non trovata")
    check_org(user, ticket.organization_id)
    return ticket


def _validate(minutes: Any, work_date: Any, note: Any) -> tuple[int, dt.date, str]:
    errors: dict[str, list[str]] = {}
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        errors["minutes"] = ["un numero intero di minuti"]
        minutes = 0
    else:
        if not 1 <= minutes <= MAX_MINUTES:
            errors["minutes"] = [f"tra 1 e {MAX_MINUTES} minuti"]
    if work_date is None or work_date == "":
        work_date = local_today()
    elif isinstance(work_date, str):
        try:
            work_date = dt.date.fromisoformat(work_date)
        except ValueError:
            errors["work_date"] = ["data non valida (AAAA-MM-GG)"]
    if isinstance(work_date, dt.date) and "work_date" not in errors and work_date > local_today():
        errors["work_date"] = ["non può essere nel futuro"]
    note = (note or "").strip()
    if len(note) > 2000:
        errors["note"] = ["al massimo 2000 caratteri"]
    if errors:
        raise Invalid("dati non validi", errors)
    return minutes, work_date, note


def add_time_entry(
    *,
    ticket_id: int,
    minutes: Any,
    work_date: Any = None,
    billable: bool = True,
    note: str = "",
    actor: Any,
    user_id: int | None = None,
) -> TimeEntry:
    """Log time on a ticket. Operators log their own time; an admin may log it for another operator."""
    ticket = _ticket_for(actor, ticket_id)
    if not is_staff(actor) or getattr(actor, "role", None) == "finance":
        raise Forbidden("solo gli operatori registrano il tempo")
    minutes, work_date, note = _validate(minutes, work_date, note)
    owner = actor.id
    if user_id and user_id != actor.id:
        if getattr(actor, "role", None) != "admin":
            raise Forbidden("solo un amministratore registra il tempo di un altro operatore")
        from app.auth.models import Role, User

        other = db.session.get(User, user_id)
        if other is None or other.role not in (Role.ADMIN, Role.OPERATOR):
            raise Invalid("operatore non valido", {"user_id": ["operatore inesistente"]})
        owner = other.id
    with transaction(actor=actor):
        entry = TimeEntry(
            ticket_id=ticket.id,
            organization_id=ticket.organization_id,
            user_id=owner,
            minutes=minutes,
            billable=bool(billable),
            note=note,
            work_date=work_date,
        )
        db.session.add(entry)
        db.session.flush()
    return entry


def _own_or_admin(actor: Any, entry: TimeEntry) -> None:
    if getattr(actor, "role", None) == "admin":
        return
    if entry.user_id != getattr(actor, "id", None):
        raise Forbidden("puoi modificare solo il tempo che hai registrato")


def get_time_entry(*, entry_id: int, actor: Any) -> TimeEntry:
    entry = db.session.get(TimeEntry, entry_id)
    if entry is None:
        raise NotFound("registrazione non trovata")
    _ticket_for(actor, entry.ticket_id)
    return entry


def update_time_entry(*, entry_id: int, actor: Any, **changes: Any) -> TimeEntry:
    entry = get_time_entry(entry_id=entry_id, actor=actor)
    _own_or_admin(actor, entry)
    minutes, work_date, note = _validate(
        changes.get("minutes", entry.minutes),
        changes.get("work_date", entry.work_date),
        changes.get("note", entry.note),
    )
    with transaction(actor=actor):
        entry.minutes, entry.work_date, entry.note = minutes, work_date, note
        if "billable" in changes and changes["billable"] is not None:
            entry.billable = bool(changes["billable"])
    return entry


def delete_time_entry(*, entry_id: int, actor: Any) -> None:
    entry = get_time_entry(entry_id=entry_id, actor=actor)
    _own_or_admin(actor, entry)
    with transaction(actor=actor):
        db.session.delete(entry)


def list_time_entries(*, ticket_id: int, actor: Any) -> list[TimeEntry]:
    _ticket_for(actor, ticket_id)
    return list(
        db.session.scalars(
            sa.select(TimeEntry)
            .where(TimeEntry.ticket_id == ticket_id)
            .order_by(TimeEntry.work_date.desc(), TimeEntry.id.desc())
        )
    )


def ticket_time_total(ticket_id: int) -> dict[str, int]:
    """Minutes logged on one ticket: total and billable."""
    total, billable = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(TimeEntry.minutes), 0),
            sa.func.coalesce(sa.func.sum(sa.case((TimeEntry.billable.is_(True), TimeEntry.minutes), else_=0)), 0),
        ).where(TimeEntry.ticket_id == ticket_id)
    ).one()
    return {"minutes": int(total), "billable_minutes": int(billable), "non_billable_minutes": int(total - billable)}


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        raise Invalid("periodo non valido", {"month": ["mese non valido"]})
    return dt.date(year, month, 1), dt.date(year, month, _calendar.monthrange(year, month)[1])


def _billable_sum() -> Any:
    """The one definition of billable time in these totals: minutes of entries marked billable."""
    return sa.func.coalesce(sa.func.sum(sa.case((TimeEntry.billable.is_(True), TimeEntry.minutes), else_=0)), 0)


def time_totals(organization_id: int | None, year: int, month: int | None = None) -> dict[str, int]:
    """Minutes logged on an ente's tickets in a month (or a whole year): total, billable, not billable.

    ``organization_id=None`` sums every ente. Billing calls this for the hours beyond the convenzione.
    """
    if month is None:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    else:
        start, end = month_bounds(year, month)
    stmt = sa.select(
        sa.func.coalesce(sa.func.sum(TimeEntry.minutes), 0),
        _billable_sum(),
        sa.func.count(sa.distinct(TimeEntry.ticket_id)),
    ).where(TimeEntry.work_date >= start, TimeEntry.work_date <= end)
    if organization_id is not None:
        stmt = stmt.where(TimeEntry.organization_id == organization_id)
    total, billable, tickets = db.session.execute(stmt).one()
    return {
        "minutes": int(total),
        "billable_minutes": int(billable),
        "non_billable_minutes": int(total - billable),
        "tickets": int(tickets),
    }


def time_totals_by_org(year: int, month: int | None = None) -> list[dict[str, Any]]:
    """One row per ente with time logged in the period, biggest first."""
    from crm.models import Organization

    if month is None:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    else:
        start, end = month_bounds(year, month)
    billable = _billable_sum()
    rows = db.session.execute(
        sa.select(
            TimeEntry.organization_id,
            Organization.name,
            sa.func.sum(TimeEntry.minutes),
            billable,
            sa.func.count(sa.distinct(TimeEntry.ticket_id)),
        )
        .outerjoin(Organization, Organization.id == TimeEntry.organization_id)
        .where(TimeEntry.work_date >= start, TimeEntry.work_date <= end)
        .group_by(TimeEntry.organization_id, Organization.name)
        .order_by(sa.func.sum(TimeEntry.minutes).desc())
    )
    return [
        {
            "organization_id": org_id,
            "organization": name or "—",
            "minutes": int(total),
            "billable_minutes": int(bill),
            "non_billable_minutes": int(total - bill),
            "tickets": int(n),
        }
        for org_id, name, total, bill, n in rows
    ]

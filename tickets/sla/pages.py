"""What the SLA web pages read, for the acting user: tickets at risk, one visible ticket, the names of
who logged time, and the report period from the query string (bad input is a 400, never a 500)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from app.auth.permissions import check_org
from app.errors import BadRequest, NotFound
from app.extensions import db
from tickets.models import Ticket, TicketStatus
from tickets.sla.filters import sla_state_filter


def tickets_at_risk(*, value: str, actor: Any, limit: int = 200) -> list[Ticket]:
    """Open tickets in SLA state ``value`` ("attention": at risk + breached), nearest deadline first."""
    try:
        clause = sla_state_filter(value)
    except ValueError as exc:
        raise BadRequest("stato SLA sconosciuto", {"sla": [f"valore non valido: {value}"]}) from exc
    stmt = (
        sa.select(Ticket)
        .where(clause, Ticket.status.in_([TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING]))
        .order_by(Ticket.resolution_due.asc().nulls_last(), Ticket.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def visible_ticket(*, ticket_id: int, actor: Any) -> Ticket:
    """The ticket, or 404 (also for a referente's look at another ente's ticket)."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("richiesta non trovata")
    check_org(actor, ticket.organization_id)
    return ticket


def user_names(ids: set[int]) -> dict[int, str]:
    from app.auth.models import User

    if not ids:
        return {}
    return {u.id: (u.name or u.email) for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def parse_period(args: Mapping[str, str], *, today: dt.date) -> tuple[int, int | None]:
    """``?year=&month=`` (month empty, 0 or "all": the whole year); default the current month."""
    year_arg = args.get("year") or str(today.year)
    month_arg = args.get("month", str(today.month))
    try:
        year = int(year_arg)
        month = int(month_arg) if month_arg not in ("", "0", "all") else None
    except ValueError as exc:
        raise BadRequest("periodo non valido", {"year": ["anno o mese non validi"]}) from exc
    if not 2000 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise BadRequest("periodo non valido", {"year": ["anno o mese fuori intervallo"]})
    return year, month

"""SLA filters and badges for the ticket queue, the dashboard and saved views ("SLA a rischio")."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from tickets.models import SlaState, Ticket, TicketStatus

SLA_STATES = {
    SlaState.OK: _l("In tempo"),
    SlaState.AT_RISK: _l("A rischio"),
    SlaState.BREACHED: _l("Violato"),
    SlaState.PAUSED: _l("In pausa"),
    SlaState.MET: _l("Rispettato"),
}
# Extra filter values the queue can offer beside the states themselves.
ATTENTION = "attention"  # at risk or breached: what an operator must look at now
OPEN_STATES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


def sla_state_filter(value: str | None) -> Any:
    """A WHERE clause for ``?sla=`` (a state, or "attention" for at risk + breached); None when empty.

    Raises ValueError for an unknown value (the caller answers 422).
    """
    if not value:
        return None
    if value == ATTENTION:
        return sa.and_(Ticket.sla_state.in_([SlaState.AT_RISK, SlaState.BREACHED]), Ticket.status.in_(OPEN_STATES))
    return Ticket.sla_state == SlaState(value)


def sla_counts(organization_id: int | None = None) -> dict[str, int]:
    """Open tickets per SLA state (for the dashboard's tiles)."""
    stmt = sa.select(Ticket.sla_state, sa.func.count()).where(Ticket.status.in_(OPEN_STATES)).group_by(Ticket.sla_state)
    if organization_id is not None:
        stmt = stmt.where(Ticket.organization_id == organization_id)
    counts = {s.value: 0 for s in SlaState}
    for state, n in db.session.execute(stmt):
        counts[SlaState(state).value] = n
    return counts

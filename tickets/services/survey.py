"""The requester's satisfaction: signed survey links and ratings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from tickets.models import (
    Ticket,
    TicketStatus,
)
from tickets.services.common import _locked


def survey_token(ticket_id: int) -> str:
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ticket-survey").dumps(ticket_id)


def ticket_from_survey_token(token: str) -> Ticket:
    from itsdangerous import BadSignature, URLSafeSerializer

    try:
        ticket_id = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ticket-survey").loads(token)
    except BadSignature as exc:
        raise NotFound("link non valido") from exc
    ticket = db.session.get(Ticket, int(ticket_id))
    if ticket is None:
        raise NotFound("ticket non trovato")
    return ticket


def rate_ticket(*, ticket_id: int, rating: Any, comment: str = "", actor: Any = None) -> Ticket:
    """The requester's satisfaction (1–5 and a comment), once the ticket is resolved or closed."""
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise Invalid("valutazione non valida", {"rating": ["da 1 a 5"]})
    with transaction(actor=actor):
        ticket = _locked(ticket_id)
        if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            raise Conflict("si valuta un ticket risolto", {"rating": ["il ticket non è ancora risolto"]})
        ticket.rating = value
        ticket.rating_comment = (comment or "").strip()[:2000] or None
        ticket.rated_at = utcnow()
    return ticket


def satisfaction_summary(*, organization_id: int | None = None, since: dt.datetime | None = None) -> dict[str, Any]:
    stmt = sa.select(sa.func.count(Ticket.rating), sa.func.avg(Ticket.rating)).where(Ticket.rating.is_not(None))
    if organization_id is not None:
        stmt = stmt.where(Ticket.organization_id == organization_id)
    if since is not None:
        stmt = stmt.where(Ticket.rated_at >= since)
    count, avg = db.session.execute(stmt).one()
    return rating_summary(count, avg)


def rating_summary(count: Any, avg: Any) -> dict[str, Any]:
    """``count(rating)`` and ``avg(rating)`` as the satisfaction figures pages show."""
    return {"count": int(count or 0), "average": round(float(avg), 2) if avg is not None else None}

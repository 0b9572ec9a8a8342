"""The ticket panel and timeline events on an ente's 360° page (``app.panels``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app import panels
from app.auth.permissions import can, is_staff
from app.extensions import db
from app.labels import label
from tickets.models import Ticket, TicketStatus


def _recent(organization_id: int, user: Any, limit: int) -> list[sa.Row]:
    """The ente's latest tickets ``user`` may see, only the columns the panel and timeline show.

    The panel (8) and the timeline (40) ask for the same rows on one page: read once per request."""
    from flask import g

    from tickets import services

    memo: dict[tuple[int, Any], tuple[int, list[sa.Row]]] = g.setdefault("_org_recent_tickets", {})
    key = (organization_id, getattr(user, "id", None))
    if key in memo:
        fetched, rows = memo[key]
        if fetched >= limit or len(rows) < fetched:  # enough rows, or all there are
            return rows[:limit]
    fetched = max(limit, 40)
    cols = (Ticket.id, Ticket.number, Ticket.subject, Ticket.status, Ticket.channel)
    stmt = services.visible_stmt(user, sa.select(*cols, Ticket.created_at, Ticket.resolved_at))
    rows = list(
        db.session.execute(
            stmt.where(Ticket.organization_id == organization_id).order_by(Ticket.id.desc()).limit(fetched)
        )
    )
    memo[key] = (fetched, rows)
    return rows[:limit]


def org_panel(organization_id: int, user: Any) -> dict[str, Any] | None:
    from tickets import services

    if not can(user, "tickets.read"):
        return None
    base = sa.select(sa.func.count(), sa.func.count().filter(Ticket.status.in_(services.OPEN_STATES)))
    counts = services.visible_stmt(user, base)
    everything = counts is base  # the user sees all the ente's tickets: the ratings come in the same query
    if everything:
        counts = counts.add_columns(sa.func.count(Ticket.rating), sa.func.avg(Ticket.rating))
    row = db.session.execute(counts.where(Ticket.organization_id == organization_id)).one()
    total, open_count = row[0], row[1]
    if everything:
        satisfaction = services.rating_summary(row[2], row[3])
    else:
        satisfaction = services.satisfaction_summary(organization_id=organization_id)
    return {
        "organization_id": organization_id,
        "total": total or 0,
        "open": open_count or 0,
        "recent": _recent(organization_id, user, 8),
        "staff": is_staff(user) and can(user, "tickets.work"),
        "satisfaction": satisfaction,
    }


def org_timeline(organization_id: int, user: Any, limit: int) -> list[panels.TimelineEvent]:
    from flask import url_for

    if not can(user, "tickets.read"):
        return []
    endpoint = "tickets.detail" if can(user, "tickets.work") else "tickets.portal_detail"
    base = url_for(endpoint, ticket_id=0)[: -len("0")]  # one url_for, not one per ticket
    events: list[panels.TimelineEvent] = []
    for t in _recent(organization_id, user, limit):
        url = f"{base}{t.id}"
        events.append(
            panels.TimelineEvent(
                at=t.created_at,
                kind="ticket",
                title=f"{t.number} — {t.subject}",
                url=url,
                detail=_("aperto (%(channel)s)", channel=label(t.channel)),
                icon="it-comment",
            )
        )
        if t.resolved_at and t.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            events.append(
                panels.TimelineEvent(
                    at=t.resolved_at,
                    kind="ticket",
                    title=_("%(number)s risolto", number=t.number),
                    url=url,
                    detail=t.subject,
                    icon="it-check-circle",
                )
            )
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


def register() -> None:
    panels.register_org_panel("tickets", "tickets/_org_panel.html", org_panel, order=10)
    panels.register_org_timeline("tickets", org_timeline)

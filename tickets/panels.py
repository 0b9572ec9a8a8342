"""The ticket panel and timeline events on an ente's 360° page (``app.panels``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app import panels
from app.auth.permissions import can, is_staff
from app.extensions import db
from tickets.models import Ticket, TicketStatus


def org_panel(organization_id: int, user: Any) -> dict[str, Any] | None:
    from tickets import services

    if not can(user, "tickets.read"):
        return None
    base = services.visible_stmt(user, sa.select(Ticket.id)).where(Ticket.organization_id == organization_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    open_count = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(base.where(Ticket.status.in_(services.OPEN_STATES)).subquery())
        )
        or 0
    )
    recent = list(
        db.session.scalars(
            services.visible_stmt(user)
            .where(Ticket.organization_id == organization_id)
            .order_by(Ticket.id.desc())
            .limit(8)
        )
    )
    return {
        "organization_id": organization_id,
        "total": total,
        "open": open_count,
        "recent": recent,
        "staff": is_staff(user) and can(user, "tickets.work"),
        "satisfaction": services.satisfaction_summary(organization_id=organization_id),
    }


def org_timeline(organization_id: int, user: Any, limit: int) -> list[panels.TimelineEvent]:
    from flask import url_for

    from tickets import services

    if not can(user, "tickets.read"):
        return []
    staff = can(user, "tickets.work")
    events: list[panels.TimelineEvent] = []
    rows = db.session.scalars(
        services.visible_stmt(user)
        .where(Ticket.organization_id == organization_id)
        .order_by(Ticket.id.desc())
        .limit(limit)
    )
    for t in rows:
        url = url_for("tickets.detail" if staff else "tickets.portal_detail", ticket_id=t.id)
        events.append(
            panels.TimelineEvent(
                at=t.created_at,
                kind="ticket",
                title=f"{t.number} — {t.subject}",
                url=url,
                detail=f"aperto ({t.channel.value})",
                icon="it-comment",
            )
        )
        if t.resolved_at and t.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            events.append(
                panels.TimelineEvent(
                    at=t.resolved_at,
                    kind="ticket",
                    title=f"{t.number} risolto",
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

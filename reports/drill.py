"""The tickets behind a figure: the same window, filters and group key as the report row, and the
metric's own condition (created, resolved, backlog, out of SLA, reopened, rated)."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa

from app.errors import Invalid
from app.extensions import db
from reports import analytics
from reports.models import TicketFact

METRICS = ("created", "resolved", "backlog", "breached", "reopened", "rated")
LIMIT = 200


def _key_condition(group: str, raw: str) -> Any:
    column = analytics._DIMENSIONS[group]
    if raw == "":
        return column.is_(None)
    if group in ("channel", "priority"):
        return column == raw
    try:
        return column == int(raw)
    except ValueError:
        raise Invalid("chiave non valida", {"key": ["un numero intero"]}) from None


def drill_down(actor: Any, args: Any) -> dict[str, Any]:
    """``{"tickets": [...], "count", "limit", "metric", "query", "label"}``; a referente is confined
    to its ente by ``parse_query`` like every report."""
    query = analytics.parse_query(actor, args)
    metric = args.get("metric") or "created"
    if metric not in METRICS:
        raise Invalid("misura non valida", {"metric": [f"una di: {', '.join(METRICS)}"]})
    group = args.get("group_by")
    key = args.get("key")
    extra: list[Any] = []
    if group and key is not None:
        if group in analytics.TIME_GROUPS:
            period = next(
                (p for p in analytics.periods(dataclasses.replace(query, group_by=group)) if p[0] == key), None
            )
            if period is None:
                raise Invalid("periodo non valido", {"key": ["fuori dalla finestra"]})
            query = dataclasses.replace(query, start_day=period[1], end_day=period[2])
        else:
            extra.append(_key_condition(group, str(key)))
    c = TicketFact
    created = [c.created_at >= query.start, c.created_at < query.end]
    resolved = [c.resolved_at >= query.start, c.resolved_at < query.end]
    conditions = {
        "created": created,
        "resolved": resolved,
        "backlog": [c.created_at < query.end, sa.or_(c.resolved_at.is_(None), c.resolved_at >= query.end)],
        "breached": [*created, c.sla_met.is_(False)],
        "reopened": [*resolved, c.reopened.is_(True)],
        "rated": [*resolved, c.rating.is_not(None)],
    }[metric]
    where = [*analytics.conditions(query), *conditions, *extra]
    count = db.session.scalar(sa.select(sa.func.count()).select_from(TicketFact).where(*where)) or 0
    from tickets.models import Ticket

    rows = list(
        db.session.execute(
            sa.select(Ticket, c.first_response_minutes, c.resolution_minutes, c.rating)
            .join(c, c.ticket_id == Ticket.id)
            .where(*where)
            .order_by(Ticket.id.desc())
            .limit(LIMIT)
        )
    )
    return {"rows": rows, "count": int(count), "limit": LIMIT, "metric": metric, "query": query}

"""Ticket analytics over any period and filter, grouped by one dimension: created, resolved, backlog,
first response and resolution times (business minutes: median and 90th percentile), SLA met %, reopen
rate and satisfaction. Everything reads the fact table (``reports.facts``), or its daily rollups
(``reports.rollups``) when they can answer the query.

Definitions (the API documents them): ``created`` counts tickets opened in the window (and their first
response times and SLA); ``resolved`` tickets resolved in it (their resolution times, reopenings and
ratings); ``backlog`` the tickets opened before the end of the period and not resolved by then. Merged
tickets are left out everywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.auth.permissions import org_scope, require
from app.db import local_today
from app.errors import Invalid
from app.extensions import db
from reports import rollups
from reports.models import TicketFact
from reports.rollups import Tally, percentiles

GROUPS = ("channel", "service", "organization", "priority", "team", "operator", "week", "month")
TIME_GROUPS = ("week", "month")
FILTERS = ("organization_id", "service_id", "team_id", "assignee_id", "channel", "priority")
CHANNELS = ("portal", "email", "pec", "phone", "sms", "web", "api")
PRIORITIES = ("low", "normal", "high", "urgent")
MAX_DAYS = 366 * 5
FIELDS = (
    "created",
    "resolved",
    "backlog",
    "first_response_median_minutes",
    "first_response_p90_minutes",
    "resolution_median_minutes",
    "resolution_p90_minutes",
    "sla_met_pct",
    "reopened",
    "reopen_rate_pct",
    "csat_avg",
    "csat_count",
)

CHANNEL_LABELS = {
    "portal": _l("Portale"),
    "email": _l("Email"),
    "pec": _l("PEC"),
    "phone": _l("Telefono"),
    "sms": _l("SMS"),
    "web": _l("Modulo web"),
    "api": _l("API"),
}
PRIORITY_LABELS = {"low": _l("Bassa"), "normal": _l("Normale"), "high": _l("Alta"), "urgent": _l("Urgente")}
NO_VALUE = {
    "service": _l("Senza servizio"),
    "organization": _l("Senza ente"),
    "team": _l("Senza gruppo"),
    "operator": _l("Non assegnati"),
}


@dataclasses.dataclass(frozen=True)
class Query:
    """A validated report request: local days (inclusive), the grouping and the filters."""

    start_day: dt.date
    end_day: dt.date
    group_by: str = "month"
    filters: tuple[tuple[str, Any], ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Rome"))

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.start_day, dt.time(0), tzinfo=self.tz).astimezone(dt.UTC)

    @property
    def end(self) -> dt.datetime:
        after = self.end_day + dt.timedelta(days=1)
        return dt.datetime.combine(after, dt.time(0), tzinfo=self.tz).astimezone(dt.UTC)

    def filter_dict(self) -> dict[str, Any]:
        return dict(self.filters)


def _int(value: Any, field: str, errors: dict[str, list[str]]) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = ["un numero intero"]
        return None
    if not 0 < number < 2**31:
        errors[field] = ["un numero intero positivo"]
        return None
    return number


def _day(value: Any, field: str, default: dt.date, errors: dict[str, list[str]]) -> dt.date:
    if value in (None, ""):
        return default
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = ["data non valida (AAAA-MM-GG)"]
        return default


def parse_query(actor: Any, args: Any, *, default_group: str = "month") -> Query:
    """Read ``from``, ``to``, ``group_by`` and the filters from outside data (a query string); a
    referente's organization filter is forced to its own ente whatever it asks."""
    require(actor, "reports.read")
    errors: dict[str, list[str]] = {}
    today = local_today()
    end_day = _day(args.get("to"), "to", today, errors)
    start_day = _day(args.get("from"), "from", dt.date(end_day.year, 1, 1), errors)
    if "from" not in errors and "to" not in errors:
        if start_day > end_day:
            errors["from"] = ["deve precedere «to»"]
        elif (end_day - start_day).days > MAX_DAYS:
            errors["to"] = ["al massimo cinque anni"]
    group = str(args.get("group_by") or default_group)
    if group not in GROUPS:
        errors["group_by"] = [f"uno di: {', '.join(GROUPS)}"]
    filters: dict[str, Any] = {}
    for field in ("organization_id", "service_id", "team_id", "assignee_id"):
        value = _int(args.get(field), field, errors)
        if value is not None:
            filters[field] = value
    for field, allowed in (("channel", CHANNELS), ("priority", PRIORITIES)):
        value = args.get(field)
        if value not in (None, ""):
            if value not in allowed:
                errors[field] = [f"uno di: {', '.join(allowed)}"]
            else:
                filters[field] = value
    scope = org_scope(actor)
    if scope is not None:
        filters["organization_id"] = scope
    if errors:
        raise Invalid("parametri non validi", errors)
    return Query(start_day, end_day, group, tuple(sorted(filters.items())))


# --- SQL pieces -------------------------------------------------------------------------------


def _is_pg() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _period_key(column: Any, group: str) -> Any:
    tz = current_app.config.get("TIMEZONE", "Europe/Rome")
    if _is_pg():
        fmt = "YYYY-MM" if group == "month" else 'IYYY-"W"IW'
        return sa.func.to_char(sa.func.timezone(tz, column), fmt)
    return sa.func.strftime("%Y-%m" if group == "month" else "%Y-W%W", column)


_DIMENSIONS = {
    "channel": TicketFact.channel,
    "service": TicketFact.service_id,
    "organization": TicketFact.organization_id,
    "priority": TicketFact.priority,
    "team": TicketFact.team_id,
    "operator": TicketFact.assignee_id,
}
_FILTER_COLUMNS = {
    "organization_id": TicketFact.organization_id,
    "service_id": TicketFact.service_id,
    "team_id": TicketFact.team_id,
    "assignee_id": TicketFact.assignee_id,
    "channel": TicketFact.channel,
    "priority": TicketFact.priority,
}


def key_column(group: str, basis: Any) -> Any:
    """The grouping expression; for week and month the period of ``basis`` (created_at or resolved_at)."""
    return _period_key(basis, group) if group in TIME_GROUPS else _DIMENSIONS[group]


def conditions(query: Query) -> list[Any]:
    out: list[Any] = [TicketFact.merged.is_(False)]
    for field, value in query.filters:
        out.append(_FILTER_COLUMNS[field] == value)
    return out


def _percentiles(column: Any) -> list[Any]:
    if _is_pg():
        return [
            sa.func.percentile_cont(0.5).within_group(column),
            sa.func.percentile_cont(0.9).within_group(column),
        ]
    return [sa.literal(None), sa.literal(None)]


def _interpolate(values: list[int], share: float) -> float | None:
    """PostgreSQL's ``percentile_cont`` in Python (SQLite has none)."""
    if not values:
        return None
    values = sorted(values)
    pos = share * (len(values) - 1)
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _pct(part: Any, whole: Any) -> float | None:
    return round(100.0 * float(part or 0) / float(whole), 1) if whole else None


def _created_stats(query: Query, key: Any | None) -> dict[Any, dict[str, Any]]:
    c = TicketFact
    measures = [
        sa.func.count(),
        *_percentiles(c.first_response_minutes),
        sa.func.count(c.sla_met),
        sa.func.count(sa.case((c.sla_met.is_(True), 1))),
    ]
    where = [*conditions(query), c.created_at >= query.start, c.created_at < query.end]
    rows = _grouped(measures, where, key)
    out = {}
    for k, (n, med, p90, decided, met) in rows.items():
        out[k] = {
            "created": int(n),
            "first_response_median_minutes": _round(med),
            "first_response_p90_minutes": _round(p90),
            "sla_met_pct": _pct(met, decided),
        }
    if not _is_pg():
        _python_percentiles(out, c.first_response_minutes, where, key, "first_response")
    return out


def _resolved_stats(query: Query, key: Any | None) -> dict[Any, dict[str, Any]]:
    c = TicketFact
    measures = [
        sa.func.count(),
        *_percentiles(c.resolution_minutes),
        sa.func.count(sa.case((c.reopened.is_(True), 1))),
        sa.func.avg(c.rating),
        sa.func.count(c.rating),
    ]
    where = [*conditions(query), c.resolved_at >= query.start, c.resolved_at < query.end]
    rows = _grouped(measures, where, key)
    out = {}
    for k, (n, med, p90, reopened, avg, rated) in rows.items():
        out[k] = {
            "resolved": int(n),
            "resolution_median_minutes": _round(med),
            "resolution_p90_minutes": _round(p90),
            "reopened": int(reopened or 0),
            "reopen_rate_pct": _pct(reopened, n),
            "csat_avg": round(float(avg), 2) if avg is not None else None,
            "csat_count": int(rated or 0),
        }
    if not _is_pg():
        _python_percentiles(out, c.resolution_minutes, where, key, "resolution")
    return out


def _grouped(measures: list[Any], where: list[Any], key: Any | None) -> dict[Any, tuple]:
    if key is None:
        row = db.session.execute(sa.select(*measures).where(*where)).one()
        return {None: tuple(row)}
    stmt = sa.select(key.label("k"), *measures).where(*where).group_by(key)
    return {r[0]: tuple(r[1:]) for r in db.session.execute(stmt)}


def _python_percentiles(out: dict, column: Any, where: list[Any], key: Any | None, prefix: str) -> None:
    values: dict[Any, list[int]] = {}
    k = key if key is not None else sa.literal(None)
    for group, value in db.session.execute(sa.select(k, column).where(*where, column.is_not(None))):
        values.setdefault(group, []).append(int(value))
    for group, entry in out.items():
        entry[f"{prefix}_median_minutes"] = _round(_interpolate(values.get(group, []), 0.5))
        entry[f"{prefix}_p90_minutes"] = _round(_interpolate(values.get(group, []), 0.9))


def backlog_at(query: Query, at: dt.datetime, key: Any | None = None) -> dict[Any, int]:
    """Tickets opened before ``at`` and not resolved by then (the still-open ones, plus those resolved
    after ``at``: two small index ranges however long the history)."""
    c = TicketFact
    where = [*conditions(query), c.created_at < at, sa.or_(c.resolved_at.is_(None), c.resolved_at >= at)]
    if key is None:
        return {None: int(db.session.scalar(sa.select(sa.func.count()).where(*where)) or 0)}
    return {k: int(n) for k, n in db.session.execute(sa.select(key, sa.func.count()).where(*where).group_by(key))}


def periods(query: Query) -> list[tuple[str, dt.date, dt.date]]:
    """The weeks or months the window touches: (key, first day, last day), clipped to the window."""
    out = []
    day = query.start_day
    while day <= query.end_day:
        if query.group_by == "month":
            key = f"{day.year:04d}-{day.month:02d}"
            nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        else:
            year, week, _ = day.isocalendar()
            key = f"{year:04d}-W{week:02d}"
            nxt = day + dt.timedelta(days=7 - day.weekday())
        out.append((key, day, min(nxt - dt.timedelta(days=1), query.end_day)))
        day = nxt
    return out


def _empty_row(key: Any, label: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"key": key, "label": label}
    for field in FIELDS:
        row[field] = 0 if field in ("created", "resolved", "backlog", "reopened", "csat_count") else None
    return row


def period_of_day(day: dt.date, group: str) -> str:
    """The month (``2026-03``) or ISO week (``2026-W09``) of a local day: the keys of ``periods``."""
    if group == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _created_fields(t: Tally) -> dict[str, Any]:
    median, p90 = percentiles(t.first_response, (0.5, 0.9))
    return {
        "created": t.created,
        "first_response_median_minutes": _round(median),
        "first_response_p90_minutes": _round(p90),
        "sla_met_pct": _pct(t.sla_met, t.sla_met + t.sla_breached),
    }


def _resolved_fields(t: Tally) -> dict[str, Any]:
    median, p90 = percentiles(t.resolution, (0.5, 0.9))
    return {
        "resolved": t.resolved,
        "resolution_median_minutes": _round(median),
        "resolution_p90_minutes": _round(p90),
        "reopened": t.reopened,
        "reopen_rate_pct": _pct(t.reopened, t.resolved),
        "csat_avg": round(t.csat_sum / t.csat_count, 2) if t.csat_count else None,
        "csat_count": t.csat_count,
    }


def ticket_report(query: Query, *, totals: dict[str, Any] | None = None, source: str = "auto") -> dict[str, Any]:
    """``{"items": [...], "totals": {...}}`` with every field of ``FIELDS`` per group. ``totals``: those
    of another grouping of the same window and filters (a page showing two groupings reads them once).

    ``source``: ``auto`` reads the daily rollups when they can answer (``reports.rollups``: times are
    then estimated within the bucket error stated there), the facts otherwise; ``facts`` always the facts."""
    group = query.group_by
    # Backlog per ente at the end of the window: the facts' open-ticket index beats summing the history.
    fig = (
        rollups.figures(query, with_totals=totals is None, facts_backlog=group == "organization")
        if source == "auto"
        else None
    )
    if fig is not None:
        created = {k: _created_fields(t) for k, t in fig.by_key.items() if t.created}
        resolved = {k: _resolved_fields(t) for k, t in fig.by_key.items() if t.resolved}
    else:
        created = _created_stats(query, key_column(group, TicketFact.created_at))
        resolved = _resolved_stats(query, key_column(group, TicketFact.resolved_at))
    rows: dict[Any, dict[str, Any]] = {}
    if group in TIME_GROUPS:
        for key, _first, _last in periods(query):
            rows[key] = _empty_row(key, key)
        backlog = fig.backlog_before if fig is not None and fig.backlog_before is not None else None
        if backlog is None:
            backlog = backlog_at(query, query.start)[None]
        for key in rows:
            backlog += created.get(key, {}).get("created", 0) - resolved.get(key, {}).get("resolved", 0)
            rows[key]["backlog"] = backlog
    else:
        by_key = fig.backlog_by_key if fig is not None else None
        if by_key is None:
            by_key = backlog_at(query, query.end, _DIMENSIONS[group])
        for key, n in by_key.items():
            rows.setdefault(key, _empty_row(key, None))["backlog"] = n
    for source_rows in (created, resolved):
        for key, values in source_rows.items():
            rows.setdefault(key, _empty_row(key, key if group in TIME_GROUPS else None)).update(values)
    if group not in TIME_GROUPS:
        labels = label_for(group, list(rows))
        for key, row in rows.items():
            row["label"] = labels.get(key, str(key))
    items = list(rows.values())
    if group in TIME_GROUPS:
        items.sort(key=lambda r: r["key"])
    else:
        items.sort(key=lambda r: (-r["created"], str(r["label"])))
    if totals is None:
        totals = _empty_row(None, str(_l("Totale")))
        if fig is not None and fig.totals is not None and fig.backlog_end is not None:
            totals.update(_created_fields(fig.totals))
            totals.update(_resolved_fields(fig.totals))
            totals["backlog"] = fig.backlog_end
        else:
            totals.update(_created_stats(query, None)[None])
            totals.update(_resolved_stats(query, None)[None])
            totals["backlog"] = backlog_at(query, query.end)[None]
    return {
        "from": query.start_day.isoformat(),
        "to": query.end_day.isoformat(),
        "group_by": group,
        "filters": query.filter_dict(),
        "items": items,
        "totals": totals,
    }


def label_for(group: str, keys: list[Any]) -> dict[Any, str]:
    """Display names of the keys of a grouping (ente, service, team, operator names; enum labels)."""
    if group == "channel":
        return {k: str(CHANNEL_LABELS.get(k, k)) for k in keys}
    if group == "priority":
        return {k: str(PRIORITY_LABELS.get(k, k)) for k in keys}
    ids = [k for k in keys if k is not None]
    names: dict[Any, str] = {}
    if ids:
        if group == "organization":
            from crm.models import Organization as M
        elif group == "service":
            from crm.models import Service as M  # type: ignore[assignment]
        elif group == "team":
            from tickets.models import Team as M  # type: ignore[assignment]
        else:
            from app.auth.models import User as M  # type: ignore[assignment]
        label = sa.func.coalesce(sa.func.nullif(M.name, ""), M.email) if group == "operator" else M.name  # type: ignore[attr-defined]
        names = {i: n for i, n in db.session.execute(sa.select(M.id, label).where(M.id.in_(ids)))}
    if None in keys:
        names[None] = str(NO_VALUE[group])
    return names


EXPORT_HEADER = ["key", "label", *FIELDS]


def export_rows(report: dict[str, Any]) -> list[list[Any]]:
    return [[row.get(h) for h in EXPORT_HEADER] for row in [*report["items"], report["totals"]]]

"""SLA compliance: share of targets met per ente, per service or per month, for tickets opened in a period."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.errors import Invalid
from app.extensions import db
from tickets.models import Ticket
from tickets.sla.models import TicketSla
from tickets.sla.time_entries import month_bounds

GROUPS = ("organization", "service", "month")


def period_bounds(year: int, month: int | None) -> tuple[dt.datetime, dt.datetime]:
    """UTC bounds of a local month (or year), end excluded."""
    tz = ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Rome"))
    if month is None:
        if not 1900 <= year <= 9999:
            raise Invalid("anno non valido", {"year": ["anno non valido"]})
        first, after = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    else:
        first, last = month_bounds(year, month)
        after = last + dt.timedelta(days=1)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(after, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    return start, end


def _pct(met: int, breached: int) -> float | None:
    measured = met + breached
    return round(100.0 * met / measured, 1) if measured else None


def compliance_report(
    *, year: int, month: int | None = None, group: str = "organization", organization_id: int | None = None
) -> dict[str, Any]:
    """Rows of {key, label, tickets, first_response_met/breached/pct, resolution_met/breached/pct}.

    A target counts once it is decided (met or breached); tickets still running are only counted.
    """
    if group not in GROUPS:
        raise Invalid("raggruppamento non valido", {"group": [f"uno di: {', '.join(GROUPS)}"]})
    start, end = period_bounds(year, month)

    def count(col: Any, value: str) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((col == value, 1), else_=0)), 0)

    measures = [
        sa.func.count(Ticket.id),
        count(TicketSla.first_response_state, "met"),
        count(TicketSla.first_response_state, "breached"),
        count(TicketSla.resolution_state, "met"),
        count(TicketSla.resolution_state, "breached"),
    ]
    key: Any
    label: Any
    if group == "organization":
        from crm.models import Organization

        key, label = Ticket.organization_id, Organization.name
        stmt = sa.select(key, label, *measures).outerjoin(Organization, Organization.id == Ticket.organization_id)
    elif group == "service":
        from crm.models import Service

        key, label = Ticket.service_id, Service.name
        stmt = sa.select(key, label, *measures).outerjoin(Service, Service.id == Ticket.service_id)
    else:
        tz = current_app.config.get("TIMEZONE", "Europe/Rome")
        if db.session.get_bind().dialect.name == "postgresql":
            key = sa.func.to_char(sa.func.timezone(tz, Ticket.created_at), "YYYY-MM")
        else:
            key = sa.func.strftime("%Y-%m", Ticket.created_at)
        label = key
        stmt = sa.select(key, *measures)
    stmt = (
        stmt.join(TicketSla, TicketSla.ticket_id == Ticket.id)
        .where(Ticket.created_at >= start, Ticket.created_at < end, Ticket.merged_into_id.is_(None))
        .group_by(*([key, label] if group != "month" else [key]))
    )
    if organization_id is not None:
        stmt = stmt.where(Ticket.organization_id == organization_id)
    rows = []
    totals = [0, 0, 0, 0, 0]
    for result in db.session.execute(stmt):
        if group == "month":
            k, n, frm, frb, rm, rb = result
            lbl = k
        else:
            k, lbl, n, frm, frb, rm, rb = result
        values = [int(n), int(frm), int(frb), int(rm), int(rb)]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        rows.append(_row(k, lbl or "—", values))
    rows.sort(key=lambda r: str(r["label"]) if group != "month" else r["key"])
    return {
        "year": year,
        "month": month,
        "group": group,
        "rows": rows,
        "total": _row(None, "Totale", totals),
    }


def _row(key: Any, label: Any, values: list[int]) -> dict[str, Any]:
    n, frm, frb, rm, rb = values
    return {
        "key": key,
        "label": label,
        "tickets": n,
        "first_response_met": frm,
        "first_response_breached": frb,
        "first_response_pct": _pct(frm, frb),
        "resolution_met": rm,
        "resolution_breached": rb,
        "resolution_pct": _pct(rm, rb),
    }


CSV_HEADER = [
    "key",
    "label",
    "tickets",
    "first_response_met",
    "first_response_breached",
    "first_response_pct",
    "resolution_met",
    "resolution_breached",
    "resolution_pct",
]


def report_csv(report: dict[str, Any]) -> str:
    """The report as CSV (with its BOM) through the one export helper."""
    from app.exports import csv_text

    rows = [
        [
            ("" if row[c] is None else (str(row[c]).replace(".", ",") if c.endswith("_pct") else row[c]))
            for c in CSV_HEADER
        ]
        for row in [*report["rows"], report["total"]]
    ]
    return csv_text(CSV_HEADER, rows)

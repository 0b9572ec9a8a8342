"""The rendiconto annuale of an ente as PDF (WeasyPrint): requests by service and channel, SLA,
satisfaction with comments, hours against the convenzione, invoices and payments, and the sections
other modules register (``register_section``: e.g. the digital-agenda indicators)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template

from app.auth.permissions import check_org, require
from app.errors import NotFound
from app.extensions import db
from reports import analytics, finance, hours


@dataclasses.dataclass(frozen=True)
class Section:
    """A section another module adds to the rendiconto. ``provider(organization_id, year)`` returns
    ``{"title": str, "header": [..], "rows": [[..], ..], "note": str}`` or None (nothing to show);
    ``template`` (optional) renders it instead of the plain table, with ``section`` in its context."""

    key: str
    provider: Callable[[int, int], dict[str, Any] | None]
    template: str | None = None
    order: int = 100


_SECTIONS: dict[str, Section] = {}


def register_section(
    key: str, provider: Callable[[int, int], dict[str, Any] | None], *, template: str | None = None, order: int = 100
) -> None:
    """Add a section to every rendiconto (the ``indicators`` module adds the digital indicators)."""
    _SECTIONS[key] = Section(key, provider, template, order)


def extra_sections(organization_id: int, year: int) -> list[tuple[Section, dict[str, Any]]]:
    out = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key)):
        data = section.provider(organization_id, year)
        if data is not None:
            out.append((section, data))
    return out


def _comments(organization_id: int, start: dt.datetime, end: dt.datetime, limit: int = 30) -> list[Any]:
    from tickets.models import Ticket

    return list(
        db.session.execute(
            sa.select(Ticket.id, Ticket.number, Ticket.rating, Ticket.rating_comment, Ticket.rated_at)
            .where(
                Ticket.organization_id == organization_id,
                Ticket.rating.is_not(None),
                Ticket.rating_comment.is_not(None),
                Ticket.rated_at >= start,
                Ticket.rated_at < end,
            )
            .order_by(Ticket.rated_at.desc())
            .limit(limit)
        )
    )


def rendiconto_data(actor: Any, *, organization_id: int, year: Any, system: bool = False) -> dict[str, Any]:
    """Everything the rendiconto shows; a referente asking for another ente gets 404. ``system``: a
    job (the scheduled reports) builds it for the ente's own referenti."""
    from crm.models import Organization

    if not system:
        require(actor, "reports.read")
        check_org(actor, organization_id, "ente non trovato")
    org = db.session.get(Organization, organization_id)
    if org is None:
        raise NotFound("ente non trovato")
    y = hours.parse_year(year)
    filters = (("organization_id", organization_id),)
    base = analytics.Query(dt.date(y, 1, 1), dt.date(y, 12, 31), "service", filters)
    by_service = analytics.ticket_report(base)
    by_channel = analytics.ticket_report(dataclasses.replace(base, group_by="channel"), totals=by_service["totals"])
    by_month = analytics.ticket_report(dataclasses.replace(base, group_by="month"), totals=by_service["totals"])
    return {
        "organization": org,
        "year": y,
        "center_name": current_app.config.get("CENTER_NAME", ""),
        "by_service": by_service,
        "by_channel": by_channel,
        "by_month": by_month,
        "totals": by_service["totals"],
        "comments": _comments(organization_id, base.start, base.end),
        "hours": hours.hours_rows(year=y, organization_id=organization_id),
        "billing": finance.invoices_of(organization_id, y),
        "sections": extra_sections(organization_id, y),
    }


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint fetches nothing from outside: the document carries its own styles."""
    raise ValueError(f"external resource refused: {url[:80]}")


def render_pdf(data: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_template("reports/rendiconto.html", **data)
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def rendiconto_pdf(actor: Any, *, organization_id: int, year: Any) -> tuple[bytes, str]:
    """The PDF bytes and a file name (``rendiconto-<istat or id>-<year>.pdf``)."""
    data = rendiconto_data(actor, organization_id=organization_id, year=year)
    org = data["organization"]
    return render_pdf(data), f"rendiconto-{org.istat_code or org.id}-{data['year']}.pdf"

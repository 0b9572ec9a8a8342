"""What the views show: an ente's scorecard (done / missing / what the center can do), the province view
of an indicator, and the hooks into other modules (360° panel, rendiconto section, webhook events)."""

from __future__ import annotations

from typing import Any

from app.auth.permissions import can, check_org, require
from indicators import geo, services
from indicators.models import Indicator, IndicatorValue, Kind

SORTS = ("name", "value", "as_of", "met")


def scorecard(*, organization_id: int, user: Any) -> dict[str, Any]:
    """The ente's indicators split into done / missing / no data, each with the catalog services that
    help and the ente's open tickets about those services."""
    from crm.services import list_services
    from tickets.services import open_tickets_of

    check_org(user, organization_id, "ente non trovato")
    items = services.current_values(organization_id=organization_id, user=user)
    catalog = {s.id: s for s in list_services()}
    tickets = open_tickets_of(organization_id=organization_id, limit=200)
    for item in items:
        ids = set(item["service_ids"])
        item["services"] = [catalog[i] for i in item["service_ids"] if i in catalog]
        item["tickets"] = [t for t in tickets if t.service_id in ids]
        item["display"] = display(item["kind"], item["value"], item["unit"])
        item["target_display"] = display(item["kind"], item["target"], item["unit"])
    return {
        "items": items,
        "done": [i for i in items if i["met"] is True],
        "missing": [i for i in items if i["met"] is False],
        "no_data": [i for i in items if i["value"] is None],
    }


def display(kind: str, value: Any, unit: str = "") -> str:
    """A value as text for a page or an export ("sì", "75 %", "2026-06-30", "completato")."""
    from flask_babel import gettext as _

    if value is None:
        return "—"
    if isinstance(value, list):
        return " / ".join(str(v) for v in value)
    if kind == Kind.BOOLEAN.value:
        return _("sì") if value else _("no")
    return f"{value} {unit}".strip()


def target_text(indicator: Indicator) -> str:
    """An indicator's target as typed in its form ("sì", "80", "2026-06-30", "completato")."""
    target = indicator.target
    if target is None:
        return ""
    if isinstance(target, bool):
        return "sì" if target else "no"
    if isinstance(target, list):
        return str(target[0]) if target else ""
    return str(target)


def province_view(*, indicator_id: int, province: str | None, sort: str, user: Any) -> dict[str, Any]:
    indicator = services.get_indicator(indicator_id)
    rows = services.province_table(indicator_id=indicator_id, province=province, user=user)
    for r in rows:
        r["display"] = display(indicator.kind.value, r["value"], indicator.unit)
    descending = sort.startswith("-")
    key = sort.lstrip("-") if sort.lstrip("-") in SORTS else "name"
    order = {True: 0, False: 1, None: 2}

    def sort_key(r: dict[str, Any]) -> Any:
        if key == "met":
            return (order[r["met"]], r["name"].lower())
        if key in ("value", "as_of"):
            v = r[key]
            return (f"{float(v):020.4f}" if isinstance(v, int | float) else str(v), r["name"].lower())
        return (r["name"].lower(),)

    # rows without a value stay at the bottom whichever the direction
    blank = key in ("value", "as_of")
    known = [r for r in rows if not (blank and r[key] is None)]
    unknown = [r for r in rows if blank and r[key] is None]
    rows = sorted(known, key=sort_key, reverse=descending) + sorted(unknown, key=lambda r: r["name"].lower())
    return {
        "indicator": indicator,
        "rows": rows,
        "sort": key,
        "descending": descending,
        "summary": services.summary(indicator_id=indicator_id, province=province, user=user),
        "trend": services.trend(indicator_id=indicator_id, province=province, user=user),
        "map": geo.province_map(rows),
    }


def overview(*, province: str | None, user: Any) -> list[dict[str, Any]]:
    require(user, "indicators.staff")
    return [
        {"indicator": i, "summary": services.summary(indicator_id=i.id, province=province, user=user)}
        for i in services.list_indicators()
    ]


EXPORT_HEADER = ("comune", "provincia", "valore", "al", "obiettivo raggiunto")


def export_rows(view: dict[str, Any]) -> list[list[Any]]:
    labels = {True: "sì", False: "no", None: ""}
    return [
        [
            r["name"],
            r["province"] or "",
            r["display"] if r["value"] is not None else "",
            r["as_of"].isoformat() if r["as_of"] else "",
            labels[r["met"]],
        ]
        for r in view["rows"]
    ]


# --- hooks into other modules -------------------------------------------------------------------


def org_panel(organization_id: int, user: Any) -> dict[str, Any] | None:
    if not can(user, "indicators.read"):
        return None
    card = scorecard(organization_id=organization_id, user=user)
    return card if card["items"] else None


def rendiconto_section(organization_id: int, year: int) -> dict[str, Any] | None:
    """The digital-agenda indicators in the rendiconto: the current value of each, as of the year's end."""
    from flask_babel import gettext as _

    items = services.current_values(organization_id=organization_id, user=None)
    if not any(i["value"] is not None for i in items):
        return None
    met = {True: _("sì"), False: _("no"), None: "—"}
    return {
        "title": _("Indicatori dell'agenda digitale"),
        "header": [_("Misura"), _("Indicatore"), _("Valore"), _("Al"), _("Obiettivo"), _("Raggiunto")],
        "rows": [
            [
                i["measure"],
                i["name"],
                display(i["kind"], i["value"], i["unit"]),
                i["as_of"].isoformat() if i["as_of"] else "—",
                display(i["kind"], i["target"], i["unit"]),
                met[i["met"]],
            ]
            for i in items
        ],
        "note": _("Valori correnti alla data di stampa; la fonte di ciascun valore è nello storico dell'ente."),
    }


def value_event(value: IndicatorValue) -> dict[str, Any]:
    from app.extensions import db

    indicator = db.session.get(Indicator, value.indicator_id)
    return {
        "id": value.id,
        "organization_id": value.organization_id,
        "indicator_id": value.indicator_id,
        "code": indicator.code if indicator else None,
        "value": value.value,
        "as_of": value.as_of.isoformat(),
        "source": value.source.value,
        "met": services.is_met(indicator.kind, value.value, indicator.target) if indicator else None,
    }


def register_hooks() -> None:
    from flask_babel import lazy_gettext as _l

    from app import panels

    panels.register_org_panel("indicators", "indicators/_org_panel.html", org_panel, order=55)
    try:
        from reports.rendiconto import register_section
    except ImportError:  # reports not installed
        pass
    else:
        register_section("indicators", rendiconto_section, order=80)
    try:
        from integrations.events import register_event, register_source
    except ImportError:
        return
    register_event("indicator.changed", _l("Indicatore aggiornato"), value_event)
    register_source(
        IndicatorValue, lambda v, created: [("indicator.changed", f"indicator_value:{v.id}")] if created else []
    )

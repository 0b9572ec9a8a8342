"""Report pages: the head of the center's overview, the team view, the finance view, the tickets
behind a figure, and the rendiconto download. Charts (Chart.js, app/static/js/reports.js) are drawn
from the data tables on the page, which stay visible: every figure is readable without the chart."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.auth.permissions import org_scope, permission_required
from app.replica import reads_replica
from reports import analytics, drill, finance, hours, rendiconto, scheduling
from reports.api import FORMATS, tabular
from reports.facts import facts_status

bp = Blueprint("reports", __name__)


def _drill_url(query: analytics.Query) -> Any:
    """``drill(metric, key, total)``: the URL of the tickets behind one figure of a table grouped by
    ``query`` (``total``: the totals row, no group key)."""

    def build(metric: str, key: Any, total: bool = False) -> str:
        params: dict[str, Any] = {
            "from": query.start_day.isoformat(),
            "to": query.end_day.isoformat(),
            "metric": metric,
            **query.filter_dict(),
        }
        if not total:
            params["group_by"] = query.group_by
            params["key"] = "" if key is None else key
        return url_for("reports.tickets", **params)

    return build


def _export(query: analytics.Query) -> Response | None:
    fmt = request.args.get("format") or "html"
    if fmt not in FORMATS:
        return None
    report = analytics.ticket_report(query)
    return tabular(
        fmt, f"richieste-{report['from']}-{report['to']}", analytics.EXPORT_HEADER, analytics.export_rows(report)
    )


def _choices() -> dict[str, Any]:
    from crm.services import list_services
    from tickets.services import list_operators, list_teams

    return {
        "services": list_services(),
        "teams": list_teams(),
        "operators": list_operators(),
        "channels": analytics.CHANNEL_LABELS,
        "priorities": analytics.PRIORITY_LABELS,
        "groups": GROUP_LABELS,
    }


@bp.app_template_global()
def rows_of(items: list[dict[str, Any]], fields: list[str], label: str = "label") -> list[tuple[Any, list[Any]]]:
    """Rows of a chart's data table: (label, [value of each field])."""
    return [(item.get(label), [item.get(f) for f in fields]) for item in items]


GROUP_LABELS = {
    "month": _l("Mese"),
    "week": _l("Settimana"),
    "channel": _l("Canale"),
    "service": _l("Servizio"),
    "organization": _l("Ente"),
    "priority": _l("Priorità"),
    "team": _l("Gruppo"),
    "operator": _l("Operatore"),
}


@bp.route("/report/")
@login_required
@permission_required("reports.read")
@reads_replica
def overview():
    """The head of the center's overview (a referente: its own ente's)."""
    query = analytics.parse_query(current_user, request.args, default_group="channel")
    if request.args.get("format") in ("csv", "xlsx"):
        return _export(query)
    monthly = analytics.ticket_report(dataclasses.replace(query, group_by="month"))
    grouped = analytics.ticket_report(query, totals=monthly["totals"])
    return render_template(
        "reports/overview.html",
        query=query,
        monthly=monthly,
        grouped=grouped,
        drill_monthly=_drill_url(dataclasses.replace(query, group_by="month")),
        drill=_drill_url(query),
        choices=_choices(),
        scoped=org_scope(current_user) is not None,
        own_hours=hours.hours_report(current_user, year=query.end_day.year) if org_scope(current_user) else None,
        status=facts_status(),
    )


@bp.route("/report/gruppi")
@login_required
@permission_required("tickets.sla.report")
@reads_replica
def team():
    """The operators' team view: figures per team and per operator, backlog per team."""
    query = analytics.parse_query(current_user, request.args, default_group="team")
    by_team = analytics.ticket_report(dataclasses.replace(query, group_by="team"))
    by_operator = analytics.ticket_report(dataclasses.replace(query, group_by="operator"), totals=by_team["totals"])
    return render_template(
        "reports/team.html",
        query=query,
        by_team=by_team,
        by_operator=by_operator,
        drill_team=_drill_url(dataclasses.replace(query, group_by="team")),
        drill_operator=_drill_url(dataclasses.replace(query, group_by="operator")),
        status=facts_status(),
    )


@bp.route("/report/ragioneria")
@login_required
@permission_required("reports.finance")
@reads_replica
def finance_view():
    """Hours against those included per convenzione, receivables ageing, collections by month."""
    data = finance.finance_view(current_user, year=request.args.get("year"))
    if request.args.get("format") in ("csv", "xlsx"):
        report = {"items": data["hours"]}
        return tabular(request.args["format"], f"ore-{data['year']}", hours.EXPORT_HEADER, hours.export_rows(report))
    return render_template("reports/finance.html", data=data)


@bp.route("/report/richieste")
@login_required
@permission_required("reports.read")
@reads_replica
def tickets():
    """The tickets behind one figure of a report (same window, filters and group key)."""
    result = drill.drill_down(current_user, request.args)
    return render_template("reports/tickets.html", result=result, args=request.args)


@bp.route("/report/enti/<int:organization_id>/rendiconto.pdf")
@login_required
@permission_required("reports.read")
@reads_replica
def rendiconto_pdf(organization_id: int):
    pdf, filename = rendiconto.rendiconto_pdf(
        current_user, organization_id=organization_id, year=request.args.get("year")
    )
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.route("/report/pianificazioni", methods=["GET", "POST"])
@login_required
@permission_required("reports.admin")
def schedules():
    """Scheduled reports (emailed with the PDF after each period) and threshold alerts."""
    from reports.forms import AlertForm, ScheduleForm
    from tickets.services import list_teams

    schedule_form = ScheduleForm(prefix="s")
    alert_form = AlertForm(prefix="a")
    alert_form.team_id.choices = [("", "—")] + [(str(t.id), t.name) for t in list_teams()]
    if schedule_form.submit_schedule.data and schedule_form.validate_on_submit():
        scheduling.create_schedule(
            actor=current_user,
            name=schedule_form.name.data or "",
            kind=schedule_form.kind.data,
            frequency=schedule_form.frequency.data,
            recipients=schedule_form.recipients.data,
            organization_id=schedule_form.organization_id.data,
        )
        flash(_l("Report pianificato."), "success")
        return redirect(url_for("reports.schedules"))
    if alert_form.submit_alert.data and alert_form.validate_on_submit():
        scheduling.create_alert_rule(
            actor=current_user,
            name=alert_form.name.data or "",
            metric=alert_form.metric.data,
            threshold=alert_form.threshold.data,
            team_id=int(alert_form.team_id.data) if alert_form.team_id.data else None,
            recipients=alert_form.recipients.data,
        )
        flash(_l("Soglia aggiunta."), "success")
        return redirect(url_for("reports.schedules"))
    return render_template(
        "reports/schedules.html",
        schedule_form=schedule_form,
        alert_form=alert_form,
        schedules=scheduling.list_schedules(current_user),
        rules=scheduling.list_alert_rules(current_user),
    )

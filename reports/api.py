"""JSON API of the reports (CONTRACT.md "Reports"): ticket analytics, hours per convenzione, the
rendiconto PDF of an ente; scheduled reports and threshold alerts (admin). Every report answers
``?format=csv`` and ``?format=xlsx`` too."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api import API_PREFIX, parse_or_422, register_api
from app.auth.permissions import permission_required
from app.errors import Invalid
from app.exports import csv_text, xlsx_bytes
from app.replica import reads_replica
from reports import analytics, hours, rendiconto, scheduling
from reports.models import AlertMetric, Frequency, ScheduleKind

bp = Blueprint("api_reports", __name__, url_prefix=API_PREFIX, description="Reports")

FORMATS = ("json", "csv", "xlsx")


def _format() -> str:
    value = request.args.get("format") or "json"
    if value not in FORMATS:
        raise Invalid("formato non valido", {"format": [f"uno di: {', '.join(FORMATS)}"]})
    return value


def tabular(fmt: str, name: str, header: list[str], rows: list[list[Any]]) -> Response:
    """A report as CSV or XLSX through the one formula-safe writer (``app.exports``)."""
    if fmt == "csv":
        return Response(
            csv_text(header, rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        xlsx_bytes(header, rows, title=name),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@bp.route("/reports/tickets", methods=["GET"])
@permission_required("reports.read")
@reads_replica
def tickets_report():
    """Created, resolved, backlog, first response and resolution times (business minutes: median
    and 90th percentile), SLA met %, reopenings and satisfaction per group."""
    fmt = _format()
    report = analytics.ticket_report(analytics.parse_query(current_user, request.args))
    if fmt != "json":
        return tabular(
            fmt, f"richieste-{report['from']}-{report['to']}", analytics.EXPORT_HEADER, analytics.export_rows(report)
        )
    return report


def _hours_json(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("included_hours", "billable_hours", "extra_hours", "projected_hours"):
        out[key] = f"{row[key]:.2f}"
    return out


@bp.route("/reports/hours", methods=["GET"])
@permission_required("reports.read")
@reads_replica
def hours_report():
    """Per convenzione: included, billable used, extra and projected hours (strings, two decimals)."""
    fmt = _format()
    report = hours.hours_report(
        current_user, year=request.args.get("year"), organization_id=request.args.get("organization_id")
    )
    if fmt != "json":
        return tabular(fmt, f"ore-{report['year']}", hours.EXPORT_HEADER, hours.export_rows(report))
    return {"year": report["year"], "items": [_hours_json(r) for r in report["items"]]}


@bp.route("/organizations/<int:organization_id>/report.pdf", methods=["GET"])
@permission_required("reports.read")
@reads_replica
def organization_report(organization_id: int):
    """The ente's rendiconto annuale as PDF (a referente: its own ente only, 404 otherwise)."""
    pdf, filename = rendiconto.rendiconto_pdf(
        current_user, organization_id=organization_id, year=request.args.get("year")
    )
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


# --- scheduled reports and alerts (admin) ------------------------------------------------------


class ScheduleSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=150))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ScheduleKind]))
    frequency = fields.String(required=True, validate=validate.OneOf([f.value for f in Frequency]))
    recipients = fields.List(fields.String(validate=validate.Length(max=254)), load_default=list)
    organization_id = fields.Integer(allow_none=True, load_default=None)
    active = fields.Boolean(load_default=True)
    last_period = fields.String(dump_only=True, allow_none=True)


class AlertRuleSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=150))
    metric = fields.String(required=True, validate=validate.OneOf([m.value for m in AlertMetric]))
    threshold = fields.Decimal(required=True, as_string=True, places=2)
    team_id = fields.Integer(allow_none=True, load_default=None)
    organization_id = fields.Integer(allow_none=True, load_default=None)
    recipients = fields.List(fields.String(validate=validate.Length(max=254)), required=True)
    active = fields.Boolean(load_default=True)
    breached_since = fields.DateTime(dump_only=True, allow_none=True)
    last_value = fields.Decimal(dump_only=True, as_string=True, allow_none=True)


@bp.route("/reports/schedules", methods=["GET"])
@permission_required("reports.admin")
def list_schedules():
    return {"items": ScheduleSchema(many=True).dump(scheduling.list_schedules(current_user)), "next_cursor": None}


@bp.route("/reports/schedules", methods=["POST"])
@permission_required("reports.admin")
def create_schedule():
    data = parse_or_422(ScheduleSchema(), request.get_json(silent=True) or {})
    return ScheduleSchema().dump(scheduling.create_schedule(actor=current_user, **data)), 201


@bp.route("/reports/schedules/<int:schedule_id>", methods=["DELETE"])
@permission_required("reports.admin")
def delete_schedule(schedule_id: int):
    scheduling.delete_schedule(actor=current_user, schedule_id=schedule_id)
    return "", 204


@bp.route("/reports/alerts", methods=["GET"])
@permission_required("reports.admin")
def list_alerts():
    return {"items": AlertRuleSchema(many=True).dump(scheduling.list_alert_rules(current_user)), "next_cursor": None}


@bp.route("/reports/alerts", methods=["POST"])
@permission_required("reports.admin")
def create_alert():
    data = parse_or_422(AlertRuleSchema(), request.get_json(silent=True) or {})
    return AlertRuleSchema().dump(scheduling.create_alert_rule(actor=current_user, **data)), 201


@bp.route("/reports/alerts/<int:rule_id>", methods=["DELETE"])
@permission_required("reports.admin")
def delete_alert(rule_id: int):
    scheduling.delete_alert_rule(actor=current_user, rule_id=rule_id)
    return "", 204


def register(app: Flask) -> None:
    if bp._got_registered_once:  # a second app in the same process (tests, CLI)
        from app.api import api

        api.register_blueprint(bp)
    else:
        register_api(app, bp)

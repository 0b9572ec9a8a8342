"""JSON API of the reports (CONTRACT.md "Reports"): ticket analytics, hours per convenzione, the
rendiconto PDF of an ente; scheduled reports and threshold alerts (admin). Every report answers
``?format=csv`` and ``?format=xlsx`` too."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.api import API_PREFIX, idempotent, register_api
from app.auth.permissions import permission_required
from app.exports import csv_text, xlsx_bytes
from app.replica import reads_replica
from app.schemas import INT32_MAX, Money, Schema, page_schema
from reports import analytics, hours, rendiconto, scheduling
from reports.models import AlertMetric, Frequency, ScheduleKind

bp = Blueprint("api_reports", __name__, url_prefix=API_PREFIX, description="Reports")

FORMATS = ("json", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ID = validate.Range(min=1, max=INT32_MAX)


def _tabular_doc(description: str) -> dict[str, Any]:
    """The 200 of a report: JSON, or the same figures as CSV or XLSX (``?format=``)."""
    return {
        "200": {
            "description": description,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    }


class FormatArgs(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class TicketReportArgs(FormatArgs):
    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)
    group_by = fields.String(load_default=None, validate=validate.OneOf(analytics.GROUPS))
    organization_id = fields.Integer(load_default=None, validate=_ID)
    service_id = fields.Integer(load_default=None, validate=_ID)
    team_id = fields.Integer(load_default=None, validate=_ID)
    assignee_id = fields.Integer(load_default=None, validate=_ID)
    channel = fields.String(load_default=None, validate=validate.OneOf(analytics.CHANNELS))
    priority = fields.String(load_default=None, validate=validate.OneOf(analytics.PRIORITIES))


class HoursArgs(FormatArgs):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    organization_id = fields.Integer(load_default=None, validate=_ID)


class YearArgs(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


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
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@bp.route("/reports/tickets", methods=["GET"])
@bp.arguments(TicketReportArgs, location="query")
@bp.doc(responses=_tabular_doc("the ticket report"))
@permission_required("reports.read")
@reads_replica
def tickets_report(args: dict[str, Any]):
    """Created, resolved, backlog, first response and resolution times (business minutes: median
    and 90th percentile), SLA met %, reopenings and satisfaction per group."""
    fmt = args.pop("format")
    args["from"] = args.pop("from_")
    report = analytics.ticket_report(analytics.parse_query(current_user, args))
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
@bp.arguments(HoursArgs, location="query")
@bp.doc(responses=_tabular_doc("hours per convenzione"))
@permission_required("reports.read")
@reads_replica
def hours_report(args: dict[str, Any]):
    """Per convenzione: included, billable used, extra and projected hours (strings, two decimals)."""
    fmt = args["format"]
    report = hours.hours_report(current_user, year=args["year"], organization_id=args["organization_id"])
    if fmt != "json":
        return tabular(fmt, f"ore-{report['year']}", hours.EXPORT_HEADER, hours.export_rows(report))
    return {"year": report["year"], "items": [_hours_json(r) for r in report["items"]]}


@bp.route("/organizations/<int:organization_id>/report.pdf", methods=["GET"])
@bp.arguments(YearArgs, location="query")
@bp.doc(
    responses={
        "200": {"description": "rendiconto annuale", "content": {"application/pdf": {"schema": {"type": "string"}}}}
    }
)
@permission_required("reports.read")
@reads_replica
def organization_report(args: dict[str, Any], organization_id: int):
    """The ente's rendiconto annuale as PDF (a referente: its own ente only, 404 otherwise)."""
    pdf, filename = rendiconto.rendiconto_pdf(current_user, organization_id=organization_id, year=args["year"])
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


# --- scheduled reports and alerts (admin) ------------------------------------------------------


class ScheduleSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=150))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ScheduleKind]))
    frequency = fields.String(required=True, validate=validate.OneOf([f.value for f in Frequency]))
    recipients = fields.List(fields.String(validate=validate.Length(max=254)), load_default=list)
    organization_id = fields.Integer(allow_none=True, load_default=None, validate=_ID)
    active = fields.Boolean(load_default=True)
    last_period = fields.String(dump_only=True, allow_none=True)


class AlertRuleSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=150))
    metric = fields.String(required=True, validate=validate.OneOf([m.value for m in AlertMetric]))
    threshold = Money(required=True, max_digits=8)
    team_id = fields.Integer(allow_none=True, load_default=None, validate=_ID)
    organization_id = fields.Integer(allow_none=True, load_default=None, validate=_ID)
    recipients = fields.List(fields.String(validate=validate.Length(max=254)), required=True)
    active = fields.Boolean(load_default=True)
    breached_since = fields.DateTime(dump_only=True, allow_none=True)
    last_value = Money(dump_only=True, allow_none=True)


@bp.route("/reports/schedules", methods=["GET"])
@bp.response(200, page_schema(ScheduleSchema))
@permission_required("reports.admin")
def list_schedules():
    return {"items": scheduling.list_schedules(current_user), "next_cursor": None}


@bp.route("/reports/schedules", methods=["POST"])
@idempotent
@bp.arguments(ScheduleSchema)
@bp.response(201, ScheduleSchema)
@permission_required("reports.admin")
def create_schedule(data: dict[str, Any]):
    return scheduling.create_schedule(actor=current_user, **data)


@bp.route("/reports/schedules/<int:schedule_id>", methods=["DELETE"])
@bp.response(204)
@permission_required("reports.admin")
def delete_schedule(schedule_id: int):
    scheduling.delete_schedule(actor=current_user, schedule_id=schedule_id)


@bp.route("/reports/alerts", methods=["GET"])
@bp.response(200, page_schema(AlertRuleSchema))
@permission_required("reports.admin")
def list_alerts():
    return {"items": scheduling.list_alert_rules(current_user), "next_cursor": None}


@bp.route("/reports/alerts", methods=["POST"])
@idempotent
@bp.arguments(AlertRuleSchema)
@bp.response(201, AlertRuleSchema)
@permission_required("reports.admin")
def create_alert(data: dict[str, Any]):
    return scheduling.create_alert_rule(actor=current_user, **data)


@bp.route("/reports/alerts/<int:rule_id>", methods=["DELETE"])
@bp.response(204)
@permission_required("reports.admin")
def delete_alert(rule_id: int):
    scheduling.delete_alert_rule(actor=current_user, rule_id=rule_id)


def register(app: Flask) -> None:
    if bp._got_registered_once:  # a second app in the same process (tests, CLI)
        from app.api import api

        api.register_blueprint(bp)
    else:
        register_api(app, bp)

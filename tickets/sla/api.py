"""JSON API of the SLA part: time entries of a ticket, its SLA clock, policies, calendars, reports."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response
from flask_login import current_user
from flask_smorest import Blueprint

from app.api import API_PREFIX, PageArgs, idempotent, keyset_page, page
from app.auth.permissions import org_scope, permission_required
from app.db import local_today
from app.errors import NotFound
from app.replica import reads_replica
from tickets import services as ticket_services
from tickets.models import TimeEntry
from tickets.sla import admin, reports, time_entries
from tickets.sla.engine import sla_info
from tickets.sla.schemas import (
    CalendarPatchSchema,
    CalendarSchema,
    ClosureSchema,
    PolicyPatchSchema,
    PolicySchema,
    ReportArgs,
    TimeEntryPatchSchema,
    TimeEntrySchema,
    TotalsArgs,
)

bp = Blueprint("api_tickets_sla", __name__, url_prefix=API_PREFIX, description="SLA, calendars, time entries")


# --- schemas ------------------------------------------------------------------------------------


def _dump_calendar(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "timezone": row.timezone,
        "holiday_subdiv": row.holiday_subdiv,
        "national_holidays": row.national_holidays,
        "is_default": row.is_default,
        "hours": {str(d): text for d, text in admin.calendar_hours(row.id).items()},
        "closures": ClosureSchema(many=True).dump(admin.list_closures(row.id)),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# --- time entries -------------------------------------------------------------------------------


@bp.route("/tickets/<int:ticket_id>/time-entries", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@permission_required("tickets.time.read")
def list_time_entries(args: dict[str, Any], ticket_id: int):
    ticket_services.ticket_for(current_user, ticket_id)
    stmt = sa.select(TimeEntry).where(TimeEntry.ticket_id == ticket_id)
    items, cursor = keyset_page(stmt, [TimeEntry.id], limit=args["limit"], cursor=args["cursor"])
    result = page(TimeEntrySchema(many=True).dump(items), cursor)
    result["totals"] = time_entries.ticket_time_total(ticket_id)
    return result


@bp.route("/tickets/<int:ticket_id>/time-entries", methods=["POST"])
@idempotent
@bp.arguments(TimeEntrySchema)
@bp.response(201, TimeEntrySchema)
@permission_required("tickets.time.log")
def create_time_entry(data: dict[str, Any], ticket_id: int):
    entry = time_entries.add_time_entry(
        ticket_id=ticket_id,
        minutes=data["minutes"],
        work_date=data.get("work_date"),
        billable=data.get("billable", True),
        note=data.get("note") or "",
        user_id=data.get("user_id"),
        actor=current_user,
    )
    return entry


@bp.route("/time-entries/<int:entry_id>", methods=["GET"])
@permission_required("tickets.time.read")
def get_time_entry(entry_id: int):
    return TimeEntrySchema().dump(time_entries.get_time_entry(entry_id=entry_id, actor=current_user))


@bp.route("/time-entries/<int:entry_id>", methods=["PATCH"])
@bp.arguments(TimeEntryPatchSchema)
@bp.response(200, TimeEntrySchema)
@permission_required("tickets.time.log")
def patch_time_entry(data: dict[str, Any], entry_id: int):
    entry = time_entries.update_time_entry(entry_id=entry_id, actor=current_user, **data)
    return entry


@bp.route("/time-entries/<int:entry_id>", methods=["DELETE"])
@bp.response(204)
@permission_required("tickets.time.log")
def delete_time_entry(entry_id: int):
    time_entries.delete_time_entry(entry_id=entry_id, actor=current_user)
    return None


@bp.route("/time-totals", methods=["GET"])
@bp.arguments(TotalsArgs, location="query")
@permission_required("tickets.time.read")
def time_totals(args: dict[str, Any]):
    """Minutes logged per ente and month (or year): what billing charges beyond the convenzione."""
    scope = org_scope(current_user)
    org_id = args["organization_id"]
    if scope is not None:
        if org_id not in (None, scope):
            raise NotFound("ente non trovato")
        org_id = scope
    year = args["year"] or local_today().year
    totals = time_entries.time_totals(org_id, year, args["month"])
    return {"organization_id": org_id, "year": year, "month": args["month"], **totals}


# --- a ticket's SLA -----------------------------------------------------------------------------


@bp.route("/tickets/<int:ticket_id>/sla", methods=["GET"])
@permission_required("tickets.read")
def ticket_sla(ticket_id: int):
    ticket = ticket_services.ticket_for(current_user, ticket_id)
    info = sla_info(ticket)
    clock = info["clock"]
    return {
        "ticket_id": ticket.id,
        "sla_state": clock.state.value,
        "policy_id": clock.policy.id,
        "policy_name": clock.policy.name,
        "tier": clock.tier,
        "first_response_due": _iso(clock.first_response.due),
        "first_response_state": clock.first_response.state.value,
        "first_responded_at": _iso(clock.first_response.done_at),
        "first_response_remaining_minutes": info["first_response_remaining"],
        "resolution_due": _iso(clock.resolution.due),
        "resolution_state": clock.resolution.state.value,
        "resolved_at": _iso(clock.resolution.done_at),
        "resolution_remaining_minutes": info["resolution_remaining"],
        "paused_since": _iso(info["paused_since"]),
        "paused_business_minutes": info["paused_minutes"],
        "first_response_minutes": clock.policy.first_response_minutes,
        "resolution_minutes": clock.policy.resolution_minutes,
    }


# --- policies -----------------------------------------------------------------------------------


@bp.route("/sla/policies", methods=["GET"])
@permission_required("tickets.sla.report")
def list_policies():
    return page(PolicySchema(many=True).dump(admin.list_policies()), None)


@bp.route("/sla/policies", methods=["POST"])
@idempotent
@bp.arguments(PolicySchema)
@bp.response(201, PolicySchema)
@permission_required("tickets.sla.admin")
def create_policy(data: dict[str, Any]):
    return admin.save_policy(actor=current_user, **data)


@bp.route("/sla/policies/<int:policy_id>", methods=["GET"])
@permission_required("tickets.sla.report")
def get_policy(policy_id: int):
    return PolicySchema().dump(admin.get_policy(policy_id))


@bp.route("/sla/policies/<int:policy_id>", methods=["PATCH"])
@bp.arguments(PolicyPatchSchema(partial=True))
@bp.response(200, PolicySchema)
@permission_required("tickets.sla.admin")
def patch_policy(data: dict[str, Any], policy_id: int):
    return admin.save_policy(actor=current_user, policy_id=policy_id, **data)


@bp.route("/sla/policies/<int:policy_id>", methods=["DELETE"])
@bp.response(204)
@permission_required("tickets.sla.admin")
def delete_policy(policy_id: int):
    admin.delete_policy(actor=current_user, policy_id=policy_id)
    return None


# --- calendars ----------------------------------------------------------------------------------


@bp.route("/sla/calendars", methods=["GET"])
@permission_required("tickets.sla.report")
def list_calendars():
    return page([_dump_calendar(c) for c in admin.list_calendars()], None)


@bp.route("/sla/calendars", methods=["POST"])
@idempotent
@bp.arguments(CalendarSchema)
@bp.response(201)
@permission_required("tickets.sla.admin")
def create_calendar(data: dict[str, Any]):
    return _dump_calendar(admin.save_calendar(actor=current_user, **data))


@bp.route("/sla/calendars/<int:calendar_id>", methods=["GET"])
@permission_required("tickets.sla.report")
def get_calendar(calendar_id: int):
    return _dump_calendar(admin.get_calendar(calendar_id))


@bp.route("/sla/calendars/<int:calendar_id>", methods=["PATCH"])
@bp.arguments(CalendarPatchSchema(partial=True))
@bp.response(200)
@permission_required("tickets.sla.admin")
def patch_calendar(data: dict[str, Any], calendar_id: int):
    row = admin.get_calendar(calendar_id)
    merged: dict[str, Any] = {
        "name": row.name,
        "timezone": row.timezone,
        "holiday_subdiv": row.holiday_subdiv,
        "national_holidays": row.national_holidays,
        "is_default": row.is_default,
        "hours": None,
    }
    merged.update(data)
    return _dump_calendar(admin.save_calendar(actor=current_user, calendar_id=calendar_id, **merged))


@bp.route("/sla/calendars/<int:calendar_id>", methods=["DELETE"])
@bp.response(204)
@permission_required("tickets.sla.admin")
def delete_calendar(calendar_id: int):
    admin.delete_calendar(actor=current_user, calendar_id=calendar_id)
    return None


@bp.route("/sla/calendars/<int:calendar_id>/closures", methods=["POST"])
@idempotent
@bp.arguments(ClosureSchema)
@bp.response(201, ClosureSchema)
@permission_required("tickets.sla.admin")
def add_closure(data: dict[str, Any], calendar_id: int):
    row = admin.add_closure(actor=current_user, calendar_id=calendar_id, **data)
    return row


@bp.route("/sla/closures/<int:closure_id>", methods=["DELETE"])
@bp.response(204)
@permission_required("tickets.sla.admin")
def delete_closure(closure_id: int):
    admin.delete_closure(actor=current_user, closure_id=closure_id)
    return None


# --- reports ------------------------------------------------------------------------------------


@bp.route("/sla/report", methods=["GET"])
@bp.arguments(ReportArgs, location="query")
@bp.doc(
    responses={
        "200": {
            "description": "the report as JSON, or as CSV with `format=csv`",
            "content": {"application/json": {"schema": {"type": "object"}}, "text/csv": {"schema": {"type": "string"}}},
        }
    }
)
@permission_required("tickets.sla.report")
@reads_replica
def report(args: dict[str, Any]):
    """SLA compliance per ente, service or month; ``format=csv`` for a spreadsheet."""
    year = args["year"] or local_today().year
    data = reports.compliance_report(
        year=year, month=args["month"], group=args["group"], organization_id=args["organization_id"]
    )
    if args["format"] == "csv":
        return Response(
            reports.report_csv(data),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="sla-{year}.csv"'},
        )
    return data

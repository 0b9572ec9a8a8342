"""Marshmallow schemas of this module's JSON API: what goes in and what comes out."""

from __future__ import annotations

from marshmallow import fields, validate

from app.schemas import Schema
from tickets.models import Priority
from tickets.sla import reports, time_entries


class TimeEntrySchema(Schema):
    id = fields.Integer(dump_only=True)
    ticket_id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(dump_only=True, allow_none=True)
    user_id = fields.Integer(allow_none=True, load_default=None)
    minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=time_entries.MAX_MINUTES))
    billable = fields.Boolean(load_default=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    work_date = fields.Date(load_default=None, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class TimeEntryPatchSchema(Schema):
    minutes = fields.Integer(validate=validate.Range(min=1, max=time_entries.MAX_MINUTES))
    billable = fields.Boolean()
    note = fields.String(validate=validate.Length(max=2000))
    work_date = fields.Date()


class TimeTotalsSchema(Schema):
    minutes = fields.Integer()
    billable_minutes = fields.Integer()
    non_billable_minutes = fields.Integer()


class PolicySchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    priority = fields.String(allow_none=True, load_default=None, validate=validate.OneOf([p.value for p in Priority]))
    tier = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=20))
    first_response_minutes = fields.Integer(required=True, validate=validate.Range(min=1))
    resolution_minutes = fields.Integer(required=True, validate=validate.Range(min=1))
    calendar_id = fields.Integer(allow_none=True, load_default=None)
    escalation_email = fields.Email(allow_none=True, load_default=None)
    active = fields.Boolean(load_default=True)


class PolicyPatchSchema(PolicySchema):
    class Meta:
        partial = True


class ClosureSchema(Schema):
    id = fields.Integer(dump_only=True)
    day = fields.Date(required=True)
    yearly = fields.Boolean(load_default=False)
    name = fields.String(load_default="", validate=validate.Length(max=150))


class CalendarSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    timezone = fields.String(load_default="Europe/Rome")
    holiday_subdiv = fields.String(allow_none=True, load_default=None)
    national_holidays = fields.Boolean(load_default=True)
    is_default = fields.Boolean(load_default=False)
    # weekday (0 = Monday … 6 = Sunday) -> "08:30-13:30, 14:30-17:30"
    hours = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None)
    closures = fields.List(fields.Nested(ClosureSchema), dump_only=True)


class CalendarPatchSchema(CalendarSchema):
    class Meta:
        partial = True


class ReportArgs(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    month = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=12))
    group = fields.String(load_default="organization", validate=validate.OneOf(reports.GROUPS))
    organization_id = fields.Integer(load_default=None)
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class TotalsArgs(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))
    month = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=12))
    organization_id = fields.Integer(load_default=None)

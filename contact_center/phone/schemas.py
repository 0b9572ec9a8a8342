"""Marshmallow schemas of this module's JSON API: what goes in and what comes out."""

from __future__ import annotations

from marshmallow import fields, validate

from app.api import PageArgs
from app.schemas import Schema, page_schema
from contact_center.phone.models import CallOutcome, CallStatus, Direction, SmsStatus


class CallSchema(Schema):
    id = fields.Integer()
    call_sid = fields.String(allow_none=True)
    source = fields.Function(lambda c: c.source.value)
    direction = fields.Function(lambda c: c.direction.value)
    from_number = fields.String()
    to_number = fields.String()
    caller_number = fields.String(allow_none=True)
    organization_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    match_confidence = fields.String(allow_none=True)
    status = fields.Function(lambda c: c.status.value)
    outcome = fields.Function(lambda c: c.outcome.value)
    menu_choice = fields.String(allow_none=True)
    service_id = fields.Integer(allow_none=True)
    after_hours = fields.Boolean()
    started_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    duration_seconds = fields.Integer(allow_none=True)
    wait_seconds = fields.Integer(allow_none=True)
    talk_seconds = fields.Integer(allow_none=True)
    recording_url = fields.String(allow_none=True)
    recording_seconds = fields.Integer(allow_none=True)
    transcript = fields.String(allow_none=True)
    notes = fields.String()
    operator_id = fields.Integer(allow_none=True)
    callback_needed = fields.Boolean()
    handled_at = fields.DateTime(allow_none=True)
    ticket_id = fields.Integer(allow_none=True)
    inbound_item_id = fields.Integer(allow_none=True)


CallPageSchema = page_schema(CallSchema, "CallPageSchema")


class CallListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in CallStatus]))
    outcome = fields.String(validate=validate.OneOf([s.value for s in CallOutcome]))
    direction = fields.String(validate=validate.OneOf([s.value for s in Direction]))
    organization_id = fields.Integer()
    callback = fields.Boolean()
    number = fields.String(validate=validate.Length(max=40))
    since = fields.AwareDateTime(default_timezone=None)
    until = fields.AwareDateTime(default_timezone=None)


class CallCreateSchema(Schema):
    number = fields.String(load_default=None, validate=validate.Length(max=40))
    direction = fields.String(load_default="inbound", validate=validate.OneOf([s.value for s in Direction]))
    started_at = fields.AwareDateTime(load_default=None)
    duration_seconds = fields.Integer(load_default=None, validate=validate.Range(min=0, max=86400))
    outcome = fields.String(load_default="answered", validate=validate.OneOf([s.value for s in CallOutcome]))
    notes = fields.String(load_default="", validate=validate.Length(max=10000))
    organization_id = fields.Integer(load_default=None)
    contact_id = fields.Integer(load_default=None)


class CallPatchSchema(Schema):
    notes = fields.String(validate=validate.Length(max=10000))
    outcome = fields.String(validate=validate.OneOf([s.value for s in CallOutcome]))
    organization_id = fields.Integer()
    contact_id = fields.Integer()
    handled = fields.Boolean()


class CallTicketSchema(Schema):
    ticket_id = fields.Integer(load_default=None, metadata={"description": "add to this ticket instead of opening one"})
    subject = fields.String(load_default=None, validate=validate.Length(min=1, max=300))
    notes = fields.String(load_default="", validate=validate.Length(max=10000))
    service_id = fields.Integer(load_default=None)
    priority = fields.String(load_default="normal", validate=validate.OneOf(["low", "normal", "high", "urgent"]))
    internal = fields.Boolean(load_default=True)


class CallTicketResult(Schema):
    call = fields.Nested(CallSchema)
    ticket_id = fields.Integer()
    ticket_number = fields.String(allow_none=True)


class SmsSchema(Schema):
    id = fields.Integer()
    message_sid = fields.String(allow_none=True)
    direction = fields.Function(lambda s: s.direction.value)
    from_number = fields.String()
    to_number = fields.String()
    number = fields.String(attribute="counterpart_number", allow_none=True)
    body = fields.String()
    status = fields.Function(lambda s: s.status.value)
    organization_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    match_confidence = fields.String(allow_none=True)
    ticket_id = fields.Integer(allow_none=True)
    inbound_item_id = fields.Integer(allow_none=True)
    attempts = fields.Integer()
    error_code = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


SmsPageSchema = page_schema(SmsSchema, "SmsPageSchema")


class SmsListArgs(PageArgs):
    direction = fields.String(validate=validate.OneOf([s.value for s in Direction]))
    status = fields.String(validate=validate.OneOf([s.value for s in SmsStatus]))
    organization_id = fields.Integer()
    ticket_id = fields.Integer()


class SmsCreateSchema(Schema):
    to = fields.String(load_default=None, validate=validate.Length(max=40))
    body = fields.String(required=True, validate=validate.Length(min=1, max=1600))
    ticket_id = fields.Integer(load_default=None)
    contact_id = fields.Integer(load_default=None)


class ClickToCallSchema(Schema):
    to = fields.String(required=True, validate=validate.Length(min=3, max=40))
    contact_id = fields.Integer(load_default=None)
    ticket_id = fields.Integer(load_default=None)

"""JSON API of the phone channel: /api/v1/calls and /api/v1/sms (staff only)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.api import API_PREFIX, PageArgs, keyset_page, page
from app.auth.permissions import permission_required
from app.extensions import db
from app.schemas import Schema
from contact_center.phone import services
from contact_center.phone.models import Call, CallOutcome, CallStatus, Direction, SmsMessage, SmsStatus


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


class CallPageSchema(Schema):
    items = fields.List(fields.Nested(CallSchema))
    next_cursor = fields.String(allow_none=True)


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


class SmsPageSchema(Schema):
    items = fields.List(fields.Nested(SmsSchema))
    next_cursor = fields.String(allow_none=True)


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


def create_blueprint() -> Blueprint:
    """A new blueprint per app (the API hooks cannot be added twice to one blueprint)."""
    bp = Blueprint("phone_api", __name__, url_prefix=API_PREFIX, description="Chiamate e SMS")

    @bp.route("/calls")
    @bp.arguments(CallListArgs, location="query")
    @bp.response(200, CallPageSchema)
    @permission_required("phone.console")
    def list_calls(args):
        stmt = services.call_filters(
            sa.select(Call),
            status=args.get("status"),
            outcome=args.get("outcome"),
            direction=args.get("direction"),
            organization_id=args.get("organization_id"),
            callback=args.get("callback"),
            number=args.get("number"),
            since=args.get("since"),
            until=args.get("until"),
        )
        items, cursor = keyset_page(stmt, [Call.started_at, Call.id], limit=args["limit"], cursor=args["cursor"])
        return page(items, cursor)

    @bp.route("/calls", methods=["POST"])
    @bp.arguments(CallCreateSchema)
    @bp.response(201, CallSchema)
    @permission_required("phone.console")
    def create_call(data):
        return services.log_manual_call(actor=current_user, **data)

    @bp.route("/calls/<int:call_id>")
    @bp.response(200, CallSchema)
    @permission_required("phone.console")
    def get_call(call_id):
        return services.get_call(call_id)

    @bp.route("/calls/<int:call_id>", methods=["PATCH"])
    @bp.arguments(CallPatchSchema)
    @bp.response(200, CallSchema)
    @permission_required("phone.console")
    def patch_call(data, call_id):
        handled = data.pop("handled", None)
        call = services.update_call(call_id=call_id, actor=current_user, **data)
        if handled:
            call = services.mark_handled(call_id=call_id, actor=current_user)
        return call

    @bp.route("/calls/<int:call_id>/ticket", methods=["POST"])
    @bp.arguments(CallTicketSchema)
    @bp.response(201, CallTicketResult)
    @permission_required("phone.console")
    def call_ticket(data, call_id):
        from app.errors import Invalid
        from tickets.services import get_ticket

        if data["ticket_id"]:
            message = services.add_call_to_ticket(
                call_id=call_id,
                ticket_id=data["ticket_id"],
                actor=current_user,
                notes=data["notes"],
                internal=data["internal"],
            )
            ticket = get_ticket(message.ticket_id)
        else:
            if not data["subject"]:
                raise Invalid("oggetto obbligatorio", {"subject": ["obbligatorio"]})
            ticket = services.ticket_from_call(
                call_id=call_id,
                actor=current_user,
                subject=data["subject"],
                notes=data["notes"],
                service_id=data["service_id"],
                priority=data["priority"],
            )
        return {"call": services.get_call(call_id), "ticket_id": ticket.id, "ticket_number": ticket.number}

    @bp.route("/calls/outbound", methods=["POST"])
    @bp.arguments(ClickToCallSchema)
    @bp.response(202, CallSchema)
    @permission_required("phone.call")
    def outbound_call(data):
        return services.click_to_call(
            actor=current_user, to_number=data["to"], contact_id=data["contact_id"], ticket_id=data["ticket_id"]
        )

    @bp.route("/sms")
    @bp.arguments(SmsListArgs, location="query")
    @bp.response(200, SmsPageSchema)
    @permission_required("phone.console")
    def list_sms(args):
        stmt = sa.select(SmsMessage)
        if args.get("direction"):
            stmt = stmt.where(SmsMessage.direction == Direction(args["direction"]))
        if args.get("status"):
            stmt = stmt.where(SmsMessage.status == SmsStatus(args["status"]))
        if args.get("organization_id"):
            stmt = stmt.where(SmsMessage.organization_id == args["organization_id"])
        if args.get("ticket_id"):
            stmt = stmt.where(SmsMessage.ticket_id == args["ticket_id"])
        items, cursor = keyset_page(
            stmt, [SmsMessage.created_at, SmsMessage.id], limit=args["limit"], cursor=args["cursor"]
        )
        return page(items, cursor)

    @bp.route("/sms", methods=["POST"])
    @bp.arguments(SmsCreateSchema)
    @bp.response(202, SmsSchema)
    @permission_required("phone.call")
    def send_sms(data):
        return services.send_sms(
            actor=current_user,
            to_number=data["to"],
            body=data["body"],
            ticket_id=data["ticket_id"],
            contact_id=data["contact_id"],
        )

    @bp.route("/sms/<int:sms_id>")
    @bp.response(200, SmsSchema)
    @permission_required("phone.console")
    def get_sms(sms_id):
        from app.errors import NotFound

        sms = db.session.get(SmsMessage, sms_id)
        if sms is None:
            raise NotFound("SMS non trovato")
        return sms

    return bp

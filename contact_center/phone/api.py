"""JSON API of the phone channel: /api/v1/calls and /api/v1/sms (staff only)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from flask_smorest import Blueprint

from app.api import API_PREFIX, keyset_page, page
from app.auth.permissions import permission_required
from contact_center.phone import services
from contact_center.phone.models import Call, Direction, SmsMessage, SmsStatus
from contact_center.phone.schemas import (
    CallCreateSchema,
    CallListArgs,
    CallPageSchema,
    CallPatchSchema,
    CallSchema,
    CallTicketResult,
    CallTicketSchema,
    ClickToCallSchema,
    SmsCreateSchema,
    SmsListArgs,
    SmsPageSchema,
    SmsSchema,
)


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
        return services.get_sms(sms_id)

    return bp

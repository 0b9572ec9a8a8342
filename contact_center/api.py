"""JSON API of the triage inbox (shared/CONTRACT.md: /inbound, /inbound/{id}/ticket, /inbound/{id}/attach)."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate, validates_schema

from app.api import API_PREFIX, PageArgs, keyset_page, page, register_api
from app.auth.permissions import permission_required
from app.errors import Invalid
from app.schemas import Schema
from contact_center import intake, services, sources
from contact_center.models import InboundChannel, InboundItem, InboundStatus


class AttachmentSchema(Schema):
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


class InboundItemSchema(Schema):
    id = fields.Integer()
    channel = fields.Function(lambda i: i.channel.value)
    status = fields.Function(lambda i: i.status.value)
    received_at = fields.DateTime()
    sender_name = fields.String()
    sender_email = fields.String(allow_none=True)
    sender_phone = fields.String(allow_none=True)
    subject = fields.String()
    body_text = fields.String()
    body_html = fields.String(allow_none=True)
    organization_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    match_confidence = fields.String(allow_none=True)
    ticket_id = fields.Integer(allow_none=True)
    message_id = fields.String(allow_none=True)
    mailbox_id = fields.Integer(allow_none=True)
    claimed_by_id = fields.Integer(allow_none=True)
    service_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    priority = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    attachments = fields.Function(lambda i: AttachmentSchema(many=True).dump((i.meta or {}).get("attachments") or []))


class InboundPageSchema(Schema):
    items = fields.List(fields.Nested(InboundItemSchema))
    next_cursor = fields.String(allow_none=True)


class InboundArgs(PageArgs):
    status = fields.String(load_default="new", validate=validate.OneOf([s.value for s in InboundStatus] + ["all"]))
    channel = fields.String(load_default=None, validate=validate.OneOf([c.value for c in InboundChannel]))
    mailbox_id = fields.Integer(load_default=None)
    organization_id = fields.Integer(load_default=None)
    q = fields.String(load_default=None)


class TicketFromItemSchema(Schema):
    organization_id = fields.Integer(load_default=None)
    service_id = fields.Integer(load_default=None)
    team_id = fields.Integer(load_default=None)
    contact_id = fields.Integer(load_default=None)
    priority = fields.String(load_default=None, validate=validate.OneOf(["low", "normal", "high", "urgent"]))
    subject = fields.String(load_default=None, validate=validate.Length(max=300))


class TicketRefSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    subject = fields.String()
    organization_id = fields.Integer(allow_none=True)
    channel = fields.Function(lambda t: t.channel.value if hasattr(t.channel, "value") else t.channel)
    status = fields.Function(lambda t: t.status.value if hasattr(t.status, "value") else t.status)


class AttachSchema(Schema):
    ticket_id = fields.Integer(load_default=None)
    ticket_number = fields.String(load_default=None)

    @validates_schema
    def _one(self, data, **kwargs):
        if not data.get("ticket_id") and not data.get("ticket_number"):
            raise ValidationError("ticket_id o ticket_number obbligatorio", "ticket_id")


class AttachResultSchema(Schema):
    ticket_id = fields.Integer()
    message_id = fields.Integer()
    item = fields.Nested(InboundItemSchema)


def create_blueprint() -> Blueprint:
    """A fresh blueprint per app (flask-smorest blueprints cannot be registered twice)."""
    bp = Blueprint(
        "api_inbound", __name__, url_prefix=f"{API_PREFIX}/inbound", description="Triage inbox (every channel)"
    )

    @bp.route("")
    @bp.arguments(InboundArgs, location="query")
    @bp.response(200, InboundPageSchema)
    @permission_required("contact_center.triage")
    def list_inbound(args):
        """Triage items, newest first (default: waiting ones)."""
        stmt = services.inbox_query(
            status=args["status"],
            channel=args["channel"],
            mailbox_id=args["mailbox_id"],
            organization_id=args["organization_id"],
            q=args["q"],
            user_id=current_user.id,
        )
        items, cursor = keyset_page(stmt, [InboundItem.id], limit=args["limit"], cursor=args["cursor"])
        return page(items, cursor)

    @bp.route("/<int:item_id>")
    @bp.response(200, InboundItemSchema)
    @permission_required("contact_center.triage")
    def get_inbound(item_id: int):
        return intake.get_item(item_id)

    @bp.route("/<int:item_id>/ticket", methods=["POST"])
    @bp.arguments(TicketFromItemSchema)
    @bp.response(201, TicketRefSchema)
    @permission_required("contact_center.triage")
    def ticket_from_inbound(data, item_id: int):
        """Open a ticket from the item (409 if it was already handled)."""
        item = intake.get_item(item_id)
        if not (data.get("organization_id") or item.organization_id):
            raise Invalid("ente obbligatorio", {"organization_id": ["obbligatorio: il mittente non è riconosciuto"]})
        return intake.create_ticket_from_inbound(item_id=item_id, actor=current_user, **data)

    @bp.route("/<int:item_id>/attach", methods=["POST"])
    @bp.arguments(AttachSchema)
    @bp.response(200, AttachResultSchema)
    @permission_required("contact_center.triage")
    def attach_inbound(data, item_id: int):
        """Add the item to an existing ticket (by id or number)."""
        ticket = sources.find_ticket(data.get("ticket_id") or data.get("ticket_number"))
        if ticket is None:
            raise Invalid("richiesta non trovata", {"ticket_id": ["richiesta non trovata"]})
        message = intake.attach_inbound_to_ticket(item_id=item_id, ticket_id=ticket.id, actor=current_user)
        return {"ticket_id": message.ticket_id, "message_id": message.id, "item": intake.get_item(item_id)}

    @bp.route("/<int:item_id>/spam", methods=["POST"])
    @bp.response(200, InboundItemSchema)
    @permission_required("contact_center.triage")
    def spam_inbound(item_id: int):
        return intake.mark_spam(item_id=item_id, actor=current_user)

    return bp


def init_api(app: Flask) -> None:
    register_api(app, create_blueprint())

"""Marshmallow schemas of this module's JSON API: what goes in and what comes out."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from app.api import PageArgs
from app.schemas import Schema, page_schema
from contact_center.models import InboundChannel, InboundStatus


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


InboundPageSchema = page_schema(InboundItemSchema, "InboundPageSchema")


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

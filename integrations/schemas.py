"""The webhook resources of the JSON API (shared/CONTRACT.md, "Outbound webhooks and personal data")."""

from __future__ import annotations

from marshmallow import fields, validate

from app.schemas import PageArgs, Schema, page_schema
from integrations.models import DeliveryStatus


class EndpointSchema(Schema):
    id = fields.Integer(dump_only=True)
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    description = fields.String(load_default="", validate=validate.Length(max=200))
    events = fields.List(fields.String(validate=validate.Length(max=60)), required=True)
    # Write-only: used to sign deliveries, never returned.
    secret = fields.String(load_only=True, validate=validate.Length(min=16, max=200))
    active = fields.Boolean(load_default=True)
    paused_at = fields.DateTime(dump_only=True, allow_none=True)
    consecutive_failures = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class EndpointPatchSchema(Schema):
    url = fields.String(validate=validate.Length(min=1, max=2000))
    description = fields.String(validate=validate.Length(max=200))
    events = fields.List(fields.String(validate=validate.Length(max=60)))
    secret = fields.String(load_only=True, validate=validate.Length(min=16, max=200))
    active = fields.Boolean()


EndpointListSchema = page_schema(EndpointSchema, "EndpointPage")


class DeliveryArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in DeliveryStatus]))


class DeliverySchema(Schema):
    id = fields.Integer()
    event = fields.String()
    status = fields.Function(lambda d: d.status.value)
    status_code = fields.Integer(allow_none=True)
    attempts = fields.Integer()
    created_at = fields.DateTime()
    last_attempt_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True)


DeliveryPageSchema = page_schema(DeliverySchema)

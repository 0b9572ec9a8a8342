"""Marshmallow schemas of the ticket API (/api/v1/tickets): what goes in and what comes out."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import EXCLUDE, fields, validate

from app.api import API_PREFIX, PageArgs
from app.schemas import Schema, page_schema
from tickets import queries, services
from tickets.models import Channel, MacroAssign, Priority, SlaState, TicketAttachment, TicketStatus

STATUSES = [s.value for s in TicketStatus]


PRIORITIES = [p.value for p in Priority]


CHANNELS = [c.value for c in Channel]


class AttachmentSchema(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    message_id = fields.Integer(allow_none=True)
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()
    url = fields.Method("get_url")

    def get_url(self, obj: TicketAttachment) -> str:
        return f"{API_PREFIX}/tickets/{obj.ticket_id}/attachments/{obj.id}"


class TicketSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    subject = fields.String()
    description = fields.String()
    status = fields.Function(lambda t: t.status.value)
    priority = fields.Function(lambda t: t.priority.value)
    channel = fields.Function(lambda t: t.channel.value)
    organization_id = fields.Integer(allow_none=True)
    requester_contact_id = fields.Integer(allow_none=True)
    service_id = fields.Integer(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    tags = fields.Function(lambda t: _tags_of(t.id))
    cc_contact_ids = fields.Function(lambda t: _ccs_of(t.id))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    first_response_due = fields.DateTime(allow_none=True)
    first_responded_at = fields.DateTime(allow_none=True)
    resolution_due = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    sla_state = fields.Function(lambda t: t.sla_state.value)
    merged_into_id = fields.Integer(allow_none=True)
    follow_up_of_id = fields.Integer(allow_none=True)
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)


def _tags_of(ticket_id: int) -> list[str]:
    prefetched = g.get("ticket_tags")
    if prefetched is not None and ticket_id in prefetched:
        return prefetched[ticket_id]
    return services.ticket_tags(ticket_id)


def _ccs_of(ticket_id: int) -> list[int]:
    prefetched = g.get("ticket_ccs")
    if prefetched is not None and ticket_id in prefetched:
        return prefetched[ticket_id]
    return services.ticket_ccs(ticket_id)


class TicketPageSchema(Schema):
    items = fields.List(fields.Nested(TicketSchema))
    next_cursor = fields.String(allow_none=True)


class TicketListArgs(PageArgs):
    class Meta:
        unknown = EXCLUDE

    status = fields.String()
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    sla_state = fields.String(validate=validate.OneOf([s.value for s in SlaState]))
    organization_id = fields.Integer()
    service_id = fields.Integer()
    team_id = fields.Integer()
    assignee_id = fields.String(metadata={"description": "an operator id, or `none` for unassigned"})
    tag = fields.String()
    q = fields.String(metadata={"description": "full text (Italian stemming) or a ticket number"})
    view = fields.String(validate=validate.OneOf(["mine", "unassigned", "at_risk", "open"]))
    sort = fields.String(load_default="recenti", validate=validate.OneOf(list(services.SORTS)))


class TicketCreateSchema(Schema):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="", validate=validate.Length(max=50_000))
    organization_id = fields.Integer(allow_none=True)
    requester_contact_id = fields.Integer(allow_none=True)
    service_id = fields.Integer(allow_none=True)
    channel = fields.String(load_default="api", validate=validate.OneOf(CHANNELS))
    priority = fields.String(load_default="normal", validate=validate.OneOf(PRIORITIES))
    assignee_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    tags = fields.List(fields.String(validate=validate.Length(max=50)), load_default=list)
    cc_contact_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=20))


class TicketPatchSchema(Schema):
    subject = fields.String(validate=validate.Length(min=1, max=300))
    status = fields.String(validate=validate.OneOf(STATUSES))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    assignee_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    service_id = fields.Integer(allow_none=True)
    organization_id = fields.Integer(allow_none=True)
    requester_contact_id = fields.Integer(allow_none=True)
    tags = fields.List(fields.String(validate=validate.Length(max=50)))
    cc_contact_ids = fields.List(fields.Integer(), validate=validate.Length(max=20))


class MessageSchema(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    body = fields.String()
    internal = fields.Boolean()
    author = fields.Function(lambda m: m.author_label)
    author_user_id = fields.Integer(allow_none=True)
    author_contact_id = fields.Integer(allow_none=True)
    channel = fields.Function(lambda m: m.channel.value)
    created_at = fields.DateTime()
    attachments = fields.Method("get_attachments")

    def get_attachments(self, obj: Any) -> list[dict[str, Any]]:
        return AttachmentSchema(many=True).dump(queries.message_attachments(obj.id))


class MessagePageSchema(Schema):
    items = fields.List(fields.Raw())
    next_cursor = fields.String(allow_none=True)


class MessageCreateSchema(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=50_000))
    internal = fields.Boolean(load_default=False)
    status = fields.String(allow_none=True, validate=validate.OneOf(STATUSES))


class MessageFormSchema(MessageCreateSchema):
    files = fields.List(
        fields.Raw(metadata={"type": "string", "format": "binary"}),
        metadata={"description": "one or more files; they belong to the message and go out with its email"},
    )


MESSAGE_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": MessageCreateSchema},
        "multipart/form-data": {"schema": MessageFormSchema},
    },
}


class MergeSchema(Schema):
    target_id = fields.Integer(required=True)


class LinkSchema(Schema):
    other_id = fields.Integer(required=True)


class RatingSchema(Schema):
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class BulkSchema(Schema):
    ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=500))
    assignee_id = fields.Integer(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))


class BulkResultSchema(Schema):
    updated = fields.List(fields.Integer())
    errors = fields.Dict(keys=fields.String(), values=fields.String())


class CannedSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    active = fields.Boolean()


ASSIGN_MODES = [a.value for a in MacroAssign]
TAG_LIST = {"type": "array", "items": {"type": "string", "maxLength": 50}, "maxItems": 20}


class MacroSchema(Schema):
    """A macro: the actions applied together. ``assign``: keep, me (who applies it), user
    (``assignee_id``), nobody. Tags are lists of labels added to and removed from the ticket."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    active = fields.Boolean()
    status = fields.String(allow_none=True, validate=validate.OneOf(STATUSES))
    priority = fields.String(allow_none=True, validate=validate.OneOf(PRIORITIES))
    assign = fields.String(validate=validate.OneOf(ASSIGN_MODES))
    assignee_id = fields.Integer(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    canned_id = fields.Integer(allow_none=True, metadata={"description": "a canned response posted on apply"})
    canned_internal = fields.Boolean(metadata={"description": "post it as an internal note"})
    add_tags = fields.Method("_add_tags", deserialize="_tags", metadata=TAG_LIST)
    remove_tags = fields.Method("_remove_tags", deserialize="_tags", metadata=TAG_LIST)

    def _add_tags(self, obj: Any) -> list[str]:
        return [t for t in (obj.add_tags or "").split(",") if t]

    def _remove_tags(self, obj: Any) -> list[str]:
        return [t for t in (obj.remove_tags or "").split(",") if t]

    def _tags(self, value: Any) -> list[str]:
        from marshmallow import ValidationError

        if not isinstance(value, list) or not all(isinstance(t, str) and len(t) <= 50 for t in value):
            raise ValidationError("una lista di etichette")
        if len(value) > 20:
            raise ValidationError("al massimo 20 etichette")
        return value


class MacroPatchSchema(MacroSchema):
    """Only the fields sent change (used with ``partial=True``)."""


MacroPageSchema = page_schema(MacroSchema)


class ApplyMacroSchema(Schema):
    macro_id = fields.Integer(required=True)


class ApplyMacroBulkSchema(Schema):
    macro_id = fields.Integer(required=True)
    ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=500))


class ApplyResultSchema(Schema):
    ticket_id = fields.Integer()
    message_id = fields.Integer(allow_none=True)
    changed = fields.List(fields.String())


class ApplyBulkResultSchema(Schema):
    applied = fields.List(fields.Integer())
    errors = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "ticket id → why"})

"""Marshmallow schemas of the indicators API (shared/CONTRACT.md, "Digital-agenda indicators")."""

from __future__ import annotations

from marshmallow import fields, validate

from app.api import PageArgs
from app.schemas import Schema
from indicators.models import Kind, Source

_ID = validate.Range(min=1, max=2_147_483_647)
_KINDS = [k.value for k in Kind]
_SOURCES = [s.value for s in Source]


class IndicatorSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    description = fields.String()
    measure = fields.String()
    kind = fields.Function(lambda i: i.kind.value, metadata={"enum": _KINDS})
    unit = fields.String()
    target = fields.Raw(allow_none=True)
    choices = fields.List(fields.String())
    deadline = fields.Date(allow_none=True)
    service_ids = fields.List(fields.Integer())
    active = fields.Boolean()


class IndicatorList(Schema):
    items = fields.List(fields.Nested(IndicatorSchema))


class IndicatorWrite(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=5000))
    measure = fields.String(validate=validate.Length(max=60))
    kind = fields.String(required=True, validate=validate.OneOf(_KINDS))
    unit = fields.String(validate=validate.Length(max=20))
    target = fields.Raw(allow_none=True, metadata={"description": "JSON of the kind, or the same as a string"})
    choices = fields.List(fields.String(validate=validate.Length(min=1, max=100)), validate=validate.Length(max=50))
    deadline = fields.Date(allow_none=True)
    service_ids = fields.List(fields.Integer(validate=_ID), validate=validate.Length(max=50))
    active = fields.Boolean()


class IndicatorPatch(IndicatorWrite):
    pass


class ValueSchema(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    indicator_id = fields.Integer()
    value = fields.Raw(allow_none=True)
    as_of = fields.Date()
    source = fields.Function(lambda v: v.source.value, metadata={"enum": _SOURCES})
    note = fields.String()
    evidence_url = fields.String(allow_none=True)
    evidence_filename = fields.String(allow_none=True, metadata={"description": "GET .../{id}/evidence"})
    evidence_content_type = fields.String(allow_none=True)
    evidence_size = fields.Integer(allow_none=True)
    author_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class ValuePage(Schema):
    items = fields.List(fields.Nested(ValueSchema))
    next_cursor = fields.String(allow_none=True)


class ValueArgs(PageArgs):
    organization_id = fields.Integer(load_default=None, validate=_ID)
    indicator_id = fields.Integer(load_default=None, validate=_ID)


class ValueWrite(Schema):
    organization_id = fields.Integer(required=True, validate=_ID)
    indicator_id = fields.Integer(required=True, validate=_ID)
    value = fields.Raw(required=True, allow_none=True)
    as_of = fields.Date(load_default=None)
    source = fields.String(load_default=Source.OPERATOR.value, validate=validate.OneOf(_SOURCES))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    evidence_url = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CurrentSchema(Schema):
    indicator_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    measure = fields.String()
    kind = fields.String()
    unit = fields.String()
    value = fields.Raw(allow_none=True)
    as_of = fields.Date(allow_none=True)
    source = fields.String(allow_none=True)
    target = fields.Raw(allow_none=True)
    deadline = fields.Date(allow_none=True)
    met = fields.Boolean(allow_none=True)


class CurrentList(Schema):
    items = fields.List(fields.Nested(CurrentSchema))


class SummaryArgs(Schema):
    province = fields.String(load_default=None, validate=validate.Length(equal=2))


class SummarySchema(Schema):
    met = fields.Integer()
    not_met = fields.Integer()
    no_data = fields.Integer()
    average = fields.Float(allow_none=True)


class SurveyWrite(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    indicator_ids = fields.List(fields.Integer(validate=_ID), required=True, validate=validate.Length(min=1, max=100))
    organization_ids = fields.List(
        fields.Integer(validate=_ID), required=True, validate=validate.Length(min=1, max=5000)
    )
    due_date = fields.Date(required=True)


class SurveySchema(Schema):
    id = fields.Integer()
    title = fields.String()
    indicator_ids = fields.List(fields.Integer())
    organization_ids = fields.List(fields.Integer())
    due_date = fields.Date()
    created_at = fields.DateTime()
    answered = fields.Integer()
    pending = fields.Integer()


class SurveyList(Schema):
    items = fields.List(fields.Nested(SurveySchema))


class AnswerSchema(Schema):
    indicator_id = fields.Integer(required=True, validate=_ID)
    value = fields.Raw(required=True, allow_none=True)


class ResponseWrite(Schema):
    values = fields.List(fields.Nested(AnswerSchema), required=True, validate=validate.Length(max=200))
    organization_id = fields.Integer(load_default=None, validate=_ID, metadata={"description": "staff only"})
    draft = fields.Boolean(load_default=False, metadata={"description": "save and come back later"})


class ResponseResult(Schema):
    saved = fields.Integer()
    answered = fields.Boolean()

"""Marshmallow schemas of the knowledge-base API (shared/CONTRACT.md, "Knowledge base")."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from app.schemas import PageArgs, Schema, page_schema
from kb.models import ArticleStatus, Language, Visibility

_ID = validate.Range(min=1, max=2_147_483_647)


def _values(enum_cls: Any) -> list[str]:
    return [e.value for e in enum_cls]


class ArticleSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    summary = fields.String()
    body = fields.String(metadata={"description": "sanitized HTML"})
    service_id = fields.Integer(allow_none=True)
    tags = fields.List(fields.String())
    status = fields.Function(lambda a: a.status.value, metadata={"enum": _values(ArticleStatus)})
    visibility = fields.Function(lambda a: a.visibility.value, metadata={"enum": _values(Visibility)})
    language = fields.Function(lambda a: a.language.value, metadata={"enum": _values(Language)})
    translation_of_id = fields.Integer(allow_none=True)
    source_ticket_id = fields.Integer(allow_none=True)
    version = fields.Integer()
    views = fields.Integer()
    helpful_yes = fields.Integer()
    helpful_no = fields.Integer()
    published_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    url = fields.Function(lambda a: _url(a))


def _url(article: Any) -> str:
    from kb.services import public_url

    return public_url(article)


ArticlePage = page_schema(ArticleSchema)


class ArticleArgs(PageArgs):
    q = fields.String(load_default=None, validate=validate.Length(max=300))
    service_id = fields.Integer(load_default=None, validate=_ID)
    status = fields.String(load_default=None, validate=validate.OneOf(_values(ArticleStatus)))
    visibility = fields.String(load_default=None, validate=validate.OneOf(_values(Visibility)))
    language = fields.String(load_default=None, validate=validate.OneOf(_values(Language)))


class ArticleWrite(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    summary = fields.String(validate=validate.Length(max=500))
    body = fields.String(validate=validate.Length(max=200_000), metadata={"description": "HTML, sanitized on save"})
    service_id = fields.Integer(allow_none=True, validate=_ID)
    tags = fields.List(fields.String(validate=validate.Length(max=40)), validate=validate.Length(max=20))
    status = fields.String(validate=validate.OneOf(_values(ArticleStatus)))
    visibility = fields.String(validate=validate.OneOf(_values(Visibility)))
    language = fields.String(validate=validate.OneOf(_values(Language)))
    slug = fields.String(validate=validate.Length(max=120))
    translation_of_id = fields.Integer(allow_none=True, validate=_ID, metadata={"description": "create only"})
    note = fields.String(validate=validate.Length(max=300), metadata={"description": "edit note (PATCH)"})


class ArticlePatch(ArticleWrite):
    class Meta:
        exclude = ("translation_of_id",)


class VersionSchema(Schema):
    version = fields.Integer()
    title = fields.String()
    summary = fields.String()
    body = fields.String()
    status = fields.String()
    visibility = fields.String()
    author_id = fields.Integer(allow_none=True)
    note = fields.String()
    created_at = fields.DateTime()


class VersionList(Schema):
    items = fields.List(fields.Nested(VersionSchema))


class FeedbackSchema(Schema):
    helpful = fields.Boolean(required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class FeedbackResult(Schema):
    helpful_yes = fields.Integer()
    helpful_no = fields.Integer()


class SuggestArgs(Schema):
    q = fields.String(required=True, validate=validate.Length(max=1000))
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))


class SuggestItem(Schema):
    id = fields.Integer()
    title = fields.String()
    url = fields.String()
    score = fields.Float()


class SuggestList(Schema):
    items = fields.List(fields.Nested(SuggestItem))


class _ServiceGuess(Schema):
    id = fields.Integer()
    confidence = fields.Float()


class _PriorityGuess(Schema):
    value = fields.String()
    confidence = fields.Float()


class _Similar(Schema):
    id = fields.Integer()
    number = fields.String()
    subject = fields.String()
    score = fields.Float()


class _ArticleHit(Schema):
    id = fields.Integer()
    title = fields.String()
    score = fields.Float()


class TicketSuggestions(Schema):
    service = fields.Nested(_ServiceGuess, allow_none=True)
    priority = fields.Nested(_PriorityGuess, allow_none=True)
    similar = fields.List(fields.Nested(_Similar))
    articles = fields.List(fields.Nested(_ArticleHit))
    model_version = fields.Integer(allow_none=True)


class DeflectionStats(Schema):
    deflected = fields.Integer()
    opened = fields.Integer()
    deflection_rate = fields.Float(allow_none=True)
    top_articles = fields.List(fields.Dict())


class StatsArgs(Schema):
    since = fields.Date(load_default=None, data_key="from")
    until = fields.Date(load_default=None, data_key="to")

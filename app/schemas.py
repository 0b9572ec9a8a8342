"""The one validation layer of the JSON API: every API schema derives from ``Schema`` here.

- Text: every string field (query, path, body, also inside lists and dicts) refuses a NUL byte, an
  unpaired surrogate or another control character (``app.text.unsafe_char``) with 422 naming the field;
  the OpenAPI document says so with a ``pattern``.
- Integers: bounded to the columns' range (PostgreSQL ``integer``) unless the field says otherwise, so
  a huge number is 422 naming the field instead of a database error.
- Money: ``Money()`` takes and gives only canonical strings (``"1500.00"``, ``^-?\\d+(\\.\\d{1,2})?$``);
  ``Money(places=4)`` serves rates such as a fee per inhabitant.
- ``ErrorSchema``: the real error body ``{"error": {"code", "message", "fields"}}``.

A new API module only needs ``from app.schemas import Schema, Money`` and its fields as usual.
"""

from __future__ import annotations

import decimal
import re
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from app.text import unsafe_char

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
# What ``app.text.unsafe_char`` refuses, as an ECMA/JSON-Schema pattern for the document.
SAFE_TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"


def safe_text(value: Any) -> None:
    if isinstance(value, str):
        bad = unsafe_char(value)
        if bad is not None:
            raise ma.ValidationError(f"carattere non ammesso ({bad})")


def _has_range(field: fields.Field) -> bool:
    return any(isinstance(v, validate.Range) for v in field.validators)


def harden(field: fields.Field) -> None:
    """Add the layer's checks to one field (idempotent), recursing into lists, tuples and dicts."""
    if getattr(field, "_presidio_hardened", False):
        return
    field._presidio_hardened = True  # type: ignore[attr-defined]
    if isinstance(field, fields.String):
        field.validators.append(safe_text)
        if "pattern" not in field.metadata and not isinstance(field, Money):
            field.metadata = {**field.metadata, "pattern": SAFE_TEXT_PATTERN}
    elif isinstance(field, fields.Integer):
        if not _has_range(field):
            field.validators.append(validate.Range(min=INT32_MIN, max=INT32_MAX))
        _refuse_types(field, float, bool)  # 2.5 or true is not an id; "12" from a query string is
    elif isinstance(field, fields.Boolean):
        _refuse_types(field, int, float, exclude=bool)  # JSON 0/1 is not a boolean; "true" in a query is
    if isinstance(field, fields.List):
        harden(field.inner)
    elif isinstance(field, fields.Tuple):
        for inner in field.tuple_fields:
            harden(inner)
    elif isinstance(field, fields.Dict):
        if field.key_field is not None:
            harden(field.key_field)
        if field.value_field is not None:
            harden(field.value_field)


def _refuse_types(field: fields.Field, *types: type, exclude: type | None = None) -> None:
    original = field._deserialize

    def strict(value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, types) and not (exclude is not None and isinstance(value, exclude)):
            raise field.make_error("invalid")
        return original(value, attr, data, **kwargs)

    field._deserialize = strict  # type: ignore[method-assign]


class Schema(ma.Schema):
    """Base of every API schema: the text and integer checks above apply to each of its fields."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        harden(field_obj)
        super().on_bind_field(field_name, field_obj)


MONEY_PATTERNS = {places: f"^-?\\d+(\\.\\d{{1,{places}}})?$" for places in (2, 4)}


class Money(fields.String):
    """An amount as a canonical string: in, ``^-?\\d+(\\.\\d{1,2})?$`` only (no float, no ``1e3``, no
    ``1.500``, no Italian ``1.500,00``); out, a string with two decimals (``places`` for rates)."""

    default_error_messages = {
        "invalid": 'un importo come stringa con al massimo {places} decimali, es. "1500.00"',
        "too_large": "importo troppo grande",
    }

    def __init__(self, places: int = 2, max_digits: int = 12, **kwargs: Any):
        self.places = places
        self.max_digits = max_digits
        self.regex = re.compile(MONEY_PATTERNS[places].replace("\\d", "[0-9]"))
        metadata = {"pattern": MONEY_PATTERNS[places], "example": "1500.00" if places == 2 else "0.3500"}
        kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        amount = decimal.Decimal(value)
        two = amount.quantize(decimal.Decimal("0.01"))
        if self.places > 2 and two != amount:
            return f"{amount.quantize(decimal.Decimal(1).scaleb(-self.places))}"
        return f"{two:.2f}"

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:  # a Decimal
        if not isinstance(value, str) or not self.regex.fullmatch(value):
            raise self.make_error("invalid", places=self.places)
        amount = decimal.Decimal(value)
        if abs(amount) >= decimal.Decimal(10) ** (self.max_digits - self.places):
            raise self.make_error("too_large")
        return amount


class ErrorDetail(ma.Schema):
    code = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.String(required=True)
    fields = fields.Dict(  # type: ignore[assignment]
        keys=fields.String(),
        metadata={"description": "field -> messages (lists, or nested objects for nested fields)"},
    )


class ErrorSchema(ma.Schema):
    """``{"error": {"code", "message", "fields"}}`` — every 4xx of the API."""

    error = fields.Nested(ErrorDetail, required=True)


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(
        load_default=None, metadata={"description": "the `next_cursor` of the previous page of this same list"}
    )


def page_schema(item: type[ma.Schema] | ma.Schema, name: str | None = None) -> type[ma.Schema]:
    """``{"items": [item], "next_cursor": str | null}`` for a list answer."""
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item), required=True), "next_cursor": fields.String(allow_none=True)},
        name=name or f"{getattr(item, '__name__', type(item).__name__)}Page",
    )


class LookupArgs(Schema):
    """A typeahead's query: part of a name, an email or a code (no text, no results)."""

    q = fields.String(load_default="", validate=validate.Length(max=100))


class LookupItem(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True, metadata={"description": "what the picker shows (a name)"})
    hint = fields.String(metadata={"description": "a second line: codes or an email"})


class LookupPage(Schema):
    """At most 20 matches, best first; no paging (type more to narrow)."""

    items = fields.List(fields.Nested(LookupItem), required=True)

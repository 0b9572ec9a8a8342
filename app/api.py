"""The JSON API under /api/v1: bearer-token auth, the error format, keyset pagination, OpenAPI.

Modules create ``flask_smorest.Blueprint``s and register them with ``register_api(app, bp)``.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, jsonify, request
from flask_login import current_user
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, ValidationError, fields, validate

from app.errors import Invalid, Unauthorized, error_body
from app.extensions import csrf, db

API_PREFIX = "/api/v1"


class PresidioApi(Api):
    def handle_http_exception(self, error):  # flask-smorest's own format -> ours
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        fields_: dict[str, Any] = {}
        for location in (data.get("messages") or {}).values():
            if isinstance(location, dict):
                fields_.update(location)
        if fields_ and status == 400:
            status = 422
        from app.errors import HTTP_CODES, _http_message

        message = data.get("message") or _http_message(status, error)
        return jsonify(error_body(HTTP_CODES.get(status, "error"), message, fields_ or None)), status


api = PresidioApi()


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None)


def encode_cursor(values: Sequence[Any]) -> str:
    def conv(v: Any) -> Any:
        if isinstance(v, dt.datetime | dt.date):
            return {"$dt": v.isoformat()}
        if isinstance(v, decimal.Decimal):
            return str(v)
        return v

    raw = json.dumps([conv(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list):
            raise ValueError
        out = []
        for v in values:
            if isinstance(v, dict) and "$dt" in v:
                parsed = dt.datetime.fromisoformat(v["$dt"])
                out.append(parsed)
            else:
                out.append(v)
        return out
    except (ValueError, TypeError) as exc:
        raise Invalid("cursore non valido", {"cursor": ["cursore non valido"]}) from exc


def keyset_page(
    stmt: sa.Select,
    order: Sequence[Any],
    *,
    limit: int,
    cursor: str | None,
    descending: bool = True,
    scalars: bool = True,
) -> tuple[list[Any], str | None]:
    """Page ``stmt`` by the columns in ``order`` (all in one direction; the last must be unique).

    Returns the items and the cursor of the next page (None on the last page).
    """
    if cursor:
        values = decode_cursor(cursor)
        if len(values) != len(order):
            raise Invalid("cursore non valido", {"cursor": ["cursore non valido"]})
        key = sa.tuple_(*order) if len(order) > 1 else order[0]
        bound = sa.tuple_(*[sa.literal(v) for v in values]) if len(order) > 1 else values[0]
        stmt = stmt.where(key < bound if descending else key > bound)
    stmt = stmt.order_by(*[(c.desc() if descending else c.asc()) for c in order]).limit(limit + 1)
    result = db.session.execute(stmt)
    rows = list(result.scalars() if scalars else result.all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_key_value(last, c) for c in order])
    return rows, next_cursor


def _key_value(row: Any, column: Any) -> Any:
    name = column.key if hasattr(column, "key") else str(column)
    if hasattr(row, "_mapping"):
        mapping = row._mapping
        if column in mapping:
            return mapping[column]
        return mapping[name]
    return getattr(row, name)


def page(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}


def _authenticate_api() -> None:
    """API requests act only through a bearer token: no session cookie, so no CSRF exposure."""
    if request.path in (f"{API_PREFIX}/openapi.json",) or request.method == "OPTIONS":
        return
    from app.auth.services import user_for_token

    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    user = user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise Unauthorized("token mancante, scaduto o revocato")
    g._login_user = user  # what flask_login.current_user returns for this request
    g.api_user = user


def register_api(app: Flask, bp: ApiBlueprint) -> None:
    bp.before_request(_authenticate_api)
    csrf.exempt(bp)
    api.register_blueprint(bp)


def init_app(app: Flask) -> None:
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
            "info": {
                "description": "Presidio — helpdesk e CRM del Centro di Competenza. Errors: "
                "{error: {code, message, fields}}. Lists: {items, next_cursor}."
            },
        },
    )
    api.init_app(app)
    me_bp = ApiBlueprint("api_me", __name__, url_prefix=f"{API_PREFIX}/me", description="The token's user")

    class MeSchema(Schema):
        id = fields.Integer()
        email = fields.String()
        name = fields.String()
        role = fields.String()
        organization_id = fields.Integer(allow_none=True)

    @me_bp.route("")
    @me_bp.response(200, MeSchema)
    def me():
        return current_user

    register_api(app, me_bp)


def parse_or_422(schema: Schema, data: Any, **kwargs: Any) -> Any:
    """Load with a marshmallow schema; errors become 422 with the fields named."""
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise Invalid("dati non validi", messages) from exc

"""The JSON API under /api/v1: bearer-token auth, the error format, keyset pagination, OpenAPI.

Modules create ``flask_smorest.Blueprint``s and register them with ``register_api(app, bp)``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import marshmallow as ma
from apispec import BasePlugin
from flask import Flask, g, jsonify, request
from flask_login import current_user
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import ValidationError, fields
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

from app.errors import BadRequest, Invalid, Unauthorized, error_body
from app.extensions import csrf
from app.idempotency import idempotent
from app.pagination import decode_cursor, encode_cursor, keyset_page
from app.schemas import INT32_MAX, ErrorSchema, Money, PageArgs, Schema, page_schema

__all__ = [
    "API_PREFIX",
    "ApiBlueprint",
    "Money",
    "PageArgs",
    "Schema",
    "decode_cursor",
    "encode_cursor",
    "idempotent",
    "keyset_page",
    "page",
    "page_schema",
    "parse_or_422",
    "register_api",
]

API_PREFIX = "/api/v1"
MAX_JSON_DEPTH = 64
ERROR_STATUSES = (400, 401, 403, 404, 409, 422)


# --- parsing: JSON depth, bounded ids in paths ---------------------------------------------------

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def json_depth(raw: bytes) -> int:
    """How deeply ``raw`` JSON nests arrays and objects (strings skipped), without parsing it."""
    depth = deepest = 0
    for char in _JSON_STRING.sub(b"", raw):
        if char in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in b"]}":
            depth -= 1
    return deepest


class PresidioParser(FlaskParser):
    """webargs for the API: JSON nested deeper than MAX_JSON_DEPTH is 400 before it is parsed."""

    def _raw_load_json(self, req: Any) -> Any:
        if not webargs_core.is_json(req.mimetype):
            return webargs_core.missing
        raw = req.get_data(cache=True)
        if json_depth(raw) > MAX_JSON_DEPTH:
            raise BadRequest(f"JSON annidato oltre {MAX_JSON_DEPTH} livelli", {"json": ["annidato troppo"]})
        return webargs_core.parse_json(raw)


# Every API blueprint parses through the same parser (set before any module decorates its routes).
ApiBlueprint.ARGUMENTS_PARSER = PresidioParser()


def read_json() -> Any:
    """The request's JSON body for routes that read it by hand: 400 if malformed or too deep, {} if none."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise BadRequest(f"JSON annidato oltre {MAX_JSON_DEPTH} livelli", {"json": ["annidato troppo"]})
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise BadRequest("JSON non valido", {"json": ["JSON non valido"]}) from exc


class IdConverter(IntegerConverter):
    """``<int:...>`` in a URL: a number beyond the id columns' range does not match (404), never a
    database error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)
        if self.max == INT32_MAX and not self.signed and not self.fixed_digits:
            # The range in the pattern itself: a number beyond it matches no rule at all, so an URL whose
            # GET and PATCH are separate rules answers 404 for both (a failed conversion after the
            # method check would answer 405).
            self.regex = INT32_PATTERN


# 0..2147483647 as a regular expression (no sign, no leading zeros beyond ten digits).
INT32_PATTERN = (
    r"(?:\d{1,9}|[01]\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
    r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7])"
)


# --- the API and its document ---------------------------------------------------------------------


class PresidioApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):  # flask-smorest's own format -> ours
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        from app.errors import HTTP_CODES, _http_message, split_parser_messages

        fields_, unreadable = split_parser_messages(data.get("messages"))
        if status in (400, 422) and data.get("messages"):
            status = 400 if unreadable else 422

        message = data.get("message") or _http_message(status, error)
        response = jsonify(error_body(HTTP_CODES.get(status, "error"), message, fields_ or None))
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, status


class ErrorResponsesPlugin(BasePlugin):
    """Every operation documents the real error body for 400/401/403/404/409/422; a 204 has no body."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            if not any(str(code).startswith("2") for code in responses):  # not the error body: undescribed JSON
                responses["200"] = {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            for status in ERROR_STATUSES:
                responses.setdefault(str(status), PresidioApi.DEFAULT_ERROR_RESPONSE_NAME)
            if "204" in responses and isinstance(responses["204"], dict):
                responses["204"].pop("content", None)


def _presidio_doc(doc: dict, doc_info: dict, **kwargs: Any) -> dict:
    """Doc added by Presidio's decorators (``idempotent``'s header, alternative request bodies)."""
    body = doc.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if isinstance(body, type) and issubclass(body, ma.Schema):
        body = body()
    # every field optional (or a partial PATCH): no body is an empty change, not an error
    if isinstance(body, ma.Schema) and (body.partial is True or not any(f.required for f in body.fields.values())):
        doc["requestBody"]["required"] = False  # every field optional: no body is an empty change
    extra = doc_info.get("presidio") or {}
    if extra.get("parameters"):
        doc.setdefault("parameters", []).extend(extra["parameters"])
    if extra.get("request_body"):
        doc["requestBody"] = extra["request_body"]
    return doc


api = PresidioApi(spec_kwargs={"extra_plugins": [ErrorResponsesPlugin()]})


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
    """Serve ``bp`` under the API: bearer-token auth, no CSRF, Presidio's doc additions.

    A blueprint object may be registered by several apps in one process (tests): later apps only
    re-register it with the API."""
    if bp._got_registered_once:
        api.register_blueprint(bp)
        return
    bp.before_request(_authenticate_api)
    if _presidio_doc not in bp._prepare_doc_cbks:
        bp._prepare_doc_cbks.append(_presidio_doc)
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
    # Before the API's routes are added: ids beyond the column range in a path do not match (404).
    app.url_map.converters["int"] = IdConverter
    api.init_app(app)
    if not any(conv is IdConverter for conv, _ in api._converters):
        api.register_converter(IdConverter, lambda c: {"type": "integer", "minimum": 0, "maximum": c.max or INT32_MAX})
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

"""Domain errors and the one place that maps them to JSON or HTML responses."""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import ServiceUnavailable as ServiceUnavailableHTTP


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(message or self.code)
        self.message = message or self.code
        self.fields = fields or {}


class BadRequest(DomainError):
    """A request that cannot be read at all (malformed JSON, a foreign cursor): 400."""

    status = 400
    code = "bad_request"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Invalid(DomainError):
    """Input that breaks a rule; `fields` names what is wrong."""

    status = 422
    code = "validation_error"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


def split_parser_messages(messages: Any) -> tuple[dict[str, Any], bool]:
    """webargs' ``{"json": {"field": [...]}, "query": {...}}`` -> ``{"field": [...]}``; a location
    answered with a bare list (``{"json": ["Invalid JSON body."]}``) means the body could not be read."""
    fields: dict[str, Any] = {}
    unreadable = False
    for location, location_fields in (messages or {}).items():
        if isinstance(location_fields, dict):
            fields.update(location_fields)
        else:
            fields[location] = location_fields
            unreadable = True
    return fields, unreadable


def _respond(status: int, code: str, message: str, fields: dict[str, Any] | None = None):
    if wants_json():
        return jsonify(error_body(code, message, fields)), status
    return render_template("app/error.html", status=status, message=message, fields=fields or {}), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        message = err.message
        if message.lower() in GENERIC_MESSAGES or message == err.code:
            message = _http_message(err.status)  # a person reads a sentence in their language
        return _respond(err.status, err.code, message, err.fields)

    @app.errorhandler(ValidationError)
    def _validation(err: ValidationError):
        messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
        return _respond(422, "validation_error", _("Dati non validi."), messages)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        status = err.code or 500
        fields = None
        data = getattr(err, "data", None)
        if isinstance(data, dict) and "messages" in data:
            # webargs/flask-smorest parsing errors: {"json": {"field": [...]}} -> {"field": [...]}
            fields, unreadable = split_parser_messages(data["messages"])
            if status in (400, 422):
                status = 400 if unreadable else 422
        response = app.make_response(
            _respond(status, HTTP_CODES.get(status, "error"), _http_message(status, err), fields)
        )
        for name, value in err.get_headers():  # Allow on a 405, WWW-Authenticate, Retry-After...
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    @app.errorhandler(sa_exc.DisconnectionError)
    def _database_unavailable(err: Exception):
        """The database went away (restart, failover, network): a clean 503, never a traceback.

        The session is rolled back so nothing half-written survives, and the pool (pre-ping) opens
        fresh connections by itself once PostgreSQL is back.
        """
        from app.extensions import db

        app.logger.warning("database unavailable: %s", str(err).splitlines()[0] if str(err) else type(err).__name__)
        with contextlib.suppress(Exception):  # the connection may already be gone
            db.session.rollback()
        try:
            message = _http_message(503, ServiceUnavailableHTTP())
        except Exception:  # noqa: BLE001 - choosing the locale needed the database (the user's language)
            with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
                message = _http_message(503, ServiceUnavailableHTTP())
        try:
            response = _respond(503, "service_unavailable", message)
        except Exception:  # noqa: BLE001 - the error page itself needed the database (current user)
            body = error_body("service_unavailable", message)
            response = (
                (jsonify(body), 503)
                if wants_json()
                else (f"<!doctype html><title>503</title><h1>503</h1><p>{message}</p>", 503)
            )
        resp = app.make_response(response)
        resp.headers["Retry-After"] = "5"
        return resp

    @app.teardown_appcontext
    def _release_session(_exc: BaseException | None) -> None:
        """Runs before Flask-SQLAlchemy's own teardown (registered after it): closing the session rolls
        back on its connection, and if the database went away in the meantime that rollback raises and
        would turn a served request into a 500. A dead connection is dropped instead (the pool opens a
        fresh one for the next request)."""
        from app.extensions import db

        try:
            db.session.remove()
        except sa_exc.DBAPIError:
            with contextlib.suppress(Exception):
                db.session().invalidate()
            with contextlib.suppress(Exception):
                db.session.remove()

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error", exc_info=err)
        return _respond(500, "internal_error", _("Si è verificato un errore imprevisto. Riprova più tardi."))


GENERIC_MESSAGES = {"forbidden", "not found", "authentication required", "unauthorized", "conflict"}


def _http_message(status: int, err: HTTPException | None = None) -> str:
    messages = {
        400: _("Richiesta non valida."),
        401: _("Autenticazione richiesta."),
        403: _("Non hai i permessi per questa operazione."),
        404: _("Risorsa non trovata."),
        405: _("Metodo non consentito."),
        413: _("Il file inviato è troppo grande."),
        415: _("Formato non supportato."),
        422: _("Dati non validi."),
        429: _("Troppe richieste: riprova più tardi."),
        503: _("Servizio non disponibile."),
    }
    if err is not None and status == 400 and err.description and "CSRF" in str(err.description):
        return _("La sessione del modulo è scaduta: ricarica la pagina e riprova.")
    return messages.get(status, (err.description if err is not None else None) or _("Errore."))

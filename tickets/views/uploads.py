"""An upload over the request limit (413) on a ticket form: the same form again, with the error next to
the file field and everything typed kept. Werkzeug refuses to parse a body over MAX_CONTENT_LENGTH, so
the text fields are read here from the raw stream while the files' bytes are skipped."""

from __future__ import annotations

from typing import IO, Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from app.errors import HTTP_CODES, _http_message, _respond, wants_json
from tickets import services
from tickets.forms import PortalReplyForm, PortalRequestForm
from tickets.views.helpers import _service_choices, bp

# How much of an oversized body is read to find the text fields (they come before the files in the
# forms' order); what lies beyond is not read.
READ_LIMIT = 256 * 1024 * 1024
FIELD_LIMIT = 256 * 1024
CHUNK = 64 * 1024
FORMS = ("tickets.portal_new", "tickets.portal_reply", "tickets.reply")


def text_fields(stream: IO[bytes], content_type: str, length: int, *, limit: int = READ_LIMIT) -> MultiDict:
    """The text fields of a multipart/form-data body read from ``stream`` (at most ``length`` and
    ``limit`` bytes); file parts are skipped. Anything malformed ends the reading with what was found."""
    fields: MultiDict = MultiDict()
    mimetype, options = parse_options_header(content_type or "")
    boundary = options.get("boundary")
    if mimetype != "multipart/form-data" or not boundary:
        return fields
    try:
        decoder = MultipartDecoder(boundary.encode("latin-1"), max_form_memory_size=FIELD_LIMIT + CHUNK)
    except (ValueError, UnicodeEncodeError):
        return fields
    remaining = max(0, min(int(length or 0), limit))
    name: str | None = None
    parts: list[bytes] = []
    size = 0
    try:
        while True:
            event = decoder.next_event()
            if isinstance(event, NeedData):
                chunk = stream.read(min(CHUNK, remaining)) if remaining > 0 else b""
                remaining -= len(chunk)
                decoder.receive_data(chunk or None)
            elif isinstance(event, Field):
                name, parts, size = event.name, [], 0
            elif isinstance(event, File):
                name = None
            elif isinstance(event, Data):
                if name is not None and size < FIELD_LIMIT:
                    parts.append(event.data)
                    size += len(event.data)
                if not event.more_data and name is not None:
                    fields.add(name, b"".join(parts)[:FIELD_LIMIT].decode("utf-8", "replace"))
                    name = None
            elif isinstance(event, Epilogue):
                break
    except (ValueError, RequestEntityTooLarge):
        pass
    return fields


def _limit_message() -> str:
    limits = services.upload_limits()
    return _(
        "I file superano il limite di %(mb)s MB in tutto e non sono stati caricati: il testo è stato conservato, "
        "scegli file più piccoli (massimo %(file)s MB ciascuno).",
        mb=limits["total_mb"],
        file=limits["file_mb"],
    )


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(err: RequestEntityTooLarge) -> Any:
    """On the ticket forms: the form again with the error and the typed text; elsewhere the usual 413."""
    if request.endpoint not in FORMS or wants_json() or not current_user.is_authenticated:
        return _respond(413, HTTP_CODES.get(413, "error"), _http_message(413, err))
    fields = text_fields(
        request.environ["wsgi.input"], request.headers.get("Content-Type", ""), request.content_length or 0
    )
    # Every form built while answering reads what was typed (and no file), not the refused body.
    request.__dict__["form"] = fields
    request.__dict__["files"] = MultiDict()
    message = _limit_message()
    ticket_id = (request.view_args or {}).get("ticket_id")
    if request.endpoint == "tickets.portal_new":
        form = PortalRequestForm()
        form.service_id.choices = _service_choices()
        form.validate()
        form.files.errors = [message]
        return render_template("tickets/portal_new.html", form=form), 413
    if request.endpoint == "tickets.portal_reply" and ticket_id is not None:
        from tickets.views.portal import render_portal_detail

        ticket = services.ticket_for(current_user, ticket_id)
        reply_form = PortalReplyForm()
        reply_form.files.errors = [message]
        return render_portal_detail(ticket, reply_form=reply_form), 413
    # the operator's composer: its draft stays in the browser (workspace.js); say why nothing was sent
    current_app.logger.info("upload over the limit on %s", request.endpoint)
    flash(message, "error")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id))

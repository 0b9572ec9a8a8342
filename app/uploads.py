"""A form whose upload went over the request limit (413) answers the same form again, with the error
next to the file field and everything typed kept, not a bare 413 page. Werkzeug refuses to parse a body
over MAX_CONTENT_LENGTH, so the text fields are read here from the raw stream while the files' bytes are
skipped. A module registers its forms: ``register_oversize_form(endpoint, render)``, where
``render()`` builds the answer from ``request.form`` (the typed text, no file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from flask import Flask, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

# How much of an oversized body is read to find the text fields (they come before the files in the
# forms' order); what lies beyond is not read.
READ_LIMIT = 256 * 1024 * 1024
FIELD_LIMIT = 256 * 1024
CHUNK = 64 * 1024


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


OversizeRender = Callable[[], Any]
_FORMS: dict[str, OversizeRender] = {}


def register_oversize_form(endpoint: str, render: OversizeRender) -> None:
    """``render()`` answers a refused oversized POST to ``endpoint``; ``request.form`` then holds the
    text fields that were typed and ``request.files`` is empty. It returns a response (status included)."""
    _FORMS[endpoint] = render


def init_app(app: Flask) -> None:
    from app.errors import HTTP_CODES, _http_message, _respond, wants_json

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(err: RequestEntityTooLarge) -> Any:
        render = _FORMS.get(request.endpoint or "")
        if render is None or wants_json():
            return _respond(413, HTTP_CODES.get(413, "error"), _http_message(413, err))
        fields = text_fields(
            request.environ["wsgi.input"], request.headers.get("Content-Type", ""), request.content_length or 0
        )
        # Every form built while answering reads what was typed (and no file), not the refused body.
        request.__dict__["form"] = fields
        request.__dict__["files"] = MultiDict()
        return render()

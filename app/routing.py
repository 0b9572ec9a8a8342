"""URLs from outside: bounded integers in paths and the one same-origin test for redirect targets."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from flask import Flask, request
from werkzeug.routing import IntegerConverter, ValidationError

INT_MAX = 2**31 - 1  # PostgreSQL ``integer``: every id in a path fits, anything larger matches no route


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` everywhere (web and API): beyond the integer column range the route does not match,
    so ``/tickets/99999999999999999999`` is a 404 and never reaches the database."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: Any = None, max: Any = None, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits, min, INT_MAX if max is None else max, signed)

    def to_python(self, value: str) -> Any:
        if len(value) > 20:  # int() refuses thousands of digits with a ValueError, not a no-match
            raise ValidationError()
        return super().to_python(value)


def safe_redirect_target(target: Any) -> str | None:
    r"""``target`` as a path of this site when it is one, else None: the one test for ``next=`` and
    every other redirect taken from a request.

    A path passes when it begins with exactly one ``/``; an absolute URL only with this request's own
    scheme and host (it comes back as a path). Refused: another host (``//evil``, ``https://evil``),
    a scheme without a host (``https:evil``, ``javascript:``), a backslash anywhere (browsers read
    ``/\evil`` as ``//evil``), whitespace or a control character anywhere (browsers drop TAB and line
    breaks: ``/\t/evil.example`` becomes ``//evil.example``; CR/LF would split the header), and the
    same tricks percent-encoded in the path (``/%2F%2Fevil``, ``/%5Cevil``, ``/%09/evil``).
    """
    if not isinstance(target, str) or not target or len(target) > 2000 or not _clean(target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # "//[" and other URLs the parser refuses (an unbalanced IPv6 bracket)
        return None
    if parts.scheme or parts.netloc:
        try:
            base = urlsplit(request.host_url)
        except RuntimeError:  # outside a request nothing absolute is ours
            return None
        if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme.lower(), base.netloc.lower()):
            return None
        target = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
        parts = urlsplit(target)
    path = unquote(parts.path)
    for text in (target, path):
        if not text.startswith("/") or text.startswith("//"):
            return None
    if not _clean(path):
        return None
    return target


def _clean(text: str) -> bool:
    return not any(c == "\\" or c.isspace() or not c.isprintable() for c in text)


_INT_NAMES = {"id", "page", "year", "month", "day", "before", "after", "limit", "offset"}


def _int_param(key: str) -> bool:
    return key in _INT_NAMES or key.endswith("_id")


def _out_of_range(value: str) -> bool:
    text = value.strip()
    digits = text[1:] if text[:1] in "+-" else text
    return digits.isdigit() and (len(digits) > 10 or int(text) > INT_MAX or int(text) < -INT_MAX - 1)


def _refuse_hostile_query() -> None:
    """A web page's query string (filters, search) with a NUL byte or another control character is
    refused, naming the parameter (422), before any view hands it to the database; so is an id, year or
    page number beyond PostgreSQL's ``integer`` (``?organization_id=99999999999``: the database would
    fail the query). Free text (``q``: a notice code has 18 digits) is left alone. The API parses its
    own query with its schemas."""
    if request.path.startswith("/api/"):
        return
    from app.errors import Invalid
    from app.text import unsafe_char

    for key, value in request.args.items(multi=True):
        bad = unsafe_char(key) or unsafe_char(value)
        if bad is not None:
            name = key if unsafe_char(key) is None else "query"
            raise Invalid(f"carattere non ammesso ({bad})", {name: [f"carattere non ammesso ({bad})"]})
        if _int_param(key) and _out_of_range(value):
            raise Invalid("numero fuori intervallo", {key: ["numero fuori dall'intervallo ammesso"]})


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_refuse_hostile_query)
    from flask_smorest.spec.plugins import integerconverter2paramschema

    from app.api import api

    if not any(conv is BoundedIntConverter for conv, _ in api._converters):
        api.register_converter(BoundedIntConverter, integerconverter2paramschema)

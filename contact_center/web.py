"""How the contact center's pages show a domain error, written once: the work is rolled back, the
error is flashed (with its fields) and the user goes back where the action started. Views stay free
of ``try`` blocks and of the database session."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, flash

from app.errors import DomainError, Invalid
from app.extensions import db


def flash_error(exc: DomainError) -> None:
    details = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in (exc.fields or {}).items())
    flash(f"{exc.message}" + (f" ({details})" if details else ""), "error")


def flash_domain_errors(back: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator: a ``DomainError`` from the service becomes a flashed message and ``back(**view
    arguments)`` (a redirect to the page the action was started from)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                return view(*args, **kwargs)
            except DomainError as exc:
                db.session.rollback()
                flash_error(exc)
                return back(*args, **kwargs)

        return wrapped

    return decorate


def page_or_400(stmt: Any, columns: list[Any], *, limit: int, cursor: str | None) -> tuple[list[Any], str | None]:
    """``keyset_page`` for a page whose ``?cursor=`` came from the address bar: a malformed or foreign
    cursor is a bad request (400), as the robustness promises say, not a form error."""
    from app.api import keyset_page

    try:
        return keyset_page(stmt, columns, limit=limit, cursor=cursor)
    except Invalid as exc:
        if "cursor" in (exc.fields or {}):
            abort(400)
        raise

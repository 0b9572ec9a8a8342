"""How the contact center's pages show a domain error, written once: the work is rolled back, the
error is flashed (with its fields) and the user goes back where the action started. Views stay free
of ``try`` blocks and of the database session."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import flash

from app.errors import DomainError
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

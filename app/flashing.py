"""Domain errors on web pages, mapped in one place: a flashed message instead of a ``try`` in every view.

- ``@flashes_errors(back)``: a POST view that calls one service and redirects. A refused change
  (Invalid, Conflict, Forbidden) is flashed and the user sent back to ``back(**view_args)``; NotFound
  still answers 404 (the JSON/HTML handlers of ``app.errors``).
- ``submit(form, service, **kwargs)``: a form page. The service's field errors go under the form's
  fields (or are flashed), and None comes back so the view renders the form again with what was typed.
- ``check_all(form, check, **kwargs)``: a form its own validators refused; the service's check (which
  saves nothing) adds its messages to the other fields, so every error shows in one round.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from flask_babel import gettext as _

from app.errors import DomainError, NotFound


def flash_error(exc: DomainError) -> None:
    details = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in (exc.fields or {}).items())
    flash(f"{exc.message}" + (f" ({details})" if details else ""), "error")


def flashes_errors(
    back: Callable[..., str],
    *,
    catch: tuple[type[DomainError], ...] = (DomainError,),
    report: Callable[[DomainError], None] = flash_error,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``catch``: the refusals shown as a message (others keep their status code); ``report``: how the
    module words them (``flash_error`` unless it has its own)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return view(*args, **kwargs)
            except NotFound:
                raise
            except catch as exc:
                report(exc)
                return redirect(back(**kwargs))

        return wrapper

    return decorate


def submit(
    form: Any,
    func: Callable[..., Any],
    *,
    catch: tuple[type[DomainError], ...] = (DomainError,),
    report: Callable[[DomainError], None] = flash_error,
    **kwargs: Any,
) -> Any:
    """Call a service; on a domain error put its messages on the named fields of ``form`` (``report``
    the rest) and return None."""
    try:
        return func(**kwargs)
    except NotFound:
        raise
    except catch as exc:
        placed = False
        for field, messages in (exc.fields or {}).items():
            target = getattr(form, field, None) if form is not None else None
            if target is not None and hasattr(target, "errors"):
                errors = list(target.errors) if not isinstance(target.errors, list) else target.errors
                errors.extend(messages)
                target.errors = errors
                placed = True
        if placed:
            flash(_("Controlla i campi evidenziati."), "error")
        else:
            report(exc)
        return None


def check_all(form: Any, check: Callable[..., Any], **kwargs: Any) -> None:
    """Run a service's check on what the refused ``form`` holds and put its messages on the fields
    the form's own validators left clean (a field keeps one explanation, not two)."""
    try:
        check(**kwargs)
    except NotFound:
        return
    except DomainError as exc:
        for name, messages in (exc.fields or {}).items():
            target = getattr(form, name, None)
            if target is None or not hasattr(target, "errors") or target.errors:
                continue
            target.errors = [*messages]

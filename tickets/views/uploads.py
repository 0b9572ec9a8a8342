"""An upload over the request limit (413) on a ticket form: the same form again, with the error next to
the file field and everything typed kept (``app.uploads`` reads the typed text from the refused body)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import HTTP_CODES, _http_message, _respond
from app.uploads import register_oversize_form, text_fields
from tickets import services
from tickets.forms import PortalReplyForm, PortalRequestForm
from tickets.views.helpers import _service_choices

__all__ = ["text_fields"]


def _limit_message() -> str:
    limits = services.upload_limits()
    return _(
        "I file superano il limite di %(mb)s MB in tutto e non sono stati caricati: il testo è stato conservato, "
        "scegli file più piccoli (massimo %(file)s MB ciascuno).",
        mb=limits["total_mb"],
        file=limits["file_mb"],
    )


def _refused() -> Any:
    return _respond(413, HTTP_CODES.get(413, "error"), _http_message(413))


def _portal_new() -> Any:
    if not current_user.is_authenticated:
        return _refused()
    form = PortalRequestForm()
    form.service_id.choices = _service_choices()
    form.validate()
    form.files.errors = [_limit_message()]
    return render_template("tickets/portal_new.html", form=form), 413


def _portal_reply() -> Any:
    ticket_id = (request.view_args or {}).get("ticket_id")
    if not current_user.is_authenticated or ticket_id is None:
        return _refused()
    from tickets.views.portal import render_portal_detail

    ticket = services.ticket_for(current_user, ticket_id)
    reply_form = PortalReplyForm()
    reply_form.files.errors = [_limit_message()]
    return render_portal_detail(ticket, reply_form=reply_form), 413


def _reply() -> Any:
    """The operator's composer: its draft stays in the browser (workspace.js); say why nothing was sent."""
    ticket_id = (request.view_args or {}).get("ticket_id")
    if not current_user.is_authenticated or ticket_id is None:
        return _refused()
    current_app.logger.info("upload over the limit on %s", request.endpoint)
    flash(_limit_message(), "error")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id))


register_oversize_form("tickets.portal_new", _portal_new)
register_oversize_form("tickets.portal_reply", _portal_reply)
register_oversize_form("tickets.reply", _reply)

"""What the ticket pages share: the blueprint, uploaded files, pick lists, names, the timeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import DomainError, Invalid
from tickets import services
from tickets.models import Ticket

# Rooted at the tickets package, where its static/ folder lives.
bp = Blueprint(
    "tickets",
    __name__,
    root_path=str(Path(__file__).resolve().parent.parent),
    static_folder="static",
    static_url_path="/ticket/static",
)


OPEN_STATES = services.OPEN_STATES


SLA_FIELDS = (
    "sla_state",
    "first_response_due",
    "first_responded_at",
    "resolution_due",
    "resolved_at",
    "sla_policy_id",
    "sla_paused_seconds",
)


def _files() -> list[tuple[str, bytes, str]]:
    out = []
    for storage in request.files.getlist("files") + request.files.getlist("file"):
        if storage and storage.filename:
            out.append((storage.filename, storage.read(), storage.mimetype or "application/octet-stream"))
    return out


def _flash_error(exc: DomainError) -> None:
    details = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in (exc.fields or {}).items())
    flash(f"{exc.message}" + (f" ({details})" if details else ""), "error")


def _org_choices() -> list[tuple[Any, str]]:
    return [("", _("— nessuno —")), *services.active_organizations()]


def _service_choices() -> list[tuple[Any, str]]:
    from crm.services import list_services

    return [("", _("— non indicato —"))] + [(s.id, s.name) for s in list_services()]


def _operator_choices() -> list[tuple[Any, str]]:
    return [("", _("— nessuno —"))] + [(u.id, u.display_name) for u in services.list_operators()]


def _team_choices() -> list[tuple[Any, str]]:
    return [("", _("— nessuno —"))] + [(t.id, t.name) for t in services.list_teams()]


def _names(tickets: list[Ticket], known: dict[str, dict[int, str]] | None = None) -> dict[str, dict[int, str]]:
    return services.names_for(tickets, known)


def _timeline(
    ticket: Ticket,
    *,
    staff: bool,
    history: list[Any] | None = None,
    actors: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """Messages (with their attachments), status changes and loose attachments, oldest first.

    ``history`` (the status changes, when the caller already has them) and ``actors`` (user names by
    id) spare their queries."""
    messages = services.messages_for(ticket.id, include_internal=staff)
    attachments = services.attachments_for(ticket.id, include_internal=staff)
    by_message: dict[int | None, list[Any]] = {}
    for att in attachments:
        by_message.setdefault(att.message_id, []).append(att)
    events: list[dict[str, Any]] = []
    for m in messages:
        events.append({"kind": "message", "at": m.created_at, "message": m, "attachments": by_message.get(m.id, [])})
    for att in by_message.get(None, []):
        events.append({"kind": "attachment", "at": att.created_at, "attachment": att})
    names: dict[int, str] = dict(actors or {})
    changes = history if history is not None else services.status_history(ticket.id)
    names.update(services.user_names({c.actor_id for c in changes if c.actor_id and c.actor_id not in names}))
    for change in changes:
        actor = names.get(change.actor_id, "") if change.actor_id else ""
        events.append({"kind": "status", "at": change.at, "change": change, "actor": actor})
    order = {"status": 0, "message": 1, "attachment": 2}
    events.sort(key=lambda e: (e["at"], order[e["kind"]]))
    return events


def _sla_fields(ticket: Ticket) -> list[tuple[str, Any]]:
    labels = {
        "sla_state": _("Stato SLA"),
        "first_response_due": _("Prima risposta entro"),
        "first_responded_at": _("Prima risposta data il"),
        "resolution_due": _("Risoluzione entro"),
        "resolved_at": _("Risolto il"),
        "sla_policy_id": _("Politica SLA"),
        "sla_paused_seconds": _("Tempo in pausa (secondi)"),
    }
    return [(labels[f], getattr(ticket, f)) for f in SLA_FIELDS if hasattr(ticket, f)]


def _today_start() -> dt.datetime:
    tz = ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Rome"))
    local = dt.datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.astimezone(dt.UTC)


def _back(ticket_id: int):
    return redirect(url_for("tickets.detail", ticket_id=ticket_id))


def _by_number(number: str) -> Ticket:
    other = services.find_ticket_by_number(number or "")
    if other is None:
        raise Invalid(_("Nessun ticket con questo numero."), {"number": [number]})
    return services.ticket_for(current_user, other.id)

"""Macros: a named set of actions an operator applies to one ticket or to a selection.

A macro changes nothing by itself: applying it calls the ticket services an operator would call by
hand (``reply`` for the canned text, ``update_ticket`` for status, priority, assignment and tags),
so the lifecycle rules, the audit log, the SLA clock and the outbox notifications are the same. Each
ticket is one transaction: a refused action leaves that ticket as it was, and a bulk run goes on
with the next ticket, reporting each one. Only staff who work tickets (admin, operator) apply them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.auth.models import Role
from app.db import transaction
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from tickets.models import CannedResponse, Macro, MacroAssign, Priority, TicketStatus
from tickets.services.access import ticket_for, visible_ticket_ids
from tickets.services.assignment import update_ticket
from tickets.services.canned import render_canned
from tickets.services.common import _check_refs, _enum
from tickets.services.conversation import reply
from tickets.services.properties import normalize_tags, ticket_tags

MACRO_FIELDS = (
    "name",
    "active",
    "status",
    "priority",
    "assign",
    "assignee_id",
    "team_id",
    "canned_id",
    "canned_internal",
    "add_tags",
    "remove_tags",
)
BULK_LIMIT = 500


def _check_worker(actor: Any) -> None:
    """Macros are the operators' tool: a referente (or finance) never applies one."""
    if actor is not None and getattr(actor, "role", None) not in (Role.ADMIN, Role.OPERATOR):
        raise Forbidden("solo gli operatori applicano le macro")


def list_macros(*, active_only: bool = True) -> list[Macro]:
    stmt = sa.select(Macro).order_by(Macro.name)
    if active_only:
        stmt = stmt.where(Macro.active.is_(True))
    return list(db.session.scalars(stmt))


def get_macro(macro_id: int) -> Macro:
    macro = db.session.get(Macro, macro_id)
    if macro is None:
        raise NotFound("macro non trovata")
    return macro


def _clean(values: dict[str, Any], current: Macro | None) -> dict[str, Any]:
    """The macro's fields checked together; every problem is reported at once."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    unknown = set(values) - set(MACRO_FIELDS)
    for key in sorted(unknown):
        errors[key] = ["campo sconosciuto"]

    def take(key: str, default: Any) -> Any:
        if key in values:
            return values[key]
        return getattr(current, key) if current is not None else default

    name = (take("name", "") or "").strip()
    if not name:
        errors["name"] = ["obbligatorio"]
    elif len(name) > 100:
        errors["name"] = ["al massimo 100 caratteri"]
    out["name"] = name
    out["active"] = bool(take("active", True))
    for key, enum_cls in (("status", TicketStatus), ("priority", Priority), ("assign", MacroAssign)):
        raw = take(key, MacroAssign.KEEP if key == "assign" else None)
        if raw in (None, ""):
            out[key] = MacroAssign.KEEP if key == "assign" else None
            continue
        try:
            out[key] = _enum(enum_cls, raw, key)
        except Invalid as exc:
            errors.update(exc.fields or {key: ["valore non valido"]})
    for key in ("assignee_id", "team_id", "canned_id"):
        raw = take(key, None)
        out[key] = None if raw in (None, "") else raw
    if out.get("assign") == MacroAssign.USER and out["assignee_id"] is None:
        errors["assignee_id"] = ["scegli l'operatore a cui assegnare"]
    if out.get("assign") != MacroAssign.USER:
        out["assignee_id"] = None
    try:
        _check_refs(assignee_id=out["assignee_id"], team_id=out["team_id"])
    except Invalid as exc:
        errors.update(exc.fields or {})
    if out["canned_id"] is not None and db.session.get(CannedResponse, out["canned_id"]) is None:
        errors["canned_id"] = ["risposta predefinita inesistente"]
    out["canned_internal"] = bool(take("canned_internal", False))
    for key in ("add_tags", "remove_tags"):
        try:
            out[key] = ",".join(normalize_tags(take(key, "") or ""))
        except Invalid as exc:
            errors[key] = (exc.fields or {}).get("tags", ["etichetta non valida"])
    if not errors and not _does_something(out):
        errors["name"] = ["la macro non fa nulla: scegli almeno un'azione"]
    if errors:
        raise Invalid("macro non valida", errors)
    return out


def _does_something(values: dict[str, Any]) -> bool:
    return any(
        (
            values["status"],
            values["priority"],
            values["assign"] != MacroAssign.KEEP,
            values["team_id"],
            values["canned_id"],
            values["add_tags"],
            values["remove_tags"],
        )
    )


def save_macro(*, actor: Any, macro_id: int | None = None, **values: Any) -> Macro:
    """Create (``macro_id=None``) or change a macro; a PATCH passes only what changes."""
    current = get_macro(macro_id) if macro_id is not None else None
    cleaned = _clean(values, current)
    with transaction(actor=actor):
        clash = db.session.scalar(sa.select(Macro).where(Macro.name == cleaned["name"]))
        if clash is not None and clash.id != macro_id:
            raise Invalid("nome già usato", {"name": ["nome già usato da un'altra macro"]})
        macro = current if current is not None else Macro()
        for key, value in cleaned.items():
            setattr(macro, key, value)
        if current is None:
            db.session.add(macro)
        db.session.flush()
    return macro


def delete_macro(*, macro_id: int, actor: Any) -> None:
    with transaction(actor=actor):
        db.session.delete(get_macro(macro_id))


def macro_changes(macro: Macro, *, ticket_id: int, actor: Any) -> dict[str, Any]:
    """What ``update_ticket`` gets from the macro for this ticket (tags are the ticket's, plus and minus)."""
    changes: dict[str, Any] = {}
    if macro.priority is not None:
        changes["priority"] = macro.priority.value
    if macro.team_id is not None:
        changes["team_id"] = macro.team_id
    if macro.assign == MacroAssign.ME:
        changes["assignee_id"] = getattr(actor, "id", None)
    elif macro.assign == MacroAssign.USER:
        changes["assignee_id"] = macro.assignee_id
    elif macro.assign == MacroAssign.NOBODY:
        changes["assignee_id"] = None
    if macro.add_tags or macro.remove_tags:
        removed = set(normalize_tags(macro.remove_tags))
        tags = [t for t in ticket_tags(ticket_id) if t not in removed]
        tags += [t for t in normalize_tags(macro.add_tags) if t not in tags]
        changes["tags"] = tags
    if macro.status is not None:
        changes["status"] = macro.status.value
    return changes


def apply_macro(*, macro_id: int, ticket_id: int, actor: Any) -> dict[str, Any]:
    """Apply every action of the macro to the ticket, all or nothing. Returns what was done:
    ``{"ticket_id", "message_id", "changed": [fields]}``."""
    _check_worker(actor)
    macro = get_macro(macro_id)
    if not macro.active:
        raise Conflict("la macro è disattivata", {"macro_id": ["macro disattivata"]})
    with transaction(actor=actor):
        ticket = ticket_for(actor, ticket_id)
        message_id = None
        if macro.canned_id is not None:
            canned = db.session.get(CannedResponse, macro.canned_id)
            if canned is not None:
                message = reply(
                    ticket_id=ticket.id,
                    body=render_canned(canned, ticket, actor),
                    internal=macro.canned_internal,
                    actor=actor,
                )
                message_id = message.id
        wanted = macro_changes(macro, ticket_id=ticket.id, actor=actor)
        current = {
            "priority": ticket.priority.value,
            "team_id": ticket.team_id,
            "assignee_id": ticket.assignee_id,
            "tags": ticket_tags(ticket.id),
            "status": ticket.status.value,
        }
        changes = {k: v for k, v in wanted.items() if v != current[k]}
        if changes:
            update_ticket(ticket_id=ticket.id, actor=actor, **changes)
    return {"ticket_id": ticket.id, "message_id": message_id, "changed": sorted(changes)}


def apply_macro_bulk(*, macro_id: int, ticket_ids: Iterable[int], actor: Any) -> dict[str, Any]:
    """Apply the macro to each ticket in its own transaction. A ticket refused (closed, a transition not
    allowed, not visible) is reported in ``errors`` and left untouched; the others are applied."""
    _check_worker(actor)
    macro = get_macro(macro_id)
    if not macro.active:
        raise Conflict("la macro è disattivata", {"macro_id": ["macro disattivata"]})
    wanted = list(dict.fromkeys(int(i) for i in ticket_ids))[:BULK_LIMIT]
    visible = visible_ticket_ids(actor, wanted)
    applied: list[int] = []
    errors: dict[int, str] = {}
    for ticket_id in wanted:
        if ticket_id not in visible:
            errors[ticket_id] = "ticket non trovato"
            continue
        try:
            apply_macro(macro_id=macro.id, ticket_id=ticket_id, actor=actor)
        except (Conflict, Invalid, NotFound, Forbidden) as exc:
            errors[ticket_id] = exc.message
            continue
        applied.append(ticket_id)
    return {"applied": applied, "errors": errors}

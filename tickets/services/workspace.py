"""The operator's ticket workspace: one properties panel saved by one call, who else has the ticket
open, the newest message (so two operators never answer the same comune twice), the next ticket."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.errors import Forbidden
from app.extensions import db
from tickets.models import Ticket, TicketMessage, TicketStatus
from tickets.services.access import ticket_for, visible_stmt
from tickets.services.assignment import update_ticket
from tickets.services.common import _is_staff
from tickets.services.properties import normalize_tags, ticket_tags

PANEL_FIELDS = (
    "status",
    "priority",
    "service_id",
    "assignee_id",
    "team_id",
    "organization_id",
    "requester_contact_id",
    "tags",
)
PRESENCE_SECONDS = 45


def _current(ticket: Ticket) -> dict[str, Any]:
    return {
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "service_id": ticket.service_id,
        "assignee_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "organization_id": ticket.organization_id,
        "requester_contact_id": ticket.requester_contact_id,
        "tags": ticket_tags(ticket.id),
    }


def save_properties(
    *, ticket_id: int, actor: Any, values: dict[str, Any], now: dt.datetime | None = None
) -> tuple[Ticket, list[str]]:
    """Save the properties panel: only the fields that differ from the ticket go through
    ``update_ticket`` (its rules: a closed ticket is final, references checked, the transition
    allowed, the new assignee notified), all in one transaction. Returns the ticket and the names
    of the fields changed. A referente may not use it (the ticket answers 404 if not its own)."""
    ticket = ticket_for(actor, ticket_id)
    if not _is_staff(actor):
        raise Forbidden("solo gli operatori modificano un ticket")
    current = _current(ticket)
    changes: dict[str, Any] = {}
    for key in PANEL_FIELDS:
        if key not in values:
            continue
        value = values[key]
        if key == "tags":
            value = normalize_tags(value)
        elif key in ("status", "priority"):
            value = str(value or "") or current[key]
        if value != current[key]:
            changes[key] = value
    if not changes:
        return ticket, []
    update_ticket(ticket_id=ticket.id, actor=actor, now=now, **changes)
    return ticket, sorted(changes)


def _presence_key(ticket_id: int) -> str:
    return f"{current_app.config['RQ_QUEUE_PREFIX']}:presence:ticket:{int(ticket_id)}"


def touch_presence(*, ticket_id: int, actor: Any, now: float | None = None) -> dict[str, Any]:
    """Record that ``actor`` has the ticket open and say who else has it and the newest message.
    Without Redis (inline mode) nobody else is reported."""
    ticket = ticket_for(actor, ticket_id)
    if not _is_staff(actor):
        raise Forbidden("solo gli operatori")
    now = time.time() if now is None else now
    others: list[str] = []
    if current_app.config.get("REDIS_URL"):
        from app.jobs import redis_connection

        conn = redis_connection()
        key = _presence_key(ticket.id)
        name = getattr(actor, "display_name", None) or getattr(actor, "email", "")
        conn.hset(key, str(actor.id), f"{now:.0f}|{name}")
        conn.expire(key, PRESENCE_SECONDS * 3)
        for user_id, raw in conn.hgetall(key).items():
            uid = user_id.decode() if isinstance(user_id, bytes) else str(user_id)
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            seen, _, other_name = text.partition("|")
            if uid == str(actor.id):
                continue
            if now - float(seen or 0) > PRESENCE_SECONDS:
                conn.hdel(key, uid)
                continue
            others.append(other_name)
    last = db.session.execute(
        sa.select(TicketMessage.id, TicketMessage.author_user_id, TicketMessage.author_label, TicketMessage.internal)
        .where(TicketMessage.ticket_id == ticket.id)
        .order_by(TicketMessage.id.desc())
        .limit(1)
    ).first()
    return {
        "viewers": sorted(others),
        "last_message_id": last.id if last else 0,
        "last_message_by_me": bool(last and last.author_user_id == actor.id),
        "last_message_author": last.author_label if last else "",
        "last_message_internal": bool(last and last.internal),
        "status": ticket.status.value,
    }


def next_ticket_id(*, actor: Any, after_id: int) -> int | None:
    """The next open ticket after this one (by number order) the operator may see; wraps around."""
    open_states = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
    base = visible_stmt(actor, sa.select(Ticket.id)).where(Ticket.status.in_(open_states), Ticket.id != after_id)
    found = db.session.scalar(base.where(Ticket.id > after_id).order_by(Ticket.id).limit(1))
    if found is None:
        found = db.session.scalar(base.order_by(Ticket.id).limit(1))
    return found


def upload_limits() -> dict[str, Any]:
    """What an upload may be, stated next to every file field and checked in the browser first:
    the size of one file, of the whole request, and the accepted extensions."""
    from tickets.services.attachments import ALLOWED_EXTENSIONS, DEFAULT_MAX_ATTACHMENT_BYTES

    per_file = int(current_app.config.get("TICKETS_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES))
    total = int(current_app.config.get("MAX_CONTENT_LENGTH") or per_file)
    extensions = sorted(ALLOWED_EXTENSIONS)
    return {
        "file_bytes": per_file,
        "file_mb": per_file // (1024 * 1024),
        "total_bytes": total,
        "total_mb": total // (1024 * 1024),
        "extensions": extensions,
        "accept": ",".join(f".{e}" for e in extensions),
    }

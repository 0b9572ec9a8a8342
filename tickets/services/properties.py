"""Tags and copied contacts of a ticket."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.errors import Invalid
from app.extensions import db
from tickets.models import (
    Ticket,
    TicketCc,
    TicketTag,
)

TAG_RE = re.compile(r"^[\w.\-àèéìòù]{1,50}$")


def normalize_tags(tags: Iterable[str] | str | None) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = re.split(r"[,\s]+", tags)
    out: list[str] = []
    for raw in tags:
        tag = (raw or "").strip().lower().lstrip("#")
        if not tag:
            continue
        if not TAG_RE.match(tag):
            raise Invalid("etichetta non valida", {"tags": [f"etichetta non valida: {tag[:50]}"]})
        if tag not in out:
            out.append(tag)
    return out[:20]


def ticket_tags(ticket_id: int) -> list[str]:
    return list(
        db.session.scalars(sa.select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id).order_by(TicketTag.tag))
    )


def set_tags(ticket: Ticket, tags: Iterable[str] | str | None, *, actor: Any = None) -> list[str]:
    wanted = normalize_tags(tags)
    with transaction(actor=actor):
        db.session.execute(sa.delete(TicketTag).where(TicketTag.ticket_id == ticket.id))
        for tag in wanted:
            db.session.add(TicketTag(ticket_id=ticket.id, tag=tag))
        ticket.updated_at = utcnow()
        db.session.flush()
    return wanted


def ticket_ccs(ticket_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(TicketCc.contact_id).where(TicketCc.ticket_id == ticket_id).order_by(TicketCc.contact_id)
        )
    )


def set_ccs(ticket: Ticket, contact_ids: Iterable[int] | None, *, actor: Any = None) -> list[int]:
    """Contacts copied on the ticket (same organization): they follow it even with "only my own requests"."""
    from crm.models import Contact

    wanted = list(dict.fromkeys(int(c) for c in (contact_ids or [])))[:20]
    with transaction(actor=actor):
        for contact_id in wanted:
            contact = db.session.get(Contact, contact_id)
            if contact is None or (ticket.organization_id and contact.organization_id != ticket.organization_id):
                raise Invalid("contatto non valido", {"cc_contact_ids": [f"contatto {contact_id} non valido"]})
        db.session.execute(sa.delete(TicketCc).where(TicketCc.ticket_id == ticket.id))
        for contact_id in wanted:
            db.session.add(TicketCc(ticket_id=ticket.id, contact_id=contact_id))
        db.session.flush()
    return wanted

"""Canned responses and their placeholders."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from app.db import transaction
from app.errors import Invalid, NotFound
from app.extensions import db
from tickets.models import (
    CannedResponse,
    Ticket,
)
from tickets.services.common import _actor_label


def list_canned(*, active_only: bool = True) -> list[CannedResponse]:
    stmt = sa.select(CannedResponse).order_by(CannedResponse.title)
    if active_only:
        stmt = stmt.where(CannedResponse.active.is_(True))
    return list(db.session.scalars(stmt))


def save_canned(
    *, title: str, body: str, active: bool = True, canned_id: int | None = None, actor: Any = None
) -> CannedResponse:
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = ["obbligatorio"]
    if not body:
        errors["body"] = ["obbligatorio"]
    if errors:
        raise Invalid("dati mancanti", errors)
    with transaction(actor=actor):
        clash = db.session.scalar(sa.select(CannedResponse).where(CannedResponse.title == title))
        if clash is not None and clash.id != canned_id:
            raise Invalid("titolo già usato", {"title": ["titolo già usato"]})
        if canned_id is None:
            canned = CannedResponse(title=title[:150], body=body, active=active)
            db.session.add(canned)
        else:
            found = db.session.get(CannedResponse, canned_id)
            if found is None:
                raise NotFound("risposta non trovata")
            canned = found
            canned.title, canned.body, canned.active = title[:150], body, active
        db.session.flush()
    return canned


def delete_canned(*, canned_id: int, actor: Any = None) -> None:
    with transaction(actor=actor):
        canned = db.session.get(CannedResponse, canned_id)
        if canned is None:
            raise NotFound("risposta non trovata")
        db.session.delete(canned)


def render_canned(canned: CannedResponse, ticket: Ticket, operator: Any = None) -> str:
    """Fill the placeholders: {numero} {oggetto} {richiedente} {ente} {operatore} {servizio}."""
    return fill_canned(canned, placeholders(ticket, operator))


def fill_canned(canned: CannedResponse, values: dict[str, str]) -> str:
    """The canned text with ``placeholders(...)`` filled in (computed once for many responses)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), canned.body)


def placeholders(ticket: Ticket, operator: Any = None) -> dict[str, str]:
    from crm.models import Contact, Organization, Service

    contact = db.session.get(Contact, ticket.requester_contact_id) if ticket.requester_contact_id else None
    org = db.session.get(Organization, ticket.organization_id) if ticket.organization_id else None
    service = db.session.get(Service, ticket.service_id) if ticket.service_id else None
    return {
        "numero": ticket.number,
        "oggetto": ticket.subject,
        "richiedente": contact.name if contact else "",
        "ente": org.name if org else "",
        "servizio": service.name if service else "",
        "operatore": _actor_label(operator),
    }


def get_canned(canned_id: int) -> CannedResponse:
    canned = db.session.get(CannedResponse, canned_id)
    if canned is None:
        raise NotFound("risposta non trovata")
    return canned

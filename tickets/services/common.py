"""Small helpers the ticket services share: enum parsing, the row lock, who is staff."""

from __future__ import annotations

from typing import Any

from app.auth.models import Role, User
from app.errors import Invalid, NotFound
from app.extensions import db
from tickets.models import (
    Team,
    Ticket,
    TicketStatus,
)

OPEN_STATES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


def _enum(enum_cls: Any, value: Any, field: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError as exc:
        allowed = ", ".join(e.value for e in enum_cls)
        raise Invalid(f"valore non valido per {field}", {field: [f"valori ammessi: {allowed}"]}) from exc


def _check_refs(
    *,
    organization_id: int | None = None,
    requester_contact_id: int | None = None,
    service_id: int | None = None,
    assignee_id: int | None = None,
    team_id: int | None = None,
) -> None:
    from crm.models import Contact, Organization, Service

    if organization_id is not None and db.session.get(Organization, organization_id) is None:
        raise Invalid("ente inesistente", {"organization_id": ["ente inesistente"]})
    if requester_contact_id is not None:
        contact = db.session.get(Contact, requester_contact_id)
        if contact is None:
            raise Invalid("contatto inesistente", {"requester_contact_id": ["contatto inesistente"]})
        if organization_id is not None and contact.organization_id != organization_id:
            raise Invalid(
                "il contatto non appartiene all'ente", {"requester_contact_id": ["il contatto è di un altro ente"]}
            )
    if service_id is not None and db.session.get(Service, service_id) is None:
        raise Invalid("servizio inesistente", {"service_id": ["servizio inesistente"]})
    if assignee_id is not None:
        user = db.session.get(User, assignee_id)
        if user is None or user.role not in (Role.ADMIN, Role.OPERATOR) or not user.active:
            raise Invalid("operatore non valido", {"assignee_id": ["non è un operatore attivo"]})
    if team_id is not None and db.session.get(Team, team_id) is None:
        raise Invalid("gruppo inesistente", {"team_id": ["gruppo inesistente"]})


def _actor_label(actor: Any) -> str:
    if actor is None:
        return ""
    return getattr(actor, "display_name", "") or getattr(actor, "email", "") or ""


def _is_staff(actor: Any) -> bool:
    return actor is not None and getattr(actor, "role", None) in (Role.ADMIN, Role.OPERATOR, Role.FINANCE)


def _locked(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id, with_for_update=True, populate_existing=True)
    if ticket is None:
        raise NotFound("ticket non trovato")
    return ticket


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Invalid("numero non valido", {field: ["deve essere un numero"]}) from exc

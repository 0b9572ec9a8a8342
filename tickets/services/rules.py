"""What an actor may do to a ticket, decided once here from the actor (web, portal and API alike).

Staff (admin, operator) work any ticket. A referente works only the tickets it sees
(``access.visible_stmt``: anything else is NotFound, never a hint that it exists) and only as a
requester: it opens requests for its own ente and as its own contact, writes public messages and
files, and confirms (closed) or reopens (open) a resolved request — nothing else. ``actor=None`` is
the system (channels, jobs) and is not limited here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.auth.models import Role
from app.errors import Forbidden, Invalid, NotFound
from app.extensions import db
from tickets.models import Ticket, TicketStatus
from tickets.services.access import visible_stmt

# What a referente may move a resolved request to: confirm it (closed) or reopen it (open).
REFERENTE_TRANSITIONS = (TicketStatus.CLOSED, TicketStatus.OPEN)


def is_referente(actor: Any) -> bool:
    return actor is not None and getattr(actor, "role", None) == Role.REFERENTE


def check_sees(actor: Any, ticket_id: int) -> None:
    """NotFound unless ``actor`` may see the ticket (a referente: its ente's, or only its own)."""
    if not is_referente(actor):
        return
    found = db.session.scalar(visible_stmt(actor, sa.select(Ticket.id)).where(Ticket.id == ticket_id))
    if found is None:
        raise NotFound("ticket non trovato")


def opening_for(actor: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The opening's values as ``actor`` may give them: a referente opens for its own ente, as its own
    contact, and never assigns."""
    if not is_referente(actor):
        return values
    if values.get("assignee_id") is not None or values.get("team_id") is not None:
        raise Forbidden("un referente non assegna i ticket")
    return {**values, "organization_id": actor.organization_id, "requester_contact_id": actor.contact_id}


def check_status_change(actor: Any, ticket: Ticket, status: TicketStatus) -> None:
    """A referente only confirms (closed) or reopens (open) a resolved request of its own."""
    if not is_referente(actor):
        return
    check_sees(actor, ticket.id)
    if status not in REFERENTE_TRANSITIONS:
        raise Forbidden("un referente può solo confermare (closed) o riaprire (open) una richiesta risolta")
    if ticket.status != TicketStatus.RESOLVED:
        raise Invalid("la richiesta non è risolta", {"status": ["solo una richiesta risolta"]})


def check_update(actor: Any, changes: dict[str, Any]) -> None:
    """Fields, assignment and tags are the operators'; a referente may only change the status."""
    if not is_referente(actor):
        return
    if set(changes) - {"status"} or changes.get("status") is None:
        raise Forbidden("un referente può solo confermare (closed) o riaprire (open) una richiesta risolta")


def check_message(actor: Any, *, ticket_id: int, internal: bool = False, status: Any = None) -> None:
    """A referente writes public messages on its own tickets; notes and status changes are the operators'."""
    if not is_referente(actor):
        return
    check_sees(actor, ticket_id)
    if internal or status:
        raise Forbidden("un referente non scrive note interne né cambia lo stato")

"""What the operator sees beside a ticket: the assistant's suggestions, applied in one click."""

from __future__ import annotations

from typing import Any

from app.auth.permissions import is_staff
from app.errors import Invalid, NotFound
from kb.services import check_id, linked_articles, search_articles


def _ticket_text(ticket: Any) -> str:
    return f"{ticket.subject}\n{ticket.description or ''}"


def ticket_suggestions(*, ticket_id: int, user: Any) -> dict[str, Any]:
    """Suggested service and priority (with confidence), similar past tickets and articles (staff only)."""
    if not is_staff(user):
        raise NotFound("ticket non trovato")
    from kb.assist import predict
    from tickets.services import ticket_for

    ticket = ticket_for(user, check_id(ticket_id, "ticket non trovato"))
    text = _ticket_text(ticket)
    out = predict(text, exclude_id=ticket.id)
    out["articles"] = [
        {"id": a.id, "title": a.title, "score": score, "slug": a.slug}
        for a, score in search_articles(user, text, published_only=True, limit=5)
    ]
    out["ticket"] = ticket
    out["linked"] = linked_articles(ticket.id)
    return out


def apply_suggestion(*, ticket_id: int, actor: Any, service_id: int | None = None, priority: str | None = None) -> Any:
    """Apply what the operator accepted, through the ticket services (rules, SLA and audit included)."""
    from tickets.services import ticket_for, update_ticket

    if not is_staff(actor):
        raise NotFound("ticket non trovato")
    ticket_for(actor, check_id(ticket_id, "ticket non trovato"))
    changes: dict[str, Any] = {}
    if service_id is not None:
        changes["service_id"] = service_id
    if priority:
        changes["priority"] = priority
    if not changes:
        raise Invalid("niente da applicare", {"suggestion": ["nessun suggerimento scelto"]})
    return update_ticket(ticket_id=ticket_id, actor=actor, **changes)


def triage_queue(*, user: Any, limit: int = 30, cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """New tickets with the assistant's guesses beside each (service and priority, with confidence)."""
    if not is_staff(user):
        raise NotFound("pagina non trovata")
    from kb.assist import predict
    from tickets.services import page_tickets, search_stmt

    tickets, next_cursor = page_tickets(search_stmt(user, status="new"), limit=limit, cursor=cursor)
    rows = []
    for ticket in tickets:
        guess = predict(_ticket_text(ticket), exclude_id=ticket.id, similar=0)
        rows.append({"ticket": ticket, "service": guess["service"], "priority": guess["priority"]})
    return rows, next_cursor

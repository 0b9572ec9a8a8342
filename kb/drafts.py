"""From a resolved ticket to a draft article: the question from the request, the answer from the
public replies, personal data removed (emails, phones, fiscal codes, the requester's names)."""

from __future__ import annotations

from typing import Any

from app.errors import Conflict
from kb.models import Article, ArticleStatus, Visibility
from kb.services import _require_writer, create_article
from kb.text import remove_personal_data, text_to_html


def requester_names(ticket: Any) -> list[str]:
    from crm.services import get_contact
    from tickets.services import messages_for

    names: list[str] = []
    if ticket.requester_contact_id:
        contact = get_contact(ticket.requester_contact_id)
        if contact is not None and contact.name:
            names.append(contact.name)
    for message in messages_for(ticket.id, include_internal=False):
        if message.author_contact_id and message.author_label:
            names.append(message.author_label.split("<")[0].strip())
    return [n for n in names if n]


def draft_from_ticket(*, ticket_id: int, actor: Any) -> Article:
    _require_writer(actor)
    from tickets.knowledge import staff_public_replies
    from tickets.models import TicketStatus
    from tickets.services import ticket_for

    ticket = ticket_for(actor, ticket_id)
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise Conflict("il ticket non è risolto", {"status": ["solo un ticket risolto o chiuso diventa articolo"]})
    names = requester_names(ticket)
    question = remove_personal_data(ticket.description or ticket.subject, names)
    answer = remove_personal_data("\n\n".join(staff_public_replies(ticket.id)), names)
    body = f"<h2>Domanda</h2>{text_to_html(question)}<h2>Risposta</h2>{text_to_html(answer)}"
    summary = " ".join(question.split())[:240]
    return create_article(
        actor=actor,
        title=remove_personal_data(ticket.subject, names)[:200],
        summary=summary,
        body=body,
        service_id=ticket.service_id,
        status=ArticleStatus.DRAFT.value,
        visibility=Visibility.REFERENTI.value,
        source_ticket_id=ticket.id,
    )

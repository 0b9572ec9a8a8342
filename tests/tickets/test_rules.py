"""What a referente may do to a ticket is decided in the services from the actor, so the portal, the
operator pages and the API cannot drift apart (``tickets.services.rules``)."""

from __future__ import annotations

import pytest

from app.errors import Forbidden, Invalid, NotFound
from tickets import services
from tickets.models import TicketStatus


@pytest.fixture
def resolved(db, make_user, referente):
    operator = make_user("operator")
    ticket = services.open_ticket(
        subject="Casella PEC piena", organization_id=referente.organization_id, actor=operator
    )
    services.change_status(ticket_id=ticket.id, status="resolved", actor=operator)
    return ticket


def test_referente_confirms_or_reopens_only_a_resolved_request(db, referente, resolved):
    with pytest.raises(Forbidden):
        services.change_status(ticket_id=resolved.id, status="pending", actor=referente)
    assert services.change_status(ticket_id=resolved.id, status="open", actor=referente).status == TicketStatus.OPEN
    with pytest.raises(Invalid):  # open now, no longer resolved: nothing to confirm
        services.change_status(ticket_id=resolved.id, status="closed", actor=referente)


def test_referente_cannot_touch_another_entes_ticket(db, make_user, make_org, make_contact, resolved):
    other_org = make_org(name="Comune di Molfetta")
    contact = make_contact(other_org, email="altro@comune.molfetta.example.it")
    stranger = make_user("referente", organization=other_org, contact_id=contact.id)
    with pytest.raises(NotFound):
        services.change_status(ticket_id=resolved.id, status="closed", actor=stranger)
    with pytest.raises(NotFound):
        services.reply(ticket_id=resolved.id, body="Grazie", actor=stranger)
    assert services.get_ticket(resolved.id).status == TicketStatus.RESOLVED


def test_referente_updates_only_the_status_and_writes_no_notes(db, referente, resolved):
    with pytest.raises(Forbidden):
        services.update_ticket(ticket_id=resolved.id, priority="urgent", actor=referente)
    with pytest.raises(Forbidden):
        services.reply(ticket_id=resolved.id, body="Chiudo io", status="closed", actor=referente)
    ticket = services.update_ticket(ticket_id=resolved.id, status="closed", actor=referente)
    assert ticket.status == TicketStatus.CLOSED


def test_referente_opens_for_its_own_ente_and_never_assigns(db, make_user, make_org, referente):
    operator = make_user("operator")
    other = make_org(name="Comune di Bari")
    ticket = services.open_ticket(subject="Nuova richiesta", organization_id=other.id, actor=referente)
    assert (ticket.organization_id, ticket.requester_contact_id) == (referente.organization_id, referente.contact_id)
    with pytest.raises(Forbidden):
        services.open_ticket(subject="Assegnata", assignee_id=operator.id, actor=referente)

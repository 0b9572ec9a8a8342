"""The ticket workspace: one properties panel saved by one service call, presence, next ticket, limits."""

from __future__ import annotations

import time

import pytest

from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from tickets import services
from tickets.models import Priority, Ticket, TicketStatus


@pytest.fixture
def ticket(make_user, make_org, make_contact):
    op = make_user("operator", name="Oscar Operatore")
    org = make_org(name="Comune di Altamura")
    contact = make_contact(org, name="Lina Longo", email="lina@altamura.example.it")
    return services.open_ticket(
        organization_id=org.id,
        requester_contact_id=contact.id,
        subject="PEC non ricevute",
        description="Da ieri non arrivano le PEC",
        actor=op,
    )


def test_save_properties_changes_status_priority_assignee_and_tags_together(ticket, make_user, outbox):
    op = make_user("operator", name="Paola Primo")
    colleague = make_user("operator", name="Carlo Collega")
    _t, changed = services.save_properties(
        ticket_id=ticket.id,
        actor=op,
        values={"status": "pending", "priority": "high", "assignee_id": colleague.id, "tags": "pec, Posta"},
    )
    assert changed == ["assignee_id", "priority", "status", "tags"]
    fresh = db.session.get(Ticket, ticket.id)
    assert (fresh.status, fresh.priority, fresh.assignee_id) == (TicketStatus.PENDING, Priority.HIGH, colleague.id)
    assert services.ticket_tags(ticket.id) == ["pec", "posta"]
    assert [h.to_status for h in services.status_history(ticket.id)][-1] == TicketStatus.PENDING
    assert outbox(to_addr=colleague.email), "the new assignee is told by email"


def test_save_properties_with_nothing_changed_changes_nothing(ticket, make_user):
    op = make_user("operator")
    _t, changed = services.save_properties(
        ticket_id=ticket.id, actor=op, values={"status": ticket.status.value, "priority": "normal", "tags": ""}
    )
    assert changed == []


def test_save_properties_refuses_a_transition_the_rules_refuse_and_changes_nothing(ticket, make_user):
    op = make_user("operator")
    services.change_status(ticket_id=ticket.id, status="closed", actor=op)
    with pytest.raises(Conflict):
        services.save_properties(ticket_id=ticket.id, actor=op, values={"status": "open", "priority": "urgent"})
    assert db.session.get(Ticket, ticket.id).priority == Priority.NORMAL


def test_a_referente_cannot_use_the_panel(ticket, referente, make_user):
    with pytest.raises(NotFound):  # another ente's ticket: not even its existence
        services.save_properties(ticket_id=ticket.id, actor=referente, values={"priority": "urgent"})
    own = services.open_ticket(
        organization_id=referente.organization_id, subject="Mio", description="Testo", actor=referente
    )
    with pytest.raises(Forbidden):
        services.save_properties(ticket_id=own.id, actor=referente, values={"priority": "urgent"})


def test_the_page_has_one_properties_form_and_it_saves_everything(ticket, client, login, make_user, make_service):
    op = make_user("operator", name="Paola Primo")
    service = make_service(name="Protocollo informatico")
    login(op)
    page = client.get(f"/ticket/{ticket.id}").get_data(as_text=True)
    assert page.count(f'action="/ticket/{ticket.id}/pannello"') == 1
    for old in ("/stato", "/assegna", "/proprieta"):
        assert f'action="/ticket/{ticket.id}{old}"' not in page
    assert "Invia al comune" in page and "Salva nota interna" in page
    assert "Massimo 10 MB per file" in page
    token = page.split('name="prop-csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        f"/ticket/{ticket.id}/pannello",
        data={
            "prop-csrf_token": token,
            "prop-status": "open",
            "prop-priority": "urgent",
            "prop-service_id": str(service.id),
            "prop-assignee_id": str(op.id),
            "prop-team_id": "",
            "prop-organization_id": str(ticket.organization_id),
            "prop-requester_contact_id": str(ticket.requester_contact_id),
            "prop-tags": "urgente",
        },
    )
    assert response.status_code == 302
    fresh = db.session.get(Ticket, ticket.id)
    assert (fresh.status, fresh.priority, fresh.service_id, fresh.assignee_id) == (
        TicketStatus.OPEN,
        Priority.URGENT,
        service.id,
        op.id,
    )
    assert "Ticket aggiornato" in client.get(f"/ticket/{ticket.id}").get_data(as_text=True)


def test_presence_tells_who_else_has_the_ticket_open_and_who_just_wrote(ticket, client, login, make_user):
    first = make_user("operator", name="Anna Prima")
    second = make_user("operator", name="Bruno Secondo")
    assert services.touch_presence(ticket_id=ticket.id, actor=first)["viewers"] == []
    seen = services.touch_presence(ticket_id=ticket.id, actor=second)
    assert seen["viewers"] == ["Anna Prima"]
    before = seen["last_message_id"]
    services.add_message(ticket_id=ticket.id, body="Risposto io", actor=second)
    login(first)
    data = client.get(f"/ticket/{ticket.id}/presenza.json").get_json()
    assert data["viewers"] == ["Bruno Secondo"]
    assert data["last_message_id"] > before and data["last_message_by_me"] is False
    assert data["last_message_author"]
    # an operator gone for longer than the window is no longer reported
    assert services.touch_presence(ticket_id=ticket.id, actor=second, now=time.time() + 10_000)["viewers"] == []


def test_next_ticket_goes_to_the_following_open_ticket(ticket, client, login, make_user):
    op = make_user("operator")
    other = services.open_ticket(subject="Secondo", description="Testo", actor=op)
    login(op)
    assert client.get(f"/ticket/{ticket.id}/successivo").headers["Location"].endswith(f"/ticket/{other.id}")
    assert client.get(f"/ticket/{other.id}/successivo").headers["Location"].endswith(f"/ticket/{ticket.id}")

"""Macros: each action applied through the ticket services, all or nothing per ticket, staff only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.errors import Conflict, Forbidden, Invalid
from tickets import services
from tickets.models import Priority, Ticket, TicketMessage, TicketStatus


@pytest.fixture
def canned(db):
    return services.save_canned(title="Presa in carico", body="Gentile {richiedente}, il ticket {numero} è in carico.")


@pytest.fixture
def team(db):
    return services.create_team(name="Reti e sistemi")


def _macro(admin, **values):
    return services.save_macro(actor=admin, **{"name": "Prendi in carico", **values})


def test_applying_a_macro_does_each_action_and_is_audited(db, make_user, make_org, canned, team, outbox):
    from app.audit import AuditEntry

    admin, op = make_user("admin"), make_user("operator")
    ticket = services.open_ticket(
        subject="Stampante", description="ferma", organization_id=make_org().id, tags=["vecchia", "stampa"]
    )
    macro = _macro(
        admin,
        status="pending",
        priority="high",
        assign="me",
        team_id=team.id,
        canned_id=canned.id,
        add_tags=["in-carico"],
        remove_tags=["vecchia"],
    )
    done = services.apply_macro(macro_id=macro.id, ticket_id=ticket.id, actor=op)

    t = db.session.get(Ticket, ticket.id)
    assert (t.status, t.priority, t.assignee_id, t.team_id) == (TicketStatus.PENDING, Priority.HIGH, op.id, team.id)
    assert services.ticket_tags(t.id) == ["in-carico", "stampa"]
    message = db.session.get(TicketMessage, done["message_id"])
    assert not message.internal and t.number in message.body
    assert done["changed"] == ["assignee_id", "priority", "status", "tags", "team_id"]
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "tickets", AuditEntry.object_id == str(t.id))
    ).all()
    changed = set().union(*((e.changes or {}).keys() for e in entries if e.actor_id == op.id))
    assert {"status", "priority", "assignee_id", "team_id"} <= changed
    assert [h.to_status for h in services.status_history(t.id)][-1] == TicketStatus.PENDING


def test_canned_text_as_internal_note_and_assign_to_user_or_nobody(db, make_user, canned):
    admin, op, other = make_user("admin"), make_user("operator"), make_user("operator")
    ticket = services.open_ticket(subject="VPN", assignee_id=op.id)
    note = _macro(admin, name="Nota", canned_id=canned.id, canned_internal=True, assign="user", assignee_id=other.id)
    done = services.apply_macro(macro_id=note.id, ticket_id=ticket.id, actor=op)
    assert db.session.get(TicketMessage, done["message_id"]).internal
    assert db.session.get(Ticket, ticket.id).assignee_id == other.id
    free = _macro(admin, name="Libera", assign="nobody")
    services.apply_macro(macro_id=free.id, ticket_id=ticket.id, actor=op)
    assert db.session.get(Ticket, ticket.id).assignee_id is None


def test_a_refused_action_leaves_the_ticket_untouched(db, make_user, canned):
    admin, op = make_user("admin"), make_user("operator")
    ticket = services.open_ticket(subject="Chiuso")
    services.change_status(ticket_id=ticket.id, status="closed", actor=op)
    macro = _macro(admin, priority="urgent", canned_id=canned.id, status="open")
    with pytest.raises(Conflict):
        services.apply_macro(macro_id=macro.id, ticket_id=ticket.id, actor=op)
    t = db.session.get(Ticket, ticket.id)
    assert t.priority == Priority.NORMAL and t.status == TicketStatus.CLOSED
    assert services.messages_for(t.id, include_internal=True) == [] or all(
        "in carico" not in m.body for m in services.messages_for(t.id, include_internal=True)
    )


def test_bulk_applies_each_ticket_alone_and_reports_each(db, make_user):
    admin, op = make_user("admin"), make_user("operator")
    good = [services.open_ticket(subject=f"Buono {i}") for i in range(3)]
    closed = services.open_ticket(subject="Chiuso")
    services.change_status(ticket_id=closed.id, status="closed", actor=op)
    macro = _macro(admin, priority="high", add_tags=["massivo"])
    ids = [good[0].id, closed.id, good[1].id, 999_999, good[2].id]
    result = services.apply_macro_bulk(macro_id=macro.id, ticket_ids=ids, actor=op)
    assert result["applied"] == [t.id for t in good]
    assert set(result["errors"]) == {closed.id, 999_999}
    for t in good:
        assert db.session.get(Ticket, t.id).priority == Priority.HIGH
        assert services.ticket_tags(t.id) == ["massivo"]
    assert db.session.get(Ticket, closed.id).priority == Priority.NORMAL


def test_a_referente_never_applies_a_macro(db, make_user, referente):
    admin = make_user("admin")
    ticket = services.open_ticket(subject="Mio", organization_id=referente.organization_id, actor=referente)
    macro = _macro(admin, priority="urgent")
    with pytest.raises(Forbidden):
        services.apply_macro(macro_id=macro.id, ticket_id=ticket.id, actor=referente)
    with pytest.raises(Forbidden):
        services.apply_macro_bulk(macro_id=macro.id, ticket_ids=[ticket.id], actor=referente)
    assert db.session.get(Ticket, ticket.id).priority == Priority.NORMAL


def test_a_macro_is_checked_whole(db, make_user):
    admin, referente = make_user("admin"), make_user("referente")
    with pytest.raises(Invalid) as exc:
        services.save_macro(actor=admin, name="", status="bogus", assign="user", canned_id=12345, add_tags=["a b!"])
    assert {"name", "status", "assignee_id", "canned_id", "add_tags"} <= set(exc.value.fields)
    with pytest.raises(Invalid) as exc:
        services.save_macro(actor=admin, name="Vuota")
    assert "name" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.save_macro(actor=admin, name="Al referente", assign="user", assignee_id=referente.id)
    assert "assignee_id" in exc.value.fields


# --- API -------------------------------------------------------------------------------------------


def test_api_crud_and_apply(api_as, db, canned):
    admin = api_as("admin")
    r = admin.post(
        "/api/v1/macros",
        json={"name": "Risolvi", "status": "resolved", "canned_id": canned.id, "add_tags": ["fatto"]},
    )
    assert r.status_code == 201, r.get_json()
    macro = r.get_json()
    got = (macro["status"], macro["assign"], macro["add_tags"], macro["active"])
    assert got == ("resolved", "keep", ["fatto"], True)
    assert admin.get(f"/api/v1/macros/{macro['id']}").get_json()["name"] == "Risolvi"
    r = admin.patch(f"/api/v1/macros/{macro['id']}", json={"priority": "low"})
    assert r.status_code == 200 and r.get_json()["priority"] == "low" and r.get_json()["add_tags"] == ["fatto"]

    op = api_as("operator")
    assert [m["name"] for m in op.get("/api/v1/macros").get_json()["items"]] == ["Risolvi"]
    assert op.post("/api/v1/macros", json={"name": "X", "priority": "low"}).status_code == 403
    ticket = services.open_ticket(subject="Da risolvere")
    services.change_status(ticket_id=ticket.id, status="open", actor=op.user)
    r = op.post(f"/api/v1/tickets/{ticket.id}/apply-macro", json={"macro_id": macro["id"]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["changed"] == ["priority", "status", "tags"]
    got = op.get(f"/api/v1/tickets/{ticket.id}").get_json()
    assert (got["status"], got["priority"], got["tags"]) == ("resolved", "low", ["fatto"])

    assert admin.delete(f"/api/v1/macros/{macro['id']}").status_code == 204
    assert admin.get(f"/api/v1/macros/{macro['id']}").status_code == 404


def test_api_bad_input_is_422_and_referente_is_refused(api_as, db, make_user, referente):
    admin = api_as("admin")
    assert admin.post("/api/v1/macros", json={"name": "Z", "status": "nope"}).status_code == 422
    assert admin.post("/api/v1/macros", json={"name": "Z", "add_tags": "non-lista"}).status_code == 422
    assert admin.post("/api/v1/macros", json={"name": "Z", "assign": "user"}).status_code == 422
    macro = admin.post("/api/v1/macros", json={"name": "Urgente", "priority": "urgent"}).get_json()
    ticket = services.open_ticket(subject="Del comune", organization_id=referente.organization_id, actor=referente)
    assert admin.post(f"/api/v1/tickets/{ticket.id}/apply-macro", json={}).status_code == 422
    assert admin.post(f"/api/v1/tickets/{ticket.id}/apply-macro", json={"macro_id": 987654}).status_code == 404
    assert admin.post("/api/v1/tickets/999999/apply-macro", json={"macro_id": macro["id"]}).status_code == 404

    ref = api_as(user=referente)
    assert ref.get("/api/v1/macros").status_code == 403
    r = ref.post(f"/api/v1/tickets/{ticket.id}/apply-macro", json={"macro_id": macro["id"]})
    assert r.status_code in (403, 404)
    r = ref.post("/api/v1/tickets/apply-macro", json={"macro_id": macro["id"], "ids": [ticket.id]})
    assert r.status_code in (403, 404)
    assert db.session.get(Ticket, ticket.id).priority == Priority.NORMAL


def test_api_bulk_reports_per_ticket(api_as, db):
    admin, op = api_as("admin"), api_as("operator")
    macro = admin.post("/api/v1/macros", json={"name": "Chiudi", "status": "open"}).get_json()
    ok = services.open_ticket(subject="Nuovo")
    closed = services.open_ticket(subject="Già chiuso")
    services.change_status(ticket_id=closed.id, status="closed", actor=op.user)
    r = op.post("/api/v1/tickets/apply-macro", json={"macro_id": macro["id"], "ids": [ok.id, closed.id]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["applied"] == [ok.id] and list(r.get_json()["errors"]) == [str(closed.id)]
    assert db.session.get(Ticket, ok.id).status == TicketStatus.OPEN
    assert op.post("/api/v1/tickets/apply-macro", json={"macro_id": macro["id"], "ids": []}).status_code == 422


# --- Web -------------------------------------------------------------------------------------------


def test_admin_pages_create_edit_delete(client, login, make_user, get_csrf, canned):
    login(make_user("admin"))
    assert client.get("/ticket/macro").status_code == 200
    token = get_csrf("/ticket/macro")
    r = client.post(
        "/ticket/macro",
        data={"csrf_token": token, "name": "Attesa comune", "status": "pending", "assign": "me", "add_tags": "attesa"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    macro = services.list_macros(active_only=False)[0]
    assert (macro.status, macro.add_tags, macro.active) == (TicketStatus.PENDING, "attesa", False)
    page = client.get(f"/ticket/macro/{macro.id}").get_data(as_text=True)
    assert 'value="Attesa comune"' in page
    # refused: assign to a named operator without naming one; the form comes back with what was typed
    r = client.post(
        f"/ticket/macro/{macro.id}",
        data={"csrf_token": token, "name": "Attesa comune 2", "assign": "user", "canned_id": str(canned.id)},
    )
    assert r.status_code == 422 and 'value="Attesa comune 2"' in r.get_data(as_text=True)
    r = client.post(
        f"/ticket/macro/{macro.id}",
        data={"csrf_token": token, "name": "Attesa comune 2", "priority": "low", "active": "y"},
    )
    assert r.status_code == 302
    assert services.get_macro(macro.id).name == "Attesa comune 2"
    assert client.post(f"/ticket/macro/{macro.id}/elimina", data={"csrf_token": token}).status_code == 302
    assert services.list_macros(active_only=False) == []


def test_apply_from_the_ticket_page_and_from_the_queue(client, login, make_user, get_csrf, db):
    admin = make_user("admin")
    macro = _macro(admin, name="Alta priorità", priority="high", assign="me")
    op = login(make_user("operator"))
    one, two, closed = (services.open_ticket(subject=s) for s in ("Uno", "Due", "Tre"))
    services.change_status(ticket_id=closed.id, status="closed", actor=admin)
    page = client.get(f"/ticket/{one.id}").get_data(as_text=True)
    assert 'id="macro-form"' in page and "Alta priorità" in page
    token = get_csrf(f"/ticket/{one.id}")
    r = client.post(f"/ticket/{one.id}/macro", data={"csrf_token": token, "macro-macro_id": str(macro.id)})
    assert r.status_code == 302
    t = db.session.get(Ticket, one.id)
    assert (t.priority, t.assignee_id) == (Priority.HIGH, op.id)

    queue = client.get("/ticket/").get_data(as_text=True)
    assert 'id="bulk-macro"' in queue
    token = get_csrf("/ticket/")
    r = client.post(
        "/ticket/bulk",
        data={"csrf_token": token, "action": "macro", "macro_id": str(macro.id), "ticket_ids": [two.id, closed.id]},
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert db.session.get(Ticket, two.id).priority == Priority.HIGH
    assert db.session.get(Ticket, closed.id).priority == Priority.NORMAL
    html = r.get_data(as_text=True)
    assert "Macro applicata a 1 ticket" in html and f"Ticket {closed.id}: macro non applicata" in html


def test_a_referente_has_no_macro_pages(client, login, make_user, referente, get_csrf, db):
    macro = _macro(make_user("admin"), priority="urgent")
    ticket = services.open_ticket(subject="Mio", organization_id=referente.organization_id, actor=referente)
    login(referente)
    assert client.get("/ticket/macro").status_code in (403, 404)
    token = get_csrf("/portale/nuova")
    r = client.post(f"/ticket/{ticket.id}/macro", data={"csrf_token": token, "macro-macro_id": str(macro.id)})
    assert r.status_code in (403, 404)
    assert db.session.get(Ticket, ticket.id).priority == Priority.NORMAL

"""The operator's pages, the survey link and the 360° panel, through the real web forms."""

from __future__ import annotations

import re

from tickets import services
from tickets.models import CannedResponse, Ticket, TicketStatus


def csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_operator_opens_replies_and_resolves(client, login, make_user, make_org, make_contact, outbox):
    op = login(make_user("operator", name="Oscar Operatore"))
    org = make_org(name="Comune di Altamura")
    contact = make_contact(org, name="Teresa", email="teresa@altamura.example.it")
    token = csrf(client, "/ticket/nuovo")
    r = client.post(
        "/ticket/nuovo",
        data={
            "csrf_token": token,
            "organization_id": "",
            "requester_email": "teresa@altamura.example.it",
            "subject": "Telefono dell'URP muto",
            "description": "Dalle 9 il centralino non squilla",
            "service_id": "",
            "channel": "phone",
            "priority": "high",
            "team_id": "",
            "assignee_id": "",
            "tags": "voip",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    t = Ticket.query.one()
    assert (t.organization_id, t.requester_contact_id, t.channel.value) == (org.id, contact.id, "phone")
    page = client.get(f"/ticket/{t.id}").get_data(as_text=True)
    assert "Telefono dell&#39;URP muto" in page and "Comune di Altamura" in page
    r = client.post(
        f"/ticket/{t.id}/risposta", data={"csrf_token": token, "body": "Riavviato il centralino", "status": "resolved"}
    )
    assert r.status_code == 302
    t = Ticket.query.one()
    assert t.status == TicketStatus.RESOLVED and t.first_responded_at is not None
    bodies = [e.body_text for e in outbox(to_addr="teresa@altamura.example.it")]
    assert len(bodies) == 3 and "Riavviato il centralino" in bodies[1]
    assert op.id  # logged in as operator


def test_internal_note_and_canned_response(client, login, make_user, make_contact, outbox):
    op = login(make_user("operator", name="Oscar"))
    contact = make_contact(name="Pino")
    t = services.open_ticket(subject="SPID", description="x", requester_contact_id=contact.id, notify=False)
    canned = services.save_canned(
        title="Presa in carico", body="Gentile {richiedente}, il ticket {numero} è in lavorazione."
    )
    token = csrf(client, f"/ticket/{t.id}")
    page = client.get(f"/ticket/{t.id}").get_data(as_text=True)
    assert f"Gentile Pino, il ticket {t.number} è in lavorazione." in page  # pre-rendered for the JS
    client.post(f"/ticket/{t.id}/risposta", data={"csrf_token": token, "body": "solo per noi", "internal": "y"})
    assert outbox(ticket_id=t.id) == []
    client.post(f"/ticket/{t.id}/risposta", data={"csrf_token": token, "body": "", "canned_id": str(canned.id)})
    (email,) = outbox(ticket_id=t.id)
    assert f"il ticket {t.number} è in lavorazione" in email.body_text
    assert db_count(CannedResponse) == 1
    assert op


def db_count(model):
    return model.query.count()


def test_queue_filters_bulk_and_views(client, login, make_user, make_org):
    op = login(make_user("operator"))
    org = make_org(name="Comune di Gioia del Colle")
    a = services.open_ticket(subject="Stampante guasta", organization_id=org.id, notify=False)
    b = services.open_ticket(subject="Firewall", notify=False)
    html = client.get("/ticket/?q=stampanti").get_data(as_text=True)
    assert "Stampante guasta" in html and "Firewall" not in html
    html = client.get(f"/ticket/?organization_id={org.id}").get_data(as_text=True)
    assert a.number in html and b.number not in html
    assert client.get("/ticket/?status=boh").status_code == 200  # bad filter: a message, not a 500
    assert client.get("/ticket/?cursor=zzz").status_code == 200
    token = csrf(client, "/ticket/")
    r = client.post(
        "/ticket/bulk",
        data={
            "csrf_token": token,
            "action": "assign_me",
            "ticket_ids": [a.id, b.id],
            "assignee_id": "",
            "status": "open",
        },
    )
    assert r.status_code == 302
    assert {t.assignee_id for t in Ticket.query.all()} == {op.id}
    html = client.get("/ticket/?vista=mine").get_data(as_text=True)
    assert a.number in html and b.number in html
    dash = client.get("/ticket/dashboard").get_data(as_text=True)
    assert 'data-figure="mine">2<' in dash


def test_status_rules_in_the_web(client, login, make_user):
    login(make_user("operator"))
    t = services.open_ticket(subject="Chiudimi", notify=False)
    token = csrf(client, f"/ticket/{t.id}")
    client.post(f"/ticket/{t.id}/stato", data={"csrf_token": token, "status": "closed"})
    r = client.post(f"/ticket/{t.id}/stato", data={"csrf_token": token, "status": "open"}, follow_redirects=True)
    assert "transizione non ammessa" in r.get_data(as_text=True)
    assert Ticket.query.one().status == TicketStatus.CLOSED


def test_merge_and_link_by_number(client, login, make_user):
    login(make_user("operator"))
    a = services.open_ticket(subject="Originale", notify=False)
    b = services.open_ticket(subject="Doppione", description="stessa cosa", notify=False)
    c = services.open_ticket(subject="Collegato", notify=False)
    token = csrf(client, f"/ticket/{b.id}")
    r = client.post(f"/ticket/{b.id}/unisci", data={"csrf_token": token, "merge-number": a.number})
    assert r.headers["Location"].endswith(f"/ticket/{a.id}")
    client.post(f"/ticket/{a.id}/collega", data={"csrf_token": token, "link-number": c.number})
    page = client.get(f"/ticket/{a.id}").get_data(as_text=True)
    assert "stessa cosa" in page and c.number in page and b.number in page


def test_survey_link(client, make_user):
    op = make_user("operator")
    t = services.open_ticket(subject="Valutami", notify=False)
    services.change_status(ticket_id=t.id, status="resolved", actor=op, notify=False)
    token = services.survey_token(t.id)
    assert client.get("/valutazione/falso").status_code == 404
    form = csrf(client, f"/valutazione/{token}")
    r = client.post(f"/valutazione/{token}", data={"csrf_token": form, "rating": "4", "comment": "Bene"})
    assert r.status_code == 200 and "Grazie" in r.get_data(as_text=True)
    t = Ticket.query.one()
    assert (t.rating, t.rating_comment) == (4, "Bene")
    r = client.post(f"/valutazione/{token}", data={"csrf_token": form, "rating": "9"})
    assert r.status_code in (200, 422) and Ticket.query.one().rating == 4


def test_panel_and_timeline_on_the_ente_page(client, login, make_user, make_org):
    from tickets.panels import org_panel, org_timeline

    op = make_user("operator")
    org = make_org(name="Comune di Noci")
    t = services.open_ticket(subject="Wi-Fi biblioteca", organization_id=org.id, notify=False)
    data = org_panel(org.id, op)
    assert data["open"] == 1 and data["recent"][0].id == t.id
    login(op)
    html = client.get(f"/crm/enti/{org.id}").get_data(as_text=True)
    assert "Wi-Fi biblioteca" in html
    with client.application.test_request_context():
        assert [e.title for e in org_timeline(org.id, op, 10)] == [f"{t.number} — Wi-Fi biblioteca"]


def test_canned_and_team_admin(client, login, make_user):
    login(make_user("admin"))
    token = csrf(client, "/ticket/risposte-predefinite")
    client.post(
        "/ticket/risposte-predefinite",
        data={"csrf_token": token, "title": "Chiusura", "body": "Risolto {numero}", "active": "y"},
    )
    assert [c.title for c in services.list_canned()] == ["Chiusura"]
    client.post("/ticket/gruppi", data={"csrf_token": token, "name": "Reti e sistemi"})
    assert [t.name for t in services.list_teams()] == ["Reti e sistemi"]


def test_pages_render_in_english(client, login, make_user):
    login(make_user("operator"))
    html = client.get("/ticket/?lang=en").get_data(as_text=True)
    assert "Ticket queue" in html

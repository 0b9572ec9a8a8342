"""A referente sees and touches only its organization's tickets and attachments: everything else is 404."""

from __future__ import annotations

import io

import pytest

from tickets import services


@pytest.fixture
def two_orgs(db, make_org, make_user, make_contact):
    mine = make_org(name="Comune di Bitonto")
    other = make_org(name="Comune di Monopoli")
    contact = make_contact(mine, name="Rita", email="rita@bitonto.example.it")
    ref = make_user("referente", organization=mine, contact_id=contact.id)
    own = services.open_ticket(
        subject="Nostro", description="ok", organization_id=mine.id, requester_contact_id=contact.id
    )
    foreign = services.open_ticket(subject="Altrui", description="segreto", organization_id=other.id)
    att = services.add_attachment(
        ticket_id=foreign.id, filename="delibera.pdf", data=b"%PDF-1.4", content_type="application/pdf"
    )
    own_att = services.add_attachment(
        ticket_id=own.id, filename="nostra.pdf", data=b"%PDF-1.5", content_type="application/pdf"
    )
    return {"ref": ref, "own": own, "foreign": foreign, "att": att, "own_att": own_att, "mine": mine, "other": other}


def test_web_routes_hide_other_organizations(client, login, two_orgs):
    login(two_orgs["ref"])
    f = two_orgs["foreign"]
    token = None
    html = client.get(f"/portale/richieste/{two_orgs['own'].id}").get_data(as_text=True)
    assert "Nostro" in html
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    assert client.get(f"/portale/richieste/{f.id}").status_code == 404
    assert client.get(f"/ticket/allegati/{two_orgs['att'].id}").status_code == 404
    assert client.get(f"/ticket/allegati/{two_orgs['own_att'].id}").status_code == 200
    for path in (
        f"/portale/richieste/{f.id}/risposta",
        f"/portale/richieste/{f.id}/conferma",
        f"/portale/richieste/{f.id}/riapri",
        f"/portale/richieste/{f.id}/valuta",
        f"/ticket/{f.id}/allegati",
    ):
        assert client.post(path, data={"csrf_token": token, "body": "x", "rating": "5"}).status_code == 404, path
    listing = client.get("/portale").get_data(as_text=True)
    assert "Nostro" in listing and "Altrui" not in listing
    assert client.get("/portale?q=segreto").get_data(as_text=True).count("Altrui") == 0
    # operator pages are not for referenti
    assert client.get("/ticket/").status_code == 403
    assert client.get(f"/ticket/{two_orgs['own'].id}").status_code == 403


def test_api_routes_hide_other_organizations(api_as, two_orgs):
    api = api_as(user=two_orgs["ref"])
    f = two_orgs["foreign"]
    items = api.get("/api/v1/tickets").get_json()["items"]
    assert [t["subject"] for t in items] == ["Nostro"]
    assert api.get(f"/api/v1/tickets?organization_id={two_orgs['other'].id}").get_json()["items"] == []
    for method, path, body in [
        ("get", f"/api/v1/tickets/{f.id}", None),
        ("patch", f"/api/v1/tickets/{f.id}", {"status": "closed"}),
        ("get", f"/api/v1/tickets/{f.id}/messages", None),
        ("post", f"/api/v1/tickets/{f.id}/messages", {"body": "ciao"}),
        ("get", f"/api/v1/tickets/{f.id}/attachments", None),
        ("get", f"/api/v1/tickets/{f.id}/attachments/{two_orgs['att'].id}", None),
        ("post", f"/api/v1/tickets/{f.id}/rating", {"rating": 5}),
    ]:
        response = getattr(api, method)(path, json=body) if body is not None else getattr(api, method)(path)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.get_json()["error"]["code"] == "not_found"
    upload = api.client.post(
        f"/api/v1/tickets/{f.id}/attachments",
        data={"file": (io.BytesIO(b"x"), "a.txt")},
        headers=api.headers,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 404


def test_referente_opens_only_for_its_org_and_cannot_work_tickets(api_as, two_orgs, make_user):
    api = api_as(user=two_orgs["ref"])
    r = api.post("/api/v1/tickets", json={"subject": "Nuova", "organization_id": two_orgs["other"].id})
    assert r.status_code == 201
    assert r.get_json()["organization_id"] == two_orgs["mine"].id
    own = two_orgs["own"]
    assert api.patch(f"/api/v1/tickets/{own.id}", json={"priority": "urgent"}).status_code == 403
    assert api.post(f"/api/v1/tickets/{own.id}/messages", json={"body": "x", "internal": True}).status_code == 403
    assert api.post(f"/api/v1/tickets/{own.id}/merge", json={"target_id": own.id}).status_code == 403
    assert api.post("/api/v1/tickets/bulk", json={"ids": [own.id], "status": "closed"}).status_code == 403


def test_internal_notes_never_reach_referenti(client, login, api_as, two_orgs, make_user):
    op = make_user("operator")
    own = two_orgs["own"]
    services.add_message(ticket_id=own.id, body="NOTA RISERVATA", internal=True, actor=op)
    note = services.messages_for(own.id, include_internal=True)[-1]
    hidden = services.add_attachment(ticket_id=own.id, filename="riservato.txt", data=b"shh", message_id=note.id)
    api = api_as(user=two_orgs["ref"])
    bodies = [m["body"] for m in api.get(f"/api/v1/tickets/{own.id}/messages").get_json()["items"]]
    assert "NOTA RISERVATA" not in bodies
    assert all(a["filename"] != "riservato.txt" for a in api.get(f"/api/v1/tickets/{own.id}/attachments").get_json())
    assert api.get(f"/api/v1/tickets/{own.id}/attachments/{hidden.id}").status_code == 404
    login(two_orgs["ref"])
    assert "NOTA RISERVATA" not in client.get(f"/portale/richieste/{own.id}").get_data(as_text=True)
    staff = api_as("operator")
    assert "NOTA RISERVATA" in [m["body"] for m in staff.get(f"/api/v1/tickets/{own.id}/messages").get_json()["items"]]


def test_only_own_requests_contact_sees_only_its_tickets(db, api_as, make_org, make_user, make_contact):
    org = make_org()
    me = make_contact(org, name="Io", email="io@example.it", only_own_requests=True)
    colleague = make_contact(org, name="Collega", email="collega@example.it")
    ref = make_user("referente", organization=org, contact_id=me.id)
    mine = services.open_ticket(subject="Mia", organization_id=org.id, requester_contact_id=me.id)
    theirs = services.open_ticket(subject="Sua", organization_id=org.id, requester_contact_id=colleague.id)
    api = api_as(user=ref)
    assert [t["id"] for t in api.get("/api/v1/tickets").get_json()["items"]] == [mine.id]
    assert api.get(f"/api/v1/tickets/{theirs.id}").status_code == 404
    from tickets.models import TicketCc

    db.session.add(TicketCc(ticket_id=theirs.id, contact_id=me.id))
    db.session.commit()
    assert api.get(f"/api/v1/tickets/{theirs.id}").status_code == 200

"""The /api/v1/tickets routes and fields of shared/CONTRACT.md."""

from __future__ import annotations

import datetime as dt

CONTRACT_FIELDS = {
    "id",
    "number",
    "subject",
    "description",
    "status",
    "priority",
    "channel",
    "organization_id",
    "requester_contact_id",
    "service_id",
    "assignee_id",
    "created_at",
    "first_response_due",
    "resolution_due",
    "sla_state",
}


def test_create_get_list_patch(api_as, make_org, make_service):
    api = api_as("operator")
    org, srv = make_org(), make_service()
    r = api.post(
        "/api/v1/tickets",
        json={
            "subject": "Stampanti in rete",
            "description": "Nessuna stampa",
            "organization_id": org.id,
            "service_id": srv.id,
            "priority": "high",
            "tags": ["stampa"],
        },
    )
    assert r.status_code == 201, r.get_json()
    t = r.get_json()
    assert set(t) >= CONTRACT_FIELDS
    assert t["number"].startswith(f"AST-{dt.date.today().year}-")
    assert (t["status"], t["priority"], t["channel"], t["tags"]) == ("new", "high", "api", ["stampa"])
    dt.datetime.fromisoformat(t["created_at"])  # ISO 8601 with offset
    assert "+" in t["created_at"] or t["created_at"].endswith("Z")
    assert api.get(f"/api/v1/tickets/{t['id']}").get_json()["subject"] == "Stampanti in rete"
    found = api.get("/api/v1/tickets?q=stampante&status=new&priority=high").get_json()
    assert [i["id"] for i in found["items"]] == [t["id"]] and found["next_cursor"] is None
    p = api.patch(
        f"/api/v1/tickets/{t['id']}", json={"status": "open", "assignee_id": api.user.id, "priority": "urgent"}
    )
    assert p.status_code == 200, p.get_json()
    assert (p.get_json()["status"], p.get_json()["assignee_id"], p.get_json()["priority"]) == (
        "open",
        api.user.id,
        "urgent",
    )
    assert [i["id"] for i in api.get(f"/api/v1/tickets?assignee_id={api.user.id}").get_json()["items"]] == [t["id"]]


def test_create_answers_with_the_ticket_as_stored(api_as, make_org, make_service, make_contact):
    """The POST answer is what a later GET reads: number, due times, tags and copied contacts."""
    api = api_as("operator")
    org, srv = make_org(), make_service()
    requester, copied = make_contact(org), make_contact(org, email="copia@comune.example.it")
    r = api.post(
        "/api/v1/tickets",
        json={
            "subject": "VPN giù",
            "description": "Da stamattina",
            "organization_id": org.id,
            "requester_contact_id": requester.id,
            "service_id": srv.id,
            "tags": ["Rete", "vpn", "rete"],
            "cc_contact_ids": [copied.id, copied.id],
        },
    )
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["tags"] == ["rete", "vpn"] and created["cc_contact_ids"] == [copied.id]
    assert created["first_response_due"] and created["resolution_due"]
    assert api.get(f"/api/v1/tickets/{created['id']}").get_json() == created


def test_bad_input_is_422_with_the_field_never_500(api_as):
    api = api_as("operator")
    for body, field in [
        ({}, "subject"),
        ({"subject": "x", "priority": "altissima"}, "priority"),
        ({"subject": "x", "organization_id": 999999}, "organization_id"),
        ({"subject": "x", "service_id": "abc"}, "service_id"),
        ({"subject": "x", "assignee_id": 999999}, "assignee_id"),
    ]:
        r = api.post("/api/v1/tickets", json=body)
        assert r.status_code == 422, (body, r.status_code)
        assert field in r.get_json()["error"]["fields"], r.get_json()
    assert api.get("/api/v1/tickets?status=boh").status_code == 422
    assert api.get("/api/v1/tickets?limit=5000").status_code == 422
    assert api.get("/api/v1/tickets?cursor=%%%").status_code == 400
    assert api.get("/api/v1/tickets/999999").status_code == 404


def test_lifecycle_conflicts_answer_409(api_as):
    api = api_as("operator")
    t = api.post("/api/v1/tickets", json={"subject": "x"}).get_json()
    assert api.patch(f"/api/v1/tickets/{t['id']}", json={"status": "closed"}).status_code == 200
    r = api.patch(f"/api/v1/tickets/{t['id']}", json={"status": "open"})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "conflict"


def test_messages_pagination_and_fields(api_as):
    api = api_as("operator")
    t = api.post("/api/v1/tickets", json={"subject": "chat", "description": "primo"}).get_json()
    for i in range(4):
        assert (
            api.post(f"/api/v1/tickets/{t['id']}/messages", json={"body": f"msg {i}", "internal": i == 3}).status_code
            == 201
        )
    page1 = api.get(f"/api/v1/tickets/{t['id']}/messages?limit=3").get_json()
    assert [m["body"] for m in page1["items"]] == ["primo", "msg 0", "msg 1"]
    assert {"id", "body", "internal", "author", "created_at", "attachments"} <= set(page1["items"][0])
    page2 = api.get(f"/api/v1/tickets/{t['id']}/messages?limit=3&cursor={page1['next_cursor']}").get_json()
    assert [(m["body"], m["internal"]) for m in page2["items"]] == [("msg 2", False), ("msg 3", True)]
    assert page2["next_cursor"] is None
    assert api.post(f"/api/v1/tickets/{t['id']}/messages", json={"body": ""}).status_code == 422


def test_list_pages_with_cursor(api_as):
    api = api_as("operator")
    for i in range(5):
        api.post("/api/v1/tickets", json={"subject": f"t{i}"})
    first = api.get("/api/v1/tickets?limit=2").get_json()
    second = api.get(f"/api/v1/tickets?limit=2&cursor={first['next_cursor']}").get_json()
    third = api.get(f"/api/v1/tickets?limit=2&cursor={second['next_cursor']}").get_json()
    subjects = [i["subject"] for p in (first, second, third) for i in p["items"]]
    assert subjects == ["t4", "t3", "t2", "t1", "t0"] and third["next_cursor"] is None


def test_merge_link_rating_bulk(api_as):
    api = api_as("operator")
    a = api.post("/api/v1/tickets", json={"subject": "a", "description": "uno"}).get_json()
    b = api.post("/api/v1/tickets", json={"subject": "b", "description": "due"}).get_json()
    c = api.post("/api/v1/tickets", json={"subject": "c"}).get_json()
    r = api.post(f"/api/v1/tickets/{b['id']}/merge", json={"target_id": a["id"]})
    assert r.status_code == 200 and r.get_json()["id"] == a["id"]
    assert api.get(f"/api/v1/tickets/{b['id']}").get_json()["merged_into_id"] == a["id"]
    assert (
        api.post(f"/api/v1/tickets/{a['id']}/links", json={"other_id": c["id"]}).get_json()["items"][0]["id"] == c["id"]
    )
    res = api.post("/api/v1/tickets/bulk", json={"ids": [a["id"], c["id"], b["id"]], "status": "resolved"}).get_json()
    assert sorted(res["updated"]) == sorted([a["id"], c["id"]]) and str(b["id"]) in res["errors"]
    assert api.post(f"/api/v1/tickets/{a['id']}/rating", json={"rating": 6}).status_code == 422
    assert api.post(f"/api/v1/tickets/{a['id']}/rating", json={"rating": 5, "comment": "ok"}).get_json()["rating"] == 5


def test_referente_confirms_or_reopens_by_api(api_as, referente, make_user):
    from tickets import services

    op = make_user("operator")
    t = services.open_ticket(subject="x", organization_id=referente.organization_id, actor=referente)
    api = api_as(user=referente)
    assert api.patch(f"/api/v1/tickets/{t.id}", json={"status": "closed"}).status_code == 422
    services.change_status(ticket_id=t.id, status="resolved", actor=op)
    assert api.patch(f"/api/v1/tickets/{t.id}", json={"status": "open"}).get_json()["status"] == "open"
    services.change_status(ticket_id=t.id, status="resolved", actor=op)
    assert api.patch(f"/api/v1/tickets/{t.id}", json={"status": "closed"}).get_json()["status"] == "closed"


def test_no_token_is_401(client):
    assert client.get("/api/v1/tickets").status_code == 401


def test_copied_contacts_follow_the_ticket(api_as, make_org, make_contact, make_user):
    org = make_org()
    me = make_contact(org, name="Io", email="io@example.it", only_own_requests=True)
    other = make_contact(org, name="Altro", email="altro@example.it")
    stranger = make_contact(make_org(), name="Estraneo", email="x@example.it")
    ref = make_user("referente", organization=org, contact_id=me.id)
    staff = api_as("operator")
    t = staff.post(
        "/api/v1/tickets", json={"subject": "x", "organization_id": org.id, "requester_contact_id": other.id}
    ).get_json()
    mine = api_as(user=ref)
    assert mine.get(f"/api/v1/tickets/{t['id']}").status_code == 404
    bad = staff.patch(f"/api/v1/tickets/{t['id']}", json={"cc_contact_ids": [stranger.id]})
    assert bad.status_code == 422 and "cc_contact_ids" in bad.get_json()["error"]["fields"]
    ok = staff.patch(f"/api/v1/tickets/{t['id']}", json={"cc_contact_ids": [me.id]})
    assert ok.get_json()["cc_contact_ids"] == [me.id]
    assert mine.get(f"/api/v1/tickets/{t['id']}").status_code == 200

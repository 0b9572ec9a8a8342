"""The CRM API of shared/CONTRACT.md: auth, roles, referente confinement, validation, pagination."""

from __future__ import annotations

import datetime as dt

import pytest

BARI = {
    "kind": "comune",
    "name": "Comune di Bari",
    "istat_code": "072006",
    "belfiore_code": "A662",
    "fiscal_code": "80015010723",
    "ipa_code": "c_a662",
    "sdi_code": "UF3KZW",
    "pec": "protocollo@pec.comune.bari.example",
    "province": "BA",
    "population": 316015,
}


def test_api_requires_a_token(client):
    response = client.get("/api/v1/organizations")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_create_and_read_an_organization(api_as):
    api = api_as("operator")
    response = api.post("/api/v1/organizations", json=BARI)
    assert response.status_code == 201, response.json
    org = response.json
    assert org["istat_code"] == "072006" and org["kind"] == "comune" and org["population"] == 316015
    got = api.get(f"/api/v1/organizations/{org['id']}").json
    assert got["name"] == "Comune di Bari" and got["sdi_code"] == "UF3KZW"
    patched = api.patch(f"/api/v1/organizations/{org['id']}", json={"phone": "080 577 1111"}).json
    assert patched["phone"] == "+390805771111"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("istat_code", "72A006"),
        ("belfiore_code", "A66"),
        ("fiscal_code", "80015010724"),
        ("vat_number", "12345678901"),
        ("ipa_code", "c_g479"),
        ("sdi_code", "UF3KZ"),
        ("pec", "protocollo@"),
        ("phone", "12"),
        ("kind", "regione"),
        ("population", "molti"),
    ],
)
def test_bad_identifier_answers_422_naming_the_field(api_as, field, value):
    response = api_as("admin").post("/api/v1/organizations", json={**BARI, field: value})
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]


def test_duplicate_answers_409_naming_the_field(api_as):
    api = api_as("admin")
    assert api.post("/api/v1/organizations", json=BARI).status_code == 201
    response = api.post(
        "/api/v1/organizations", json={**BARI, "belfiore_code": None, "fiscal_code": None, "ipa_code": None}
    )
    assert response.status_code == 409
    assert "istat_code" in response.json["error"]["fields"]


def test_unknown_field_is_422_not_500(api_as):
    response = api_as("admin").post("/api/v1/organizations", json={**BARI, "colour": "red"})
    assert response.status_code == 422
    assert "colour" in response.json["error"]["fields"]


def test_keyset_pagination(api_as, make_org):
    for i in range(5):
        make_org(name=f"Comune {i}")
    api = api_as("operator")
    first = api.get("/api/v1/organizations?limit=2").json
    assert len(first["items"]) == 2 and first["next_cursor"]
    names = [o["name"] for o in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        body = api.get(f"/api/v1/organizations?limit=2&cursor={cursor}").json
        names += [o["name"] for o in body["items"]]
        cursor = body["next_cursor"]
    assert names == [f"Comune {i}" for i in range(5)]
    assert api.get("/api/v1/organizations?cursor=@@@").status_code == 400
    assert api.get("/api/v1/organizations?limit=500").status_code == 422


def test_roles(api_as, make_org, make_service):
    org = make_org()
    srv = make_service()
    agreement = {
        "organization_id": org.id,
        "start_date": "2026-01-01",
        "end_date": "2030-12-31",
        "service_ids": [srv.id],
        "annual_fee_fixed": "1500.00",
    }
    assert api_as("operator").post("/api/v1/agreements", json=agreement).status_code == 403
    assert api_as("finance").post("/api/v1/agreements", json=agreement).status_code == 201
    assert api_as("operator").post("/api/v1/services", json={"code": "x", "name": "X"}).status_code == 403
    assert api_as("admin").post("/api/v1/services", json={"code": "pec", "name": "PEC"}).status_code == 201
    assert api_as("referente", organization=org).post("/api/v1/organizations", json=BARI).status_code == 403
    assert api_as("operator").get("/api/v1/agreements").json["items"][0]["organization_id"] == org.id


def test_referente_sees_only_its_own_organization(api_as, make_org, make_agreement):
    mine, other = make_org(), make_org()
    a_mine, a_other = make_agreement(org=mine), make_agreement(org=other)
    staff = api_as("admin")
    c_other = staff.post("/api/v1/contacts", json={"organization_id": other.id, "name": "Altro"}).json
    c_mine = staff.post("/api/v1/contacts", json={"organization_id": mine.id, "name": "Mio"}).json
    ref = api_as("referente", organization=mine)
    assert [o["id"] for o in ref.get("/api/v1/organizations").json["items"]] == [mine.id]
    assert ref.get(f"/api/v1/organizations/{mine.id}").status_code == 200
    assert ref.get(f"/api/v1/organizations/{other.id}").status_code == 404
    assert ref.get(f"/api/v1/agreements/{a_other.id}").status_code == 404
    assert ref.get(f"/api/v1/agreements/{a_mine.id}").status_code == 200
    assert [a["id"] for a in ref.get("/api/v1/agreements").json["items"]] == [a_mine.id]
    assert ref.get(f"/api/v1/contacts/{c_other['id']}").status_code == 404
    assert [c["id"] for c in ref.get("/api/v1/contacts").json["items"]] == [c_mine["id"]]
    assert ref.get("/api/v1/interactions").status_code == 403


def test_agreement_fields_and_status_patch(api_as, make_org, make_service):
    org = make_org()
    srv = make_service()
    api = api_as("finance")
    today = dt.date.today()
    body = api.post(
        "/api/v1/agreements",
        json={
            "organization_id": org.id,
            "code": "conv-2026-bari",
            "start_date": today.isoformat(),
            "end_date": (today + dt.timedelta(days=365)).isoformat(),
            "service_ids": [srv.id],
            "billing_document": "fattura",
            "annual_fee_fixed": "1234.5",
            "fee_per_inhabitant": "0.15",
            "included_hours": "20",
            "hourly_rate": "45",
        },
    ).json
    assert body["code"] == "CONV-2026-BARI" and body["status"] == "draft"
    assert (body["annual_fee_fixed"], body["fee_per_inhabitant"], body["hourly_rate"]) == ("1234.50", "0.15", "45.00")
    assert body["service_ids"] == [srv.id] and body["allowed_transitions"] == ["active", "terminated"]
    bad = api.patch(f"/api/v1/agreements/{body['id']}", json={"status": "expired"})
    assert bad.status_code == 422 and "status" in bad.json["error"]["fields"]
    ok = api.patch(f"/api/v1/agreements/{body['id']}", json={"status": "active"})
    assert ok.status_code == 200 and ok.json["status"] == "active"
    listed = api.get(f"/api/v1/agreements?status=active&organization_id={org.id}").json["items"]
    assert [a["id"] for a in listed] == [body["id"]]
    assert api.get("/api/v1/agreements?status=whatever").status_code == 422
    money = api.patch(f"/api/v1/agreements/{body['id']}", json={"annual_fee_fixed": "abc"})
    assert money.status_code == 422 and "annual_fee_fixed" in money.json["error"]["fields"]


def test_contacts_and_interactions(api_as, make_org):
    org = make_org()
    api = api_as("operator")
    bad = api.post("/api/v1/contacts", json={"organization_id": org.id, "name": "X", "email": "x@"})
    assert bad.status_code == 422 and "email" in bad.json["error"]["fields"]
    c = api.post(
        "/api/v1/contacts",
        json={"organization_id": org.id, "name": "Rita", "role": "rtd", "phone": "080 1234567"},
    ).json
    assert c["phone"] == "+390801234567" and c["role"] == "rtd"
    i = api.post(
        "/api/v1/interactions",
        json={"organization_id": org.id, "contact_id": c["id"], "kind": "call", "subject": "Telefonata sul rinnovo"},
    )
    assert i.status_code == 201
    assert api.get(f"/api/v1/interactions?organization_id={org.id}").json["items"][0]["subject"] == (
        "Telefonata sul rinnovo"
    )


def test_contact_portal_flags_round_trip(api_as, make_org):
    org = make_org()
    api = api_as("operator")
    c = api.post(
        "/api/v1/contacts",
        json={
            "organization_id": org.id,
            "name": "Ugo",
            "email": "ugo@comune.example.it",
            "portal_access": True,
            "only_own_requests": True,
        },
    ).json
    assert c["portal_access"] is True and c["only_own_requests"] is True
    assert (
        api.patch(f"/api/v1/contacts/{c['id']}", json={"only_own_requests": False}).json["only_own_requests"] is False
    )

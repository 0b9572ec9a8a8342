"""Typeahead lookups of enti, contacts and users: at most 20, by name, code or email, scoped."""

from __future__ import annotations

import pytest

from app.auth import services as auth_services
from app.errors import Forbidden
from crm import services


@pytest.fixture
def make_contact(db):
    def factory(org, **values):
        return services.create_contact(organization_id=org.id, **values)

    return factory


@pytest.fixture
def many_orgs(make_org):
    return [make_org(name=f"Comune di Castel {i:02d}", istat_code=f"0729{i:02d}") for i in range(25)]


def test_organizations_by_part_of_the_name_or_a_code_at_most_20(db, make_org, many_orgs, make_user):
    op = make_user("operator")
    bitonto = make_org(name="Comune di Bitonto", istat_code="072011", belfiore_code="A893")
    found = services.lookup_organizations(user=op, q="castel")
    assert len(found) == 20 and found[0]["label"] == "Comune di Castel 00"
    assert [o["id"] for o in services.lookup_organizations(user=op, q="bitON")] == [bitonto.id]
    assert [o["id"] for o in services.lookup_organizations(user=op, q="072011")] == [bitonto.id]
    assert [o["id"] for o in services.lookup_organizations(user=op, q="a893")] == [bitonto.id]
    assert "072011" in services.lookup_organizations(user=op, q="bitonto")[0]["hint"]
    assert services.lookup_organizations(user=op, q="  ") == []


def test_a_referente_finds_only_its_own_ente_and_contacts(db, make_org, make_user, make_contact):
    mine, other = make_org(name="Comune di Molfetta"), make_org(name="Comune di Monopoli")
    make_contact(mine, name="Marta Molfetta", email="marta@molfetta.example.it")
    make_contact(other, name="Mario Monopoli", email="mario@monopoli.example.it")
    ref = make_user("referente", organization=mine)
    assert [o["id"] for o in services.lookup_organizations(user=ref, q="comune di mo")] == [mine.id]
    assert [c["label"] for c in services.lookup_contacts(user=ref, q="ma")] == ["Marta Molfetta"]
    assert services.lookup_contacts(user=ref, q="ma", organization_id=other.id) == []
    with pytest.raises(Forbidden):
        auth_services.lookup_users(actor=ref, q="a")


def test_contacts_by_email_of_one_ente_and_users_by_role(db, make_org, make_user, make_contact):
    org = make_org()
    c = make_contact(org, name="Lina Longo", email="lina@conversano.example.it")
    make_contact(make_org(), name="Lina Altrove", email="lina@altrove.example.it")
    op = make_user("operator", name="Oscar Operatore")
    assert [x["id"] for x in services.lookup_contacts(user=op, q="conversano")] == [c.id]
    assert len(services.lookup_contacts(user=op, q="lina")) == 2
    assert [x["id"] for x in services.lookup_contacts(user=op, q="lina", organization_id=org.id)] == [c.id]
    make_user("finance", name="Oscar Ragioniere")
    assert len(auth_services.lookup_users(actor=op, q="oscar")) == 2
    only = auth_services.lookup_users(actor=op, q="oscar", roles=["operator"])
    assert [u["id"] for u in only] == [op.id] and only[0]["hint"] == op.email


def test_api_lookups(api_as, make_org, make_contact, many_orgs):
    api = api_as("operator")
    r = api.get("/api/v1/lookup/organizations?q=castel")
    assert r.status_code == 200 and len(r.get_json()["items"]) == 20
    assert set(r.get_json()["items"][0]) == {"id", "label", "hint"}
    org = make_org(name="Comune di Gioia del Colle")
    make_contact(org, name="Gino Gioia", email="gino@gioia.example.it")
    items = api.get(f"/api/v1/lookup/contacts?q=gino&organization_id={org.id}").get_json()["items"]
    assert [i["label"] for i in items] == ["Gino Gioia"]
    assert api.get("/api/v1/lookup/users?q=operator&role=operator").status_code == 200
    assert api.get("/api/v1/lookup/users?q=x&role=sovrano").status_code == 422
    assert api.get("/api/v1/lookup/organizations?q=" + "x" * 101).status_code == 422
    ref = api_as("referente")
    assert ref.get("/api/v1/lookup/users?q=a").status_code == 403
    mine = ref.get("/api/v1/lookup/organizations?q=comune").get_json()["items"]
    assert [i["id"] for i in mine] == [ref.user.organization_id]


def test_web_lookups_for_the_pickers(client, login, make_user, make_org):
    make_org(name="Comune di Putignano")
    login(make_user("admin"))
    r = client.get("/crm/cerca/enti.json?q=putig")
    assert r.status_code == 200 and [i["label"] for i in r.get_json()["items"]] == ["Comune di Putignano"]
    assert r.headers["Cache-Control"] == "private, no-store"
    assert client.get("/cerca/utenti.json?q=admin").get_json()["items"]
    assert client.get("/crm/cerca/contatti.json?q=x&organization_id=abc").status_code == 422
    page = client.get("/admin/utenti").get_data(as_text=True)
    assert 'data-lookup="/crm/cerca/enti.json"' in page and "combobox.js" in page

"""``Idempotency-Key`` on the API's creating POSTs (app/idempotency.py): a retry creates nothing new."""

from __future__ import annotations

import datetime as dt
import io

import pytest


def with_key(api, key: str) -> dict[str, str]:
    return {**api.headers, "Idempotency-Key": key}


def test_the_same_key_twice_creates_one_ticket_and_answers_the_first_response(api_as):
    api = api_as("admin")
    first = api.client.post("/api/v1/tickets", json={"subject": "Doppio clic"}, headers=with_key(api, "k-1"))
    again = api.client.post("/api/v1/tickets", json={"subject": "Doppio clic"}, headers=with_key(api, "k-1"))
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [t["subject"] for t in api.get("/api/v1/tickets").get_json()["items"]] == ["Doppio clic"]


def test_the_same_key_with_a_different_body_is_refused(api_as):
    api = api_as("admin")
    assert api.client.post("/api/v1/tickets", json={"subject": "A"}, headers=with_key(api, "k")).status_code == 201
    other = api.client.post("/api/v1/tickets", json={"subject": "B"}, headers=with_key(api, "k"))
    assert other.status_code == 422
    assert "Idempotency-Key" in other.get_json()["error"]["fields"]
    assert len(api.get("/api/v1/tickets").get_json()["items"]) == 1


def test_keys_belong_to_their_user_and_a_failed_request_can_be_retried(api_as, make_org):
    admin, operator = api_as("admin"), api_as("operator")
    for api in (admin, operator):
        assert (
            api.client.post("/api/v1/tickets", json={"subject": "X"}, headers=with_key(api, "same")).status_code == 201
        )
    assert len(admin.get("/api/v1/tickets").get_json()["items"]) == 2
    bad = admin.client.post("/api/v1/organizations", json={"name": "Ente"}, headers=with_key(admin, "org"))
    assert bad.status_code == 422  # kind missing: nothing kept under the key
    good = admin.client.post(
        "/api/v1/organizations", json={"name": "Ente", "kind": "comune"}, headers=with_key(admin, "org")
    )
    assert good.status_code == 201, good.data


def test_a_key_older_than_24_hours_is_free_again_and_is_purged(api_as, db):
    from app.db import utcnow
    from app.idempotency import IdempotencyKey, purge

    api = api_as("admin")
    api.client.post("/api/v1/tickets", json={"subject": "Ieri"}, headers=with_key(api, "old"))
    row = db.session.query(IdempotencyKey).one()
    row.created_at = row.created_at - dt.timedelta(hours=25)
    db.session.commit()
    again = api.client.post("/api/v1/tickets", json={"subject": "Ieri"}, headers=with_key(api, "old"))
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert len(api.get("/api/v1/tickets").get_json()["items"]) == 2
    db.session.expire_all()
    assert purge(now=utcnow() + dt.timedelta(hours=23)) == 0
    assert purge(now=utcnow() + dt.timedelta(hours=25)) == 1
    assert db.session.query(IdempotencyKey).count() == 0


@pytest.mark.parametrize("key", ["", " ", "x" * 201, "a\x00b"])
def test_a_malformed_key_is_422(api_as, key):
    api = api_as("admin")
    response = api.client.post("/api/v1/tickets", json={"subject": "X"}, headers=with_key(api, key))
    assert response.status_code == 422
    assert api.get("/api/v1/tickets").get_json()["items"] == []


def test_every_creating_post_of_the_contract_documents_the_header(client):
    spec = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("tickets", "tickets/{ticket_id}/messages", "payments", "contacts", "organizations", "agreements"):
        params = spec[f"/api/v1/{path}"]["post"].get("parameters", [])
        assert any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in params), path


def test_a_multipart_reply_retried_with_its_key_adds_one_message(api_as):
    api = api_as("admin")
    ticket = api.post("/api/v1/tickets", json={"subject": "Allegati"}).get_json()

    def send():
        return api.client.post(
            f"/api/v1/tickets/{ticket['id']}/messages",
            data={"body": "In allegato", "files": (io.BytesIO(b"%PDF-1.4 prova"), "verbale.pdf")},
            headers=with_key(api, "reply-1"),
            content_type="multipart/form-data",
        )

    assert send().status_code == 201
    assert send().status_code == 201
    messages = api.get(f"/api/v1/tickets/{ticket['id']}/messages").get_json()["items"]
    assert [m["body"] for m in messages].count("In allegato") == 1

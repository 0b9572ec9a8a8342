"""The API base of shared/CONTRACT.md: bearer tokens, JSON errors, keyset pagination, OpenAPI."""

from __future__ import annotations

from unittest.mock import ANY

import pytest
import sqlalchemy as sa

from app.api import decode_cursor, encode_cursor, keyset_page
from app.auth.models import User
from app.auth.services import create_user, issue_token, revoke_token


def test_openapi_document_is_served_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/v1/me" in spec["paths"]
    assert "/api/v1/audit" in spec["paths"]


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer prs_unknown"])
def test_missing_or_bad_token_is_a_json_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_session_cookie_alone_does_not_open_the_api(client, login_as):
    login_as("admin")
    assert client.get("/api/v1/me").status_code == 401


def test_token_acts_as_its_user_until_revoked(client, make_user):
    user = make_user("referente")
    token, raw = issue_token(user=user, name="gestionale")
    headers = {"Authorization": f"Bearer {raw}"}
    body = client.get("/api/v1/me", headers=headers).get_json()
    assert body == {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": "referente",
        "organization_id": user.organization_id,
    }
    revoke_token(token_id=token.id, actor=user)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_token_of_a_deactivated_user_stops_working(client, make_user):
    from app.auth.services import update_user

    user = make_user("operator")
    _, raw = issue_token(user=user)
    update_user(user=user, active=False)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_unknown_api_path_and_wrong_method_are_json(api_as):
    api = api_as("operator")
    response = api.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = api.delete("/api/v1/me")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_forbidden_is_a_json_403(api_as):
    response = api_as("finance").get("/api/v1/jobs")
    assert response.status_code == 403
    assert response.get_json() == {
        "error": {"code": "forbidden", "message": "Non hai i permessi per questa operazione."}
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=abc", "limit"),
        ("status=boh", "status"),
    ],
)
def test_bad_list_arguments_are_422_with_the_field(api_as, query, field):
    response = api_as("admin").get(f"/api/v1/jobs?{query}")
    assert response.status_code == 422, response.data
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGEgY3Vyc29y", "WzFd", "eyJ4IjogMX0"])
def test_malformed_or_forged_cursor_is_400_with_the_field(api_as, cursor):
    response = api_as("admin").get(f"/api/v1/jobs?cursor={cursor}")
    assert response.status_code == 400, response.data
    assert response.get_json()["error"]["fields"] == {"cursor": [ANY]}


def test_malformed_json_body_is_400_never_500(api_as):
    """POST /tickets really reads its body: a broken one is a 400 and nothing is created."""
    api = api_as("admin")
    response = api.client.post(
        "/api/v1/tickets", data='{"subject": "x",', headers={**api.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.data
    assert response.get_json()["error"]["code"] == "bad_request"
    assert api.get("/api/v1/tickets").get_json()["items"] == []


def test_retrying_a_job_that_did_not_fail_is_409(api_as, db):
    from app.jobs.models import JobStatus, OutboxJob

    job = OutboxJob(name="jobs.relay", payload={}, status=JobStatus.DONE)
    db.session.add(job)
    db.session.commit()
    api = api_as("admin")
    assert api.post(f"/api/v1/jobs/{job.id}/retry").status_code == 409
    assert api.post("/api/v1/jobs/999999/retry").status_code == 404


def test_keyset_page_walks_every_row_once_in_order(db):
    for i in range(7):
        create_user(email=f"k{i}@example.it", role="operator")
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        rows, cursor = keyset_page(sa.select(User), [User.email, User.id], limit=3, cursor=cursor, descending=False)
        seen += [u.id for u in rows]
        pages += 1
        if cursor is None:
            break
    assert pages == 3
    emails = [db.session.get(User, i).email for i in seen]
    assert emails == sorted(emails) and len(set(seen)) == 7


def test_cursor_round_trip_keeps_dates_and_decimals(db):
    import datetime as dt
    import decimal

    values = [dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC), decimal.Decimal("12.50"), 7]
    assert decode_cursor(encode_cursor(values)) == [values[0], "12.50", 7]


def test_api_list_shape_is_items_and_next_cursor(api_as):
    body = api_as("admin").get("/api/v1/jobs").get_json()
    assert set(body) == {"items", "next_cursor"}
    assert body["next_cursor"] is None

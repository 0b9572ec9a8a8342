"""Sessions end when they should: logout, password change, deactivation (web, CLI and the users API)."""

from __future__ import annotations

import re

import pytest

from app.auth.services import get_user_by_email, issue_token
from tests.conftest import PASSWORD

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(client, user, *, remember: bool = False, password: str = PASSWORD):
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    data = {"email": user.email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    resp = client.post("/login", data=data)
    assert resp.status_code == 302
    return resp


def cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found is not None else None


def copy_of(app, client, *names):
    """A second browser holding copies of ``client``'s cookies (an attacker who copied them)."""
    other = app.test_client()
    for name in names:
        value = cookie(client, name)
        if value is not None:
            other.set_cookie(name, value)
    return other


def signed_in(client) -> bool:
    return client.get("/profilo").status_code == 200


def logout(client):
    token = CSRF.search(client.get("/profilo").get_data(as_text=True)).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_a_copied_session_cookie_dies_at_logout(app, client, make_user):
    sign_in(client, make_user("operator"))
    thief = copy_of(app, client, "session")
    assert signed_in(thief)
    logout(client)
    assert not signed_in(client)
    assert not signed_in(thief)


def test_a_copied_remember_me_cookie_dies_at_logout(app, client, make_user):
    sign_in(client, make_user("operator"), remember=True)
    assert cookie(client, "remember_token")
    thief = copy_of(app, client, "remember_token")  # no session: the remember-me cookie alone signs in
    assert signed_in(thief)
    logout(client)
    assert cookie(client, "remember_token") is None
    fresh = copy_of(app, thief, "remember_token")
    assert not signed_in(fresh)


def test_a_password_change_ends_the_other_sessions_and_the_tokens(app, client, make_user):
    user = make_user("operator")
    sign_in(client, user)
    laptop = app.test_client()
    sign_in(laptop, user, remember=True)
    _, raw = issue_token(user=user)
    api = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=api).status_code == 200
    token = CSRF.search(client.get("/profilo").get_data(as_text=True)).group(1)
    resp = client.post(
        "/profilo",
        data={"action": "password", "pwd-current": PASSWORD, "pwd-new": "una-password-nuova-1", "csrf_token": token},
    )
    assert resp.status_code == 302
    assert signed_in(client)  # the session that changed it goes on
    assert not signed_in(laptop)
    assert not signed_in(copy_of(app, laptop, "remember_token"))
    assert app.test_client().get("/api/v1/me", headers=api).status_code == 401


def test_deactivation_from_the_command_line_stops_sessions_and_tokens(app, client, make_user):
    user = make_user("operator")
    sign_in(client, user, remember=True)
    _, raw = issue_token(user=user)
    result = app.test_cli_runner().invoke(args=["user", "deactivate", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert not signed_in(client)
    assert not signed_in(copy_of(app, client, "remember_token"))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert get_user_by_email(user.email).active is False


def test_deactivating_an_unknown_user_fails_with_one_line(app):
    result = app.test_cli_runner().invoke(args=["user", "deactivate", "nessuno@example.it"])
    assert result.exit_code != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "nessuno@example.it" in result.stderr


def test_a_session_of_the_older_form_or_garbage_is_nobody(app, client, make_user):
    from app.auth.services import user_for_session

    user = make_user("operator")
    assert user_for_session(f"{user.id}:{user.session_version}") == user
    for value in [str(user.id), f"{user.id}:0", f"{user.id}:x", "99999999999999:1", "", ":", "1:1:1"]:
        assert user_for_session(value) is None, value


def test_throttling_still_answers_429(client, make_user, app):
    user = make_user("operator")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    for _ in range(limit):
        client.post("/login", data={"email": user.email, "password": "sbagliata!!", "csrf_token": token})
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 429


# --- /api/v1/users ---------------------------------------------------------------------------------


def test_admin_lists_users_page_by_page(api_as, make_user):
    api = api_as("admin")
    for _ in range(3):
        make_user("operator")
    first = api.get("/api/v1/users?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = api.get(f"/api/v1/users?limit=2&cursor={first['next_cursor']}").get_json()
    ids = [u["id"] for u in first["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) == 4
    assert set(first["items"][0]) == {"id", "email", "name", "role", "organization_id", "fiscal_code", "active"}


def test_admin_creates_a_referente_with_fiscal_code(api_as, make_org):
    api = api_as("admin")
    org = make_org()
    resp = api.post("/api/v1/users", json={"email": "Ref@Comune.example.it", "role": "referente"})
    assert resp.status_code == 422 and "organization_id" in resp.get_json()["error"]["fields"]
    resp = api.post(
        "/api/v1/users",
        json={
            "email": "Ref@Comune.example.it",
            "role": "referente",
            "organization_id": org.id,
            "name": "Rita",
            "fiscal_code": "rssmra80a01a662a",
        },
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["email"] == "ref@comune.example.it" and body["fiscal_code"] == "RSSMRA80A01A662A"
    assert body["organization_id"] == org.id and body["active"] is True
    assert api.get(f"/api/v1/users/{body['id']}").get_json() == body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "a@example.it", "role": "boss"}, "role"),
        ({"email": "a@example.it", "role": "referente", "organization_id": 2**31}, "organization_id"),
        ({"email": "a@example.it", "role": "referente", "organization_id": 999999}, "organization_id"),
        ({"email": "a@example.it", "role": "operator", "fiscal_code": "NOTACODE"}, "fiscal_code"),
        ({"email": "not-an-email", "role": "operator"}, "email"),
    ],
)
def test_bad_user_payloads_are_422_with_the_field(api_as, payload, field):
    resp = api_as("admin").post("/api/v1/users", json=payload)
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["error"]["fields"]


def test_patch_active_false_stops_sessions_and_tokens_at_once(app, client, api_as, make_user):
    api = api_as("admin")
    user = make_user("operator")
    sign_in(client, user)
    _, raw = issue_token(user=user)
    resp = api.patch(f"/api/v1/users/{user.id}", json={"active": False})
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert not signed_in(client)
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    assert api.get("/api/v1/users/2147483648").status_code == 404
    assert api.patch("/api/v1/users/999999", json={"name": "x"}).status_code == 404


def test_users_api_is_for_admins_only(api_as):
    for role in ("operator", "finance", "referente"):
        api = api_as(role)
        assert api.get("/api/v1/users").status_code == 403
        assert api.post("/api/v1/users", json={"email": "x@example.it", "role": "admin"}).status_code == 403

"""Login, logout, throttling, CSRF and session cookies, as a person at the login page sees them."""

from __future__ import annotations

import re

from app.config import ProductionConfig
from tests.conftest import PASSWORD


def _login(client, get_csrf, email: str, password: str, ip: str = "127.0.0.1", **kw):
    token = get_csrf("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
        **kw,
    )


def test_anonymous_visitor_is_sent_to_the_italian_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "Accedi a Presidio" in page
    assert '<html lang="it">' in page


def test_protected_page_redirects_to_login_and_back(client, make_user, get_csrf):
    user = make_user("admin")
    response = client.get("/admin/utenti")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    token = get_csrf("/login")
    response = client.post(
        "/login?next=/admin/utenti", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/admin/utenti"


def test_login_ignores_an_offsite_next(client, make_user, get_csrf):
    user = make_user("operator")
    token = get_csrf("/login")
    response = client.post(
        "/login?next=https://evil.example.com/", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_wrong_password_shows_an_error_and_does_not_log_in(client, make_user, get_csrf):
    user = make_user("operator")
    response = _login(client, get_csrf, user.email, "sbagliata-sbagliata")
    assert response.status_code == 401
    assert "Email o password non corrette." in response.get_data(as_text=True)
    assert client.get("/profilo").status_code == 302


def test_inactive_user_cannot_log_in(client, make_user, get_csrf):
    user = make_user("operator")
    from app.auth.services import update_user

    update_user(user=user, active=False)
    assert _login(client, get_csrf, user.email, PASSWORD).status_code == 401


def test_login_is_throttled_per_account_with_429(client, make_user, get_csrf, config_override):
    config_override(LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_MAX_FAILURES_PER_IP=100)
    user = make_user("operator")
    for i in range(3):
        assert _login(client, get_csrf, user.email, "wrong-password", ip=f"10.0.0.{i}").status_code == 401
    # even the right password from yet another address is refused while the account is locked
    response = _login(client, get_csrf, user.email, PASSWORD, ip="10.0.0.99")
    assert response.status_code == 429
    assert "Troppi tentativi" in response.get_data(as_text=True)
    # another account is not affected
    other = make_user("operator")
    assert _login(client, get_csrf, other.email, PASSWORD, ip="10.0.0.99").status_code == 302


def test_login_is_throttled_per_address_with_429(client, make_user, get_csrf, config_override):
    config_override(LOGIN_MAX_FAILURES_PER_ACCOUNT=100, LOGIN_MAX_FAILURES_PER_IP=4)
    user = make_user("operator")
    for i in range(4):
        _login(client, get_csrf, f"nobody{i}@example.it", "whatever-123", ip="192.0.2.7")
    assert _login(client, get_csrf, user.email, PASSWORD, ip="192.0.2.7").status_code == 429
    assert _login(client, get_csrf, user.email, PASSWORD, ip="192.0.2.8").status_code == 302


def test_successful_login_clears_the_account_failures(client, make_user, get_csrf, config_override):
    config_override(LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_MAX_FAILURES_PER_IP=100)
    user = make_user("operator")
    for _ in range(2):
        _login(client, get_csrf, user.email, "wrong-password")
    assert _login(client, get_csrf, user.email, PASSWORD).status_code == 302
    client.post("/logout", data={"csrf_token": get_csrf("/profilo")})
    for _ in range(2):
        assert _login(client, get_csrf, user.email, "wrong-password").status_code == 401
    assert _login(client, get_csrf, user.email, PASSWORD).status_code == 302


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("operator")
    client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "La sessione del modulo è scaduta" in response.get_data(as_text=True)
    assert client.get("/profilo").status_code == 302


def test_logout_needs_post_with_csrf(client, login_as, get_csrf):
    login_as("operator")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    response = client.post("/logout", data={"csrf_token": get_csrf("/profilo")}, follow_redirects=True)
    assert "Sei uscito da Presidio." in response.get_data(as_text=True)
    assert client.get("/profilo").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, make_user, get_csrf):
    user = make_user("operator")
    response = _login(client, get_csrf, user.email, PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert re.search(r"SameSite=Lax", cookie)


def test_production_cookies_are_secure_and_secret_key_is_required(monkeypatch):
    from app import create_app

    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    monkeypatch.delenv("SECRET_KEY", raising=False)
    import pytest

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_passwords_are_stored_hashed(make_user):
    user = make_user("operator")
    assert PASSWORD not in (user.password_hash or "")
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_user_changes_own_password_from_profile(client, login_as, post_form, get_csrf):
    user = login_as("operator")
    response = post_form(
        "/profilo",
        {"action": "password", "pwd-current": "not-the-password", "pwd-new": "una-nuova-password-lunga"},
    )
    assert "La password attuale non è corretta." in response.get_data(as_text=True)
    response = post_form(
        "/profilo", {"action": "password", "pwd-current": PASSWORD, "pwd-new": "una-nuova-password-lunga"}
    )
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": get_csrf("/profilo")})
    assert _login(client, get_csrf, user.email, "una-nuova-password-lunga").status_code == 302

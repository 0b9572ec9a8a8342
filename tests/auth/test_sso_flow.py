"""SPID/CIE and staff single sign-on end to end: the real app, a real OpenID Connect provider on
127.0.0.1, the browser's trip to the provider and back (shared/CONTRACT.md, "Single sign-on")."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import requests
import sqlalchemy as sa
from stdnum.it import codicefiscale

from app.audit import AuditEntry
from app.auth.models import Role, User
from app.extensions import db
from tests.auth.conftest import follow_to_provider
from tests.auth.provider import new_key


def cf(base: str) -> str:
    """A valid codice fiscale from its first 15 characters."""
    return base + codicefiscale.calc_check_digit(base)


MARIO = cf("RSSMRA85T10A662")
ANNA = cf("BNCNNA80A41A662")


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0


def logged_in_as(client) -> str | None:
    """The id of the user the session carries (Flask-Login's ``_user_id``, "<id>" or "<id>:<version>")."""
    with client.session_transaction() as s:
        value = s.get("_user_id")
    return value.split(":")[0] if value else None


def test_login_redirects_to_the_provider_with_pkce_state_and_nonce(client, sso, app):
    response = client.get("/login/oidc")
    assert response.status_code == 302
    url = urlsplit(response.headers["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{sso.issuer}/authorize"
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params["response_type"] == "code"
    assert params["client_id"] == "presidio"
    assert params["redirect_uri"] == f"{app.config['PUBLIC_BASE_URL']}/login/oidc/callback"
    assert "openid" in params["scope"].split()
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) >= 43 and params["state"] and params["nonce"]


def test_referente_signs_in_with_spid_and_lands_in_its_portal(client, sso, sso_login, make_user):
    referente = make_user("referente", fiscal_code=MARIO)
    sso.identity = {"sub": "spid-1", "fiscal_number": f"TINIT-{MARIO}", "acr": "https://www.spid.gov.it/SpidL2"}
    response = sso_login()
    assert response.status_code == 302
    assert logged_in_as(client) == str(referente.id)
    home = client.get(response.headers["Location"], follow_redirects=True)
    assert home.status_code == 200
    assert home.request.path.startswith("/portale") or "portal" in home.request.path
    assert sso.token_requests[-1]["auth"] == "client_secret_basic"
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "login", AuditEntry.object_id == str(referente.id))
    ).one()
    assert entry.changes["method"] == "oidc"
    assert entry.changes["level"] == 2
    assert entry.changes["acr"] == "https://www.spid.gov.it/SpidL2"


def test_fiscal_number_without_prefix_and_next_page(client, sso, make_user):
    operator = make_user("operator", fiscal_code=ANNA)
    sso.identity = {"sub": "x", "fiscal_number": ANNA.lower()}
    response = follow_to_provider(client, "/login/oidc?next=/admin/utenti?q=a")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/utenti?q=a"
    assert logged_in_as(client) == str(operator.id)


def test_verified_email_finds_the_user_when_no_fiscal_code(client, sso, sso_login, make_user):
    operator = make_user("operator", email="anna.bianchi@cittametropolitana.ba.it")
    sso.identity = {"sub": "kc-7", "email": "Anna.Bianchi@cittametropolitana.ba.it", "email_verified": True}
    assert sso_login().status_code == 302
    assert logged_in_as(client) == str(operator.id)


def test_unverified_email_and_unknown_identity_are_refused_and_nobody_is_created(client, sso, sso_login, make_user):
    make_user("operator", email="anna.bianchi@cittametropolitana.ba.it")
    before = user_count()
    sso.identity = {"sub": "kc-7", "email": "anna.bianchi@cittametropolitana.ba.it", "email_verified": False}
    response = sso_login()
    assert response.status_code == 403
    assert "non corrisponde a nessun utente" in response.get_data(as_text=True)
    sso.identity = {"sub": "spid-9", "fiscal_number": f"TINIT-{MARIO}", "email": "x@y.it", "email_verified": True}
    response = sso_login()
    assert response.status_code == 403
    assert "Nessun account è stato creato" in response.get_data(as_text=True)
    assert user_count() == before
    assert logged_in_as(client) is None


def test_reused_or_forged_state_is_400(client, sso, make_user):
    make_user("operator", fiscal_code=MARIO)
    sso.identity = {"sub": "a", "fiscal_number": MARIO}
    start = client.get("/login/oidc")
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(at_provider.headers["Location"])
    callback = f"{back.path}?{back.query}"
    with client.session_transaction() as s:
        browser_state = s["oidc_state"]
    assert client.get(callback).status_code == 302
    # The same answer again, even with the browser's old state put back: the state answers once.
    client.post("/logout", data={"csrf_token": _csrf(client)})
    with client.session_transaction() as s:
        s["oidc_state"] = browser_state
    assert client.get(callback).status_code == 400
    # A state this browser never started.
    client.get("/login/oidc")
    assert client.get("/login/oidc/callback?code=abc&state=forged").status_code == 400
    assert client.get("/login/oidc/callback").status_code == 400


def _csrf(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/profilo")


def _refused(client, sso, sso_login, make_user, **tamper) -> None:
    make_user("operator", fiscal_code=MARIO)
    sso.identity = {"sub": "a", "fiscal_number": MARIO}
    for key, value in tamper.items():
        setattr(sso, key, value)
    response = sso_login()
    assert response.status_code == 400, response.data[:300]
    assert logged_in_as(client) is None


def test_wrong_nonce_is_refused(client, sso, sso_login, make_user):
    _refused(client, sso, sso_login, make_user, overrides={"nonce": "not-the-one-i-sent"})


def test_wrong_audience_is_refused(client, sso, sso_login, make_user):
    _refused(client, sso, sso_login, make_user, overrides={"aud": "another-client"})


def test_wrong_issuer_is_refused(client, sso, sso_login, make_user):
    _refused(client, sso, sso_login, make_user, overrides={"iss": "https://evil.example"})


def test_expired_token_is_refused(client, sso, sso_login, make_user):
    past = int(time.time()) - 3600
    _refused(client, sso, sso_login, make_user, overrides={"exp": past, "iat": past - 300})


def test_token_signed_by_another_key_with_the_same_kid_is_refused(client, sso, sso_login, make_user):
    _refused(client, sso, sso_login, make_user, sign_with=new_key(kid=sso.signing_key.kid))


def test_token_signed_by_an_unknown_key_is_refused_after_one_refetch(client, sso, sso_login, make_user):
    _refused(client, sso, sso_login, make_user, sign_with=new_key())
    assert sso.jwks_fetches == 2  # the cached set, then once more for the unknown kid


def test_key_rotation_refetches_the_jwks_once(client, sso, sso_login, make_user):
    user = make_user("operator", fiscal_code=MARIO)
    sso.identity = {"sub": "a", "fiscal_number": MARIO}
    assert sso_login().status_code == 302
    assert sso.jwks_fetches == 1
    client.post("/logout", data={"csrf_token": _csrf(client)})
    sso.rotate_keys()
    assert sso_login().status_code == 302
    assert logged_in_as(client) == str(user.id)
    assert sso.jwks_fetches == 2
    client.post("/logout", data={"csrf_token": _csrf(client)})
    assert sso_login().status_code == 302
    assert sso.jwks_fetches == 2  # cached again


def test_private_key_jwt_client_authentication(client, app, sso, sso_login, make_user, tmp_path):
    client_key = new_key()
    pem = tmp_path / "client.pem"
    pem.write_bytes(client_key.as_pem(private=True))
    sso.client_public_key = new_key()  # a key the provider does not accept
    app.config.update(OIDC_TOKEN_AUTH_METHOD="private_key_jwt", OIDC_PRIVATE_KEY_FILE=str(pem))
    user = make_user("finance", fiscal_code=MARIO)
    sso.identity = {"sub": "a", "fiscal_number": MARIO}
    assert sso_login().status_code == 400  # the provider refuses the client: no login
    sso.client_public_key = client_key
    assert sso_login().status_code == 302
    assert sso.token_requests[-1]["auth"] == "private_key_jwt"
    assert "client_secret" not in str(sso.token_requests[-1]["form"])
    assert logged_in_as(client) == str(user.id)
    published = client.get("/login/oidc/jwks.json").get_json()["keys"]
    assert published[0]["n"] == client_key.as_dict(private=False)["n"] and "d" not in published[0]


def test_logout_ends_the_session_at_the_provider(client, app, sso, sso_login, make_user):
    make_user("referente", fiscal_code=MARIO)
    sso.identity = {"sub": "a", "fiscal_number": MARIO}
    assert sso_login().status_code == 302
    response = client.post("/logout", data={"csrf_token": _csrf(client)})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{sso.issuer}/logout"
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert params["post_logout_redirect_uri"] == f"{app.config['PUBLIC_BASE_URL']}/login"
    assert params["id_token_hint"].count(".") == 2
    assert logged_in_as(client) is None
    # Browsers apply the CSP's form-action to the logout form's redirect: the provider is allowed.
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {sso.issuer}" in csp


def test_password_logout_stays_in_presidio(client, sso, login, make_user):
    login(make_user("operator"))
    response = client.post("/logout", data={"csrf_token": _csrf(client)})
    assert response.headers["Location"].endswith("/login")


def test_role_from_the_staff_directory_claim(client, app, sso, sso_login, make_user):
    app.config.update(
        OIDC_ROLE_CLAIM="realm_access.roles",
        OIDC_ROLE_MAP="presidio-operatori=operator,presidio-ragioneria=finance",
        OIDC_TRUST_EMAIL=True,
    )
    user = make_user("operator", email="rag.rossi@cittametropolitana.ba.it")
    sso.identity = {"sub": "kc", "email": user.email, "realm_access": {"roles": ["presidio-ragioneria", "x"]}}
    response = sso_login()
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).role == Role.FINANCE
    # No mapped role in the claim: the role stays as Presidio has it.
    client.post("/logout", data={"csrf_token": _csrf(client)})
    sso.identity = {"sub": "kc", "email": user.email, "realm_access": {"roles": ["other"]}}
    assert sso_login().status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).role == Role.FINANCE


def test_login_page_shows_the_spid_button_only_when_configured(client, app, sso):
    html = client.get("/login").get_data(as_text=True)
    assert "italia-it-button" in html and "Entra con SPID o CIE" in html and 'href="/login/oidc' in html
    app.config["OIDC_ISSUER"] = None
    html = client.get("/login").get_data(as_text=True)
    assert "italia-it-button" not in html
    assert client.get("/login/oidc").status_code == 403


def test_provider_error_answer_is_a_clear_refusal(client, sso):
    client.get("/login/oidc")
    with client.session_transaction() as s:
        state = s["oidc_state"]
    response = client.get(f"/login/oidc/callback?error=access_denied&state={state}")
    assert response.status_code == 403
    assert "access_denied" in response.get_data(as_text=True)


def test_issuer_configured_with_a_trailing_slash(client, app, sso, sso_login, make_user):
    app.config["OIDC_ISSUER"] = sso.issuer + "/"
    user = make_user("operator", fiscal_code=MARIO)
    sso.identity = {"sub": "a", "fiscal_number": MARIO}
    assert sso_login().status_code == 302
    assert logged_in_as(client) == str(user.id)

"""The admin's access rules with single sign-on: password login for referenti, level 2 for finance,
the first SPID/CIE login of a contact of an ente; fiscal codes on users and contacts."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit import AuditEntry
from app.auth.models import Role, User
from app.extensions import db
from tests.auth.test_sso_flow import ANNA, MARIO, cf, logged_in_as, user_count
from tests.conftest import PASSWORD, csrf_token


def password_login(client, user, password: str = PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})


def set_access(client, login_as, **values: bool):
    """The admin ticks the boxes on the access settings page."""
    login_as("admin")
    token = csrf_token(client, "/admin/accesso")
    data = {k: "y" for k, v in values.items() if v}
    response = client.post("/admin/accesso", data={**data, "csrf_token": token})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profilo")})
    return response


def test_password_login_still_works_by_default_and_is_audited(client, sso, make_user):
    referente = make_user("referente")
    assert password_login(client, referente).status_code == 302
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "login")).one()
    assert entry.changes == {"method": "password"} and entry.object_id == str(referente.id)


def test_admin_turns_password_login_off_for_referenti_only(client, sso, login_as, make_user):
    referente = make_user("referente", fiscal_code=MARIO)
    operator = make_user("operator")
    response = set_access(client, login_as, referente_password_login=False)
    assert response.status_code == 302
    refused = password_login(client, referente)
    assert refused.status_code == 403
    assert "Entra con SPID o CIE" in refused.get_data(as_text=True)
    assert logged_in_as(client) is None
    assert password_login(client, operator).status_code == 302  # staff keep their passwords
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profilo")})
    sso.identity = {"sub": "s", "fiscal_number": f"TINIT-{MARIO}"}
    from tests.auth.conftest import follow_to_provider

    assert follow_to_provider(client).status_code == 302
    assert logged_in_as(client) == str(referente.id)


def test_access_settings_need_single_sign_on_configured(client, app, login_as):
    app.config["OIDC_ISSUER"] = None
    login_as("admin")
    token = csrf_token(client, "/admin/accesso")
    response = client.post("/admin/accesso", data={"finance_requires_level2": "y", "csrf_token": token})
    assert response.status_code == 422
    assert "OIDC_ISSUER" in response.get_data(as_text=True)


def test_access_settings_are_admin_only(client, login_as):
    login_as("operator")
    assert client.get("/admin/accesso").status_code == 403


def test_finance_needs_level_2_when_the_admin_requires_it(client, sso, login_as, make_user):
    from tests.auth.conftest import follow_to_provider

    finance = make_user("finance", fiscal_code=ANNA)
    set_access(client, login_as, referente_password_login=True, finance_requires_level2=True)
    sso.identity = {"sub": "f", "fiscal_number": ANNA, "acr": "https://www.spid.gov.it/SpidL1"}
    refused = follow_to_provider(client)
    assert refused.status_code == 403
    assert "livello 2" in refused.get_data(as_text=True)
    assert logged_in_as(client) is None
    assert password_login(client, finance).status_code == 403  # a password is not level 2 either
    sso.identity = {"sub": "f", "fiscal_number": ANNA, "acr": "https://www.spid.gov.it/SpidL2"}
    assert follow_to_provider(client).status_code == 302
    assert logged_in_as(client) == str(finance.id)
    # Operators are not concerned: level 1 is enough for them.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profilo")})
    operator = make_user("operator", fiscal_code=MARIO)
    sso.identity = {"sub": "o", "fiscal_number": MARIO, "acr": "https://www.spid.gov.it/SpidL1"}
    assert follow_to_provider(client).status_code == 302
    assert logged_in_as(client) == str(operator.id)


def _contact(make_org, fiscal_code: str, email: str | None = "g.verdi@comune.example.it"):
    from crm.services import create_contact

    org = make_org()
    return org, create_contact(organization_id=org.id, name="Giulia Verdi", email=email, fiscal_code=fiscal_code)


def test_first_login_makes_the_contact_a_referente_when_allowed(client, sso, login_as, make_org):
    from tests.auth.conftest import follow_to_provider

    code = cf("VRDGLI80A41A662")
    org, contact = _contact(make_org, code)
    sso.identity = {"sub": "g", "fiscal_number": f"TINIT-{code}"}
    before = user_count()
    assert follow_to_provider(client).status_code == 403  # not allowed yet: nobody created
    assert user_count() == before
    set_access(client, login_as, referente_password_login=True, first_login_creates_referente=True)
    response = follow_to_provider(client)
    assert response.status_code == 302
    user = db.session.scalars(sa.select(User).where(User.fiscal_code == code)).one()
    assert (user.role, user.organization_id, user.contact_id, user.email) == (
        Role.REFERENTE,
        org.id,
        contact.id,
        "g.verdi@comune.example.it",
    )
    assert logged_in_as(client) == str(user.id)
    assert db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "sso_created")).one()


def test_first_login_without_any_email_creates_nobody(client, sso, login_as, make_org):
    from tests.auth.conftest import follow_to_provider

    code = cf("VRDGLI80A41A662")
    _contact(make_org, code, email=None)
    set_access(client, login_as, referente_password_login=True, first_login_creates_referente=True)
    before = user_count()
    sso.identity = {"sub": "g", "fiscal_number": code}
    assert follow_to_provider(client).status_code == 403
    assert user_count() == before
    sso.identity = {"sub": "g", "fiscal_number": code, "email": "giulia@comune.example.it", "email_verified": True}
    assert follow_to_provider(client).status_code == 302
    assert db.session.scalars(sa.select(User).where(User.fiscal_code == code)).one().email == (
        "giulia@comune.example.it"
    )


def test_cli_user_create_with_fiscal_code(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["user", "create", "op@centro.example.it", "--role", "operator", "--fiscal-code", MARIO.lower()]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalars(sa.select(User).where(User.email == "op@centro.example.it")).one().fiscal_code == MARIO
    bad = runner.invoke(args=["user", "create", "x@centro.example.it", "--role", "operator", "--fiscal-code", "RSSMRA"])
    assert bad.exit_code == 1 and "codice fiscale" in bad.output
    dup = runner.invoke(args=["user", "create", "y@centro.example.it", "--role", "operator", "--fiscal-code", MARIO])
    assert dup.exit_code == 1


def test_users_page_sets_the_fiscal_code(client, login_as, make_user):
    login_as("admin")
    token = csrf_token(client, "/admin/utenti")
    response = client.post(
        "/admin/utenti",
        data={
            "email": "nuovo@centro.example.it",
            "role": "operator",
            "fiscal_code": f" {MARIO.lower()} ",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    user = db.session.scalars(sa.select(User).where(User.email == "nuovo@centro.example.it")).one()
    assert user.fiscal_code == MARIO
    page = client.get(f"/admin/utenti/{user.id}").get_data(as_text=True)
    assert MARIO in page
    token = csrf_token(client, f"/admin/utenti/{user.id}")
    bad = client.post(
        f"/admin/utenti/{user.id}",
        data={"role": "operator", "active": "y", "fiscal_code": "RSSMRA85T10A662X", "csrf_token": token},
    )
    assert bad.status_code == 422 and "codice fiscale non valido" in bad.get_data(as_text=True)
    ok = client.post(
        f"/admin/utenti/{user.id}", data={"role": "operator", "active": "y", "fiscal_code": ANNA, "csrf_token": token}
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).fiscal_code == ANNA


def test_contacts_carry_a_fiscal_code_in_the_api(api_as, make_org):
    org = make_org()
    api = api_as("operator")
    created = api.post(
        "/api/v1/contacts", json={"organization_id": org.id, "name": "Giulia Verdi", "fiscal_code": MARIO.lower()}
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["fiscal_code"] == MARIO
    bad = api.patch(f"/api/v1/contacts/{created.get_json()['id']}", json={"fiscal_code": "12345"})
    assert bad.status_code == 422 and "fiscal_code" in str(bad.get_json())

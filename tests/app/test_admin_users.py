"""An admin manages accounts from the web: create, change role, deactivate, revoke tokens."""

from __future__ import annotations

import pytest

from app.auth.models import Role
from app.auth.services import get_user_by_email, issue_token, update_user
from app.errors import Conflict
from tests.conftest import PASSWORD


def test_admin_creates_an_operator_from_the_users_page(client, login_as, post_form):
    login_as("admin")
    response = post_form(
        "/admin/utenti",
        {"email": "Nuova.Operatrice@Example.it", "name": "Nuova Operatrice", "role": "operator", "password": ""},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Utente creato." in page
    assert "nuova.operatrice@example.it" in page
    assert get_user_by_email("nuova.operatrice@example.it").role == Role.OPERATOR


def test_referente_without_organization_is_refused_with_the_field_named(client, login_as, post_form):
    login_as("admin")
    response = post_form("/admin/utenti", {"email": "rtd@comune.example.it", "role": "referente"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Utente non creato" in page
    assert "obbligatorio" in page
    assert get_user_by_email("rtd@comune.example.it") is None


def test_referente_bound_by_istat_code(client, login_as, post_form, make_org):
    org = make_org(istat_code="072006", name="Bari", belfiore_code="A662")
    login_as("admin")
    response = post_form(
        "/admin/utenti", {"email": "rtd@comune.bari.it", "role": "referente", "organization_id": "72006"}
    )
    assert response.status_code == 302
    assert get_user_by_email("rtd@comune.bari.it").organization_id == org.id


def test_duplicate_email_is_a_field_error_not_a_crash(client, login_as, post_form, make_user):
    existing = make_user("operator")
    login_as("admin")
    response = post_form("/admin/utenti", {"email": existing.email, "role": "operator"})
    assert response.status_code == 422
    assert "già registrato" in response.get_data(as_text=True)


def test_admin_changes_role_and_deactivates_an_account(client, login_as, post_form, make_user, get_csrf):
    target = make_user("operator")
    login_as("admin")
    page = client.get(f"/admin/utenti/{target.id}").get_data(as_text=True)
    assert target.email in page
    response = post_form(
        f"/admin/utenti/{target.id}", {"name": "Promossa", "role": "finance", "active": "y", "password": ""}
    )
    assert response.status_code == 302
    assert "Utente aggiornato." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert get_user_by_email(target.email).role == Role.FINANCE
    post_form(f"/admin/utenti/{target.id}", {"name": "Promossa", "role": "finance", "password": ""})
    assert get_user_by_email(target.email).active is False
    # the deactivated person cannot log in any more
    client.post("/logout", data={"csrf_token": get_csrf("/profilo")})
    token = get_csrf("/login")
    response = client.post("/login", data={"email": target.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 401


def test_admin_resets_a_password(client, login_as, post_form, make_user, get_csrf):
    target = make_user("operator")
    login_as("admin")
    post_form(
        f"/admin/utenti/{target.id}",
        {"name": "", "role": "operator", "active": "y", "password": "password-reimpostata"},
    )
    client.post("/logout", data={"csrf_token": get_csrf("/profilo")})
    token = get_csrf("/login")
    response = client.post(
        "/login", data={"email": target.email, "password": "password-reimpostata", "csrf_token": token}
    )
    assert response.status_code == 302


def test_the_last_admin_cannot_demote_itself(client, login_as, post_form):
    admin = login_as("admin")
    response = post_form(f"/admin/utenti/{admin.id}", {"name": "", "role": "operator", "active": "y"})
    assert response.status_code == 422
    assert "ultimo amministratore" in response.get_data(as_text=True)
    assert get_user_by_email(admin.email).role == Role.ADMIN


def test_last_admin_rule_in_the_service(make_user):
    a1 = make_user("admin")
    a2 = make_user("admin")
    update_user(user=a1, active=False)
    with pytest.raises(Conflict):
        update_user(user=a2, role="operator")


def test_admin_revokes_another_users_token_and_the_api_refuses_it(client, login_as, post_form, make_user):
    target = make_user("operator")
    token, raw = issue_token(user=target, name="integrazione")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    login_as("admin")
    page = client.get(f"/admin/utenti/{target.id}").get_data(as_text=True)
    assert "integrazione" in page
    response = post_form(
        f"/admin/utenti/{target.id}/token/{token.id}/revoca", {}, form_page=f"/admin/utenti/{target.id}"
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


@pytest.mark.parametrize("role", ["operator", "finance", "referente"])
def test_admin_pages_are_forbidden_to_other_roles(client, login_as, role):
    login_as(role)
    for path in ("/admin", "/admin/utenti", "/admin/audit", "/admin/jobs"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Non hai i permessi" in response.get_data(as_text=True)


def test_users_list_names_the_ente_of_each_referente(client, login_as, make_user, make_org):
    org = make_org(name="Comune di Gioia del Colle")
    make_user("referente", organization=org)
    login_as("admin")
    assert "Comune di Gioia del Colle" in client.get("/admin/utenti").get_data(as_text=True)

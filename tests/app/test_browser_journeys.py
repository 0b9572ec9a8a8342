"""Whole journeys in a real browser (Debian chromium): navigation by role, forms with CSRF, flash
messages, token creation and revocation, language switch, logout."""

from __future__ import annotations

import pytest

from app.auth.services import get_user_by_email

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("role", "sees_admin"), [("admin", True), ("operator", False), ("finance", False), ("referente", False)]
)
def test_navigation_shows_what_the_role_may_use(make_user, browser_login, role, sees_admin):
    page = browser_login(make_user(role))
    nav = page.get_by_role("navigation", name="Menu principale")
    assert nav.get_by_role("link", name="Profilo").count() == 1
    assert (nav.get_by_role("link", name="Amministrazione").count() == 1) is sees_admin
    page.goto("/admin/utenti")
    expected = "Utenti" if sees_admin else "Errore 403"
    assert page.get_by_role("heading", level=1).inner_text().strip() == expected


def test_admin_creates_a_user_through_the_form(make_user, browser_login):
    page = browser_login(make_user("admin"))
    page.get_by_role("navigation", name="Menu principale").get_by_role("link", name="Amministrazione").click()
    page.get_by_role("link", name="Utenti e ruoli").click()
    page.get_by_label("Email").fill("nuovo.operatore@example.it")
    page.get_by_label("Nome e cognome").fill("Nuovo Operatore")
    page.get_by_label("Ruolo").select_option("operator")
    page.get_by_role("button", name="Crea utente").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").filter(has_text="Utente creato.").is_visible()
    assert page.get_by_role("link", name="nuovo.operatore@example.it").is_visible()
    assert get_user_by_email("nuovo.operatore@example.it").name == "Nuovo Operatore"


def test_a_form_with_a_stale_csrf_token_is_refused(make_user, browser_login):
    page = browser_login(make_user("admin"))
    page.goto("/admin/utenti")
    page.eval_on_selector("form:has(#email) input[name=csrf_token]", "el => el.value = 'forged'")
    page.get_by_label("Email").fill("forgiato@example.it")
    page.get_by_role("button", name="Crea utente").click()
    page.wait_for_load_state()
    assert "La sessione del modulo è scaduta" in page.content()
    assert get_user_by_email("forgiato@example.it") is None


def test_token_is_shown_once_and_can_be_revoked(make_user, browser_login, live_server):
    import urllib.request

    page = browser_login(make_user("operator"))
    page.get_by_role("navigation", name="Menu principale").get_by_role("link", name="Profilo").click()
    page.get_by_label("Nome del token").fill("gestionale protocollo")
    page.get_by_role("button", name="Crea token").click()
    page.wait_for_load_state()
    raw = page.locator("#new-token").inner_text().strip()
    assert raw.startswith("prs_")

    def api_status() -> int:
        req = urllib.request.Request(f"{live_server.url}/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
        try:
            return urllib.request.urlopen(req).status  # noqa: S310 - local test server
        except urllib.error.HTTPError as exc:
            return exc.code

    assert api_status() == 200
    page.reload()
    assert page.locator("#new-token").count() == 0  # shown once
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoca").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").filter(has_text="Token revocato.").is_visible()
    assert api_status() == 401


def test_language_switch_and_logout(make_user, browser_login):
    page = browser_login(make_user("operator"))
    page.goto("/profilo")
    page.get_by_role("button", name="EN", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Change password").is_visible()
    page.get_by_role("button", name="IT", exact=True).click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Esci").click()
    page.wait_for_load_state()
    assert page.url.endswith("/login")
    assert page.get_by_role("alert").filter(has_text="Sei uscito da Presidio.").is_visible()

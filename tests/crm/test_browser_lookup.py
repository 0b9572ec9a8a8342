"""The typeahead picker (app/static/js/combobox.js) in a real browser: keyboard and mouse."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.auth.models import User

pytestmark = pytest.mark.browser


def test_new_user_gets_the_ente_picked_by_typing_part_of_its_name(page, browser_login, make_user, make_org, db):
    for i in range(5):
        make_org(name=f"Comune di Altamura {i}")
    gioia = make_org(name="Comune di Gioia del Colle", istat_code="072021")
    browser_login(make_user("admin"))
    page.goto("/admin/utenti")
    page.fill("#email", "rita.referente@gioia.example.it")
    page.fill("#name", "Rita Referente")
    page.locator("section[aria-labelledby=new-user-h] select[name=role]").select_option("referente")
    box = page.get_by_role("combobox", name="Ente")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.fill("gioia d")
    option = page.get_by_role("option", name="Comune di Gioia del Colle")
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status").filter(has_text="1 risultati")).to_have_count(1)
    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id") or "")
    box.press("Enter")  # picks, does not submit
    expect(box).to_have_value("Comune di Gioia del Colle")
    expect(box).to_have_attribute("aria-expanded", "false")
    page.fill("#password", "una-password-lunga-1")
    page.get_by_role("button", name="Crea utente").click()
    expect(page.locator(".flash-messages")).to_contain_text("Utente creato")
    user = User.query.filter_by(email="rita.referente@gioia.example.it").one()
    assert (user.role.value, user.organization_id) == ("referente", gioia.id)

    # the edit page shows the ente's name; a click picks another one
    page.goto(f"/admin/utenti/{user.id}")
    box = page.get_by_role("combobox", name="Ente")
    expect(box).to_have_value("Comune di Gioia del Colle")
    box.fill("altamura 3")
    page.get_by_role("option", name="Comune di Altamura 3").click()
    page.get_by_role("button", name="Salva").click()
    expect(page.locator(".flash-messages")).to_contain_text("Utente aggiornato")
    db.session.expire_all()
    assert db.session.get(User, user.id).organization_id not in (None, gioia.id)


def test_without_a_pick_the_typed_code_still_works(page, browser_login, make_user, make_org):
    org = make_org(name="Comune di Noci", istat_code="072031", belfiore_code="F915")
    browser_login(make_user("admin"))
    page.goto("/admin/utenti")
    page.fill("#email", "nino@noci.example.it")
    page.locator("section[aria-labelledby=new-user-h] select[name=role]").select_option("referente")
    box = page.get_by_role("combobox", name="Ente")
    box.fill("F915")
    box.press("Escape")
    page.fill("#password", "una-password-lunga-1")
    page.get_by_role("button", name="Crea utente").click()
    expect(page.locator(".flash-messages")).to_contain_text("Utente creato")
    assert User.query.filter_by(email="nino@noci.example.it").one().organization_id == org.id

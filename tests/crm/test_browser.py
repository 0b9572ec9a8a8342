"""A finance officer creates an ente in a real browser, then sees its 360° page with a convenzione."""

import pytest

pytestmark = pytest.mark.browser


def test_create_ente_and_view_its_360_page(make_user, make_service, browser_login, live_server):
    make_service(code="pagopa", name="pagoPA")
    page = browser_login(make_user("finance"))
    page.goto("/crm/enti")
    page.get_by_role("link", name="Nuovo ente").click()
    page.select_option("#kind", "comune")
    page.fill("#name", "Comune di Polignano a Mare")
    page.fill("#istat_code", "72035")
    page.fill("#belfiore_code", "G787")
    page.fill("#fiscal_code", "80015010724")  # wrong check digit first
    page.get_by_role("button", name="Salva").click()
    assert page.locator("#fiscal_code-errors").inner_text().strip() == "Cifra di controllo errata."
    page.fill("#fiscal_code", "80015010723")
    page.fill("#ipa_code", "c_g787")
    page.fill("#phone", "080 424 0000")
    page.fill("#population", "17531")
    page.get_by_role("button", name="Salva").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Comune di Polignano a Mare").is_visible()
    assert "072035" in page.locator("main").inner_text()
    assert page.get_by_text("Nessuna convenzione in vigore").is_visible()

    page.get_by_role("link", name="Nuova convenzione").click()
    page.locator("fieldset#service_ids").get_by_text("pagoPA", exact=True).click()  # the label is the box
    assert page.get_by_label("pagoPA", exact=True).is_checked()
    page.fill("#annual_fee_fixed", "900")
    page.get_by_role("button", name="Salva").click()
    page.wait_for_load_state()
    page.select_option("#status", "active")
    page.get_by_role("button", name="Cambia stato").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Comune di Polignano a Mare").first.click()
    main = page.locator("main").inner_text()
    assert "In vigore:" in main and "pagoPA" in main and "Cronologia" in main
    assert "+390804240000" in main

"""The referente's portal on a 390 px phone: lists as cards, nothing wider than the screen, amounts visible."""

from __future__ import annotations

from playwright.sync_api import expect

from tickets import services as tickets


def _fits(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390


def test_the_portal_fits_a_phone(page, browser_login, make_user, issued):
    invoice = issued()
    from app.extensions import db
    from crm.models import Organization

    org = db.session.get(Organization, invoice.organization_id)
    referente = make_user("referente", organization=org, name="Rita Referente")
    ticket = tickets.open_ticket(
        organization_id=invoice.organization_id,
        subject="Il software dei tributi non stampa gli avvisi di pagamento",
        description="Da lunedì",
        actor=referente,
    )
    tickets.change_status(ticket_id=ticket.id, status="resolved", actor=make_user("operator"))
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(referente)

    page.goto("/portale")
    number = page.get_by_role("link", name=ticket.number)
    expect(number).to_be_visible()
    box = number.bounding_box()
    assert box and box["height"] < 30, "the ticket number stays on one line"
    expect(page.locator("td[data-label=Aggiornata]").first).to_be_in_viewport()
    _fits(page)

    number.click()
    confirm = page.get_by_role("button", name="Sì, è risolta")
    expect(confirm).to_be_visible()
    assert confirm.bounding_box()["height"] >= 44, "a thumb-sized action"
    _fits(page)

    page.goto("/ragioneria/fatture")
    amount = page.locator("td.amount").first
    expect(amount).to_be_visible()
    expect(amount).to_be_in_viewport()
    box = amount.bounding_box()
    assert box and box["x"] + box["width"] <= 390
    _fits(page)


def test_an_invoice_page_shows_its_total_on_a_phone(page, browser_login, make_user, issued):
    invoice = issued()
    from app.extensions import db
    from crm.models import Organization

    org = db.session.get(Organization, invoice.organization_id)
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(make_user("referente", organization=org, name="Rita Referente"))
    page.goto(f"/ragioneria/fatture/{invoice.id}")
    total = page.get_by_test_id("invoice-total")
    total.scroll_into_view_if_needed()
    expect(total).to_be_in_viewport()
    box = total.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, "the total is not hidden off-screen"
    _fits(page)

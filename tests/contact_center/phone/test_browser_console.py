"""An operator answers a call from a known comune in a real browser and turns it into a ticket."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from contact_center.phone import services
from tickets.models import Ticket
from tickets.services import open_ticket

pytestmark = pytest.mark.browser


def test_operator_sees_the_caller_and_opens_a_ticket_in_one_step(db, comune, make_user, browser_login, page):
    org, contact = comune
    existing = open_ticket(
        subject="Casella PEC piena", description="...", organization_id=org.id, requester_contact_id=contact.id
    )
    services.start_inbound_call(
        call_sid="CA" + "f" * 32, from_number="+393351234567", to_number="+390809999999", after_hours=False
    )
    browser_login(make_user("operator"))
    page.goto("/contact-center/telefono/")
    live = page.locator(".live-call")
    assert "Maria Loiudice" in live.inner_text() and "Comune di Altamura" in live.inner_text()

    # A second call rings while the console is open: the live list refreshes by itself.
    services.start_inbound_call(
        call_sid="CA" + "e" * 32, from_number="+390805550123", to_number="+390809999999", after_hours=False
    )
    page.locator(".live-call", has_text="+390805550123").wait_for(timeout=20_000)

    page.locator(".live-call", has_text="Maria Loiudice").get_by_role("link", name="Apri scheda").click()
    assert page.locator(".caller-org").inner_text() == "Comune di Altamura"
    assert "Maria Loiudice" in page.locator(".caller-contact").inner_text()
    assert existing.number in page.locator(".open-tickets").inner_text()

    page.get_by_label("Oggetto della richiesta").fill("Accesso SPID non riuscito")
    page.locator("#t-notes").fill("Il sindaco non riesce ad accedere con SPID al portale.")
    page.get_by_role("button", name="Apri richiesta").click()
    page.wait_for_load_state()
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.subject == "Accesso SPID non riuscito"))
    assert ticket is not None and ticket.organization_id == org.id and ticket.channel.value == "phone"
    assert ticket.number in page.locator(".flash-messages").inner_text()
    assert page.locator(".call-ticket").is_visible()


def test_operator_logs_a_call_by_hand(db, comune, make_user, browser_login, page):
    browser_login(make_user("operator"))
    page.goto("/contact-center/telefono/chiamate/nuova")
    page.get_by_label("Numero di telefono").fill("335 1234567")
    page.get_by_label("Durata (minuti)").fill("3")
    page.get_by_label("Note della chiamata").fill("Chiede lo stato della richiesta sul sito.")
    page.get_by_role("button", name="Registra", exact=True).click()
    page.wait_for_load_state()
    assert page.locator(".caller-org").inner_text() == "Comune di Altamura"
    assert "Chiamata registrata." in page.locator(".flash-messages").inner_text()

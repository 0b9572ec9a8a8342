"""Browser journeys (Playwright + Debian chromium): the operator's and the referente's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tickets import services
from tickets.models import Ticket, TicketStatus

pytestmark = pytest.mark.browser


def test_operator_opens_replies_and_resolves(page, browser_login, make_user, make_org, make_contact, outbox):
    op = make_user("operator", name="Oscar Operatore")
    org = make_org(name="Comune di Conversano")
    make_contact(org, name="Lina Longo", email="lina@conversano.example.it")
    browser_login(op)
    page.goto("/ticket/nuovo")
    page.select_option("#organization_id", label="Comune di Conversano")
    page.fill("#requester_email", "lina@conversano.example.it")
    page.fill("#subject", "Stampante dei servizi sociali bloccata")
    page.fill("#description", "La stampante di rete non risponde da stamattina")
    page.select_option("#priority", "high")
    page.get_by_role("button", name="Apri il ticket").click()
    expect(page.locator(".ticket-status")).to_contain_text("Nuovo")
    number = page.locator(".ticket-number").inner_text()
    assert re.fullmatch(r"AST-\d{4}-\d{6}", number)

    # find it in the queue by an Italian word form, open it from there
    page.goto("/ticket/?q=stampanti")
    page.get_by_role("link", name=number).click()
    page.fill("#body", "Abbiamo riavviato lo spooler: ora stampa.")
    page.select_option("#status", "resolved")
    page.get_by_role("button", name="Invia al comune").click()
    expect(page.locator(".ticket-status")).to_contain_text("Risolto")
    expect(page.locator(".public-message").last).to_contain_text("riavviato lo spooler")
    ticket = Ticket.query.filter_by(number=number).one()
    assert ticket.status == TicketStatus.RESOLVED
    assert len(outbox(to_addr="lina@conversano.example.it")) == 3  # opened, reply, resolved


def test_referente_opens_and_follows_a_request(page, browser_login, referente, make_user, outbox):
    browser_login(referente)
    page.get_by_role("link", name="Nuova richiesta").first.click()
    page.fill("#subject", "Certificati online non scaricabili")
    page.fill("#description", "Il portale mostra una pagina bianca quando si scarica il certificato")
    page.get_by_role("button", name="Invia la richiesta").click()
    expect(page.locator(".ticket-status")).to_contain_text("Nuovo")
    number = page.locator(".ticket-number").inner_text()
    ticket = Ticket.query.filter_by(number=number).one()
    assert ticket.organization_id == referente.organization_id
    (ack,) = outbox(ticket_id=ticket.id)
    assert number in ack.subject

    # an operator answers and resolves; the referente follows it in the portal
    op = make_user("operator", name="Oscar Operatore")
    services.add_message(ticket_id=ticket.id, body="Era un problema del certificato SSL, ora è risolto.", actor=op)
    services.add_message(ticket_id=ticket.id, body="nota solo interna", internal=True, actor=op)
    services.change_status(ticket_id=ticket.id, status="resolved", actor=op)
    page.goto("/portale")
    page.get_by_role("link", name=number).click()
    expect(page.locator(".ticket-timeline")).to_contain_text("certificato SSL")
    expect(page.locator(".ticket-timeline")).not_to_contain_text("nota solo interna")
    page.get_by_role("button", name="Sì, è risolta").click()
    expect(page.locator(".ticket-status")).to_contain_text("Chiuso")
    page.select_option("#rating", "5")
    page.fill("#comment", "Velocissimi")
    page.get_by_role("button", name="Invia la valutazione").click()
    expect(page.locator(".rating")).to_contain_text("5 su 5")
    # a new message on the closed request opens a linked follow-up
    page.fill("#body", "Il problema si è ripresentato")
    page.get_by_role("button", name="Invia", exact=True).click()
    expect(page.locator(".alert-info", has_text="Seguito della richiesta")).to_contain_text(number)
    expect(page.locator(".flash-messages")).to_contain_text("nuova richiesta collegata")
    follow = Ticket.query.filter(Ticket.follow_up_of_id == ticket.id).one()
    assert follow.organization_id == referente.organization_id


def test_operator_filters_the_queue_by_an_ente_from_the_list_loaded_on_demand(
    page, browser_login, make_user, make_org, monkeypatch
):
    """With more enti than fit in the page, the ente filter starts with "tutti" only; opening it loads
    the whole list (tickets.js), and the chosen ente filters the queue and stays selected."""
    from tickets import choices

    monkeypatch.setattr(choices, "INLINE_MAX", 2)
    op = make_user("operator")
    orgs = [make_org(name=f"Comune di Prova {i}") for i in range(4)]
    for org in orgs:
        services.open_ticket(
            organization_id=org.id, subject=f"Richiesta di {org.name}", description="Testo della richiesta", actor=op
        )
    browser_login(op)
    page.goto("/ticket/")
    select = page.locator("#f-org")
    expect(select.locator("option")).to_have_count(1)
    select.focus()
    expect(select.locator("option")).to_have_count(5)
    select.select_option(label="Comune di Prova 2")
    page.locator("#f-org").evaluate("el => el.form.submit()")
    page.wait_for_url(re.compile(rf"organization_id={orgs[2].id}"))
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Richiesta di Comune di Prova 2")
    expect(page.locator("#f-org")).to_have_value(str(orgs[2].id))

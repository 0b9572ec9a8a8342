"""The ticket workspace in a real browser: the note mode never mails the comune, one panel saves all."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.extensions import db
from tickets import services
from tickets.models import Priority, Ticket, TicketMessage, TicketStatus


def _ticket(make_user, make_org, make_contact):
    opener = make_user("operator", name="Oscar Apertura")
    org = make_org(name="Comune di Monopoli")
    contact = make_contact(org, name="Lina Longo", email="lina@monopoli.example.it")
    return services.open_ticket(
        organization_id=org.id,
        requester_contact_id=contact.id,
        subject="Protocollo lento",
        description="Il protocollo impiega minuti",
        actor=opener,
    )


def test_a_note_written_in_note_mode_stays_internal_and_mails_nobody(
    page, browser_login, make_user, make_org, make_contact, outbox
):
    ticket = _ticket(make_user, make_org, make_contact)
    op = make_user("operator", name="Paola Primo")
    mails_before = len(outbox())
    browser_login(op)
    page.goto(f"/ticket/{ticket.id}")
    composer = page.locator("#composer")
    expect(composer.get_by_role("button", name="Invia al comune")).to_be_visible()
    expect(composer.get_by_role("button", name="Salva nota interna")).to_have_count(0)
    page.locator("label[for=mode-note]").click()  # the mode's label, in its centre
    submit = composer.get_by_role("button", name="Salva nota interna")
    expect(submit).to_be_visible()
    expect(composer.get_by_role("button", name="Invia al comune")).to_have_count(0)
    expect(composer).to_have_class(re.compile("composer-note"))
    page.fill("#body", "Solo per noi: il fornitore è in ritardo")
    submit.click()
    expect(page.locator(".internal-note").last).to_contain_text("fornitore è in ritardo")
    message = db.session.query(TicketMessage).filter_by(ticket_id=ticket.id).order_by(TicketMessage.id.desc()).first()
    assert message.internal is True
    assert len(outbox()) == mails_before, "an internal note queues no email"


def test_the_properties_panel_saves_status_priority_and_assignee_in_one_submit(
    page, browser_login, make_user, make_org, make_contact
):
    ticket = _ticket(make_user, make_org, make_contact)
    op = make_user("operator", name="Paola Primo")
    colleague = make_user("operator", name="Carlo Collega")
    browser_login(op)
    page.goto(f"/ticket/{ticket.id}")
    panel = page.locator("#properties")
    panel.get_by_label("Stato").select_option("pending")
    panel.get_by_label("Priorità").select_option("high")
    panel.get_by_label("Assegnatario").select_option(label="Carlo Collega")
    panel.get_by_role("button", name="Salva le proprietà").click()
    expect(page.locator(".flash-messages")).to_contain_text("Ticket aggiornato")
    expect(page.locator(".ticket-status")).to_contain_text("In attesa")
    db.session.expire_all()
    fresh = db.session.get(Ticket, ticket.id)
    assert (fresh.status, fresh.priority, fresh.assignee_id) == (TicketStatus.PENDING, Priority.HIGH, colleague.id)


def test_a_draft_survives_leaving_the_page_and_canned_text_goes_at_the_cursor(
    page, browser_login, make_user, make_org, make_contact
):
    ticket = _ticket(make_user, make_org, make_contact)
    op = make_user("operator", name="Paola Primo")
    services.save_canned(title="Saluti", body="Cordiali saluti", actor=op)
    browser_login(op)
    page.goto(f"/ticket/{ticket.id}")
    page.fill("#body", "Buongiorno, fine.")
    page.locator("#body").evaluate("el => el.setSelectionRange(11, 11)")
    page.select_option("#canned_id", label="Saluti")
    expect(page.locator("#body")).to_have_value("Buongiorno,Cordiali saluti fine.")
    page.goto("/ticket/")
    page.goto(f"/ticket/{ticket.id}")
    expect(page.locator("#body")).to_have_value("Buongiorno,Cordiali saluti fine.")


def test_the_portal_checks_a_file_too_big_before_uploading_it(page, browser_login, referente):
    browser_login(referente)
    page.goto("/portale/nuova")
    expect(page.locator("#files-help")).to_contain_text("Massimo 10 MB per file")
    page.fill("#subject", "Scansione del protocollo")
    page.fill("#description", "Allego la scansione")
    page.set_input_files(
        "#files", files=[{"name": "scansione.pdf", "mimeType": "application/pdf", "buffer": b"x" * (11 * 1024 * 1024)}]
    )
    expect(page.locator("#files-error")).to_contain_text("oltre il massimo")
    page.get_by_role("button", name="Invia la richiesta").click()
    expect(page).to_have_url(re.compile(r"/portale/nuova$"))
    expect(page.locator("#subject")).to_have_value("Scansione del protocollo")
    assert db.session.query(Ticket).count() == 0

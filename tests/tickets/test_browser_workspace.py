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


def choose_big_file(page, selector: str, name: str, mb: int) -> None:
    """Put a file of ``mb`` MB into the file field, made in the page (a real change event)."""
    page.locator(selector).evaluate(
        """(input, [name, mb]) => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(mb * 1024 * 1024)], name, {type: 'application/pdf'}));
            input.files = dt.files;
            input.dispatchEvent(new Event('change', {bubbles: true}));
        }""",
        [name, mb],
    )


def test_the_portal_checks_a_file_too_big_before_uploading_it(page, browser_login, referente):
    browser_login(referente)
    page.goto("/portale/nuova")
    expect(page.locator("#files-help")).to_contain_text("Massimo 10 MB per file")
    page.fill("#subject", "Scansione del protocollo")
    page.fill("#description", "Allego la scansione")
    choose_big_file(page, "#files", "scansione.pdf", 11)
    expect(page.locator("#files-error")).to_contain_text("oltre il massimo")
    page.get_by_role("button", name="Invia la richiesta").click()
    expect(page).to_have_url(re.compile(r"/portale/nuova$"))
    expect(page.locator("#subject")).to_have_value("Scansione del protocollo")
    assert db.session.query(Ticket).count() == 0


def test_the_note_mode_is_chosen_by_a_click_in_the_centre_of_its_control(
    page, browser_login, make_user, make_org, make_contact
):
    ticket = _ticket(make_user, make_org, make_contact)
    browser_login(make_user("operator", name="Paola Primo"))
    page.goto(f"/ticket/{ticket.id}")
    page.locator("label[for=mode-note]").scroll_into_view_if_needed()
    box = page.locator("label[for=mode-note]").bounding_box()
    assert box
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('label')?.htmlFor", [x, y])
    assert on_top == "mode-note", "nothing covers the centre of the note control"
    page.mouse.click(x, y)
    expect(page.locator("#mode-note")).to_be_checked()
    expect(page.locator("#composer").get_by_role("button", name="Salva nota interna")).to_be_visible()


def _overlaps(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_the_ticket_page_layout_headings_boxes_selects_and_tag_filter(
    page, browser_login, make_user, make_org, make_contact
):
    ticket = _ticket(make_user, make_org, make_contact)
    browser_login(make_user("admin", name="Paola Primo"))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/ticket/{ticket.id}")
    page.locator("#secondary summary").click()

    # no heading lies over a label
    headings = [h.bounding_box() for h in page.locator("#workspace :is(h2, h3)").all() if h.is_visible()]
    labels = [lb.bounding_box() for lb in page.locator("#workspace label").all() if lb.is_visible()]
    assert headings and labels
    assert not [(h, lb) for h in headings for lb in labels if h and lb and _overlaps(h, lb)]

    # the "Fatturabile" box and its label stay inside the time card
    card = page.locator(".time-entries").bounding_box()
    billable = page.get_by_label("Fatturabile")
    expect(billable).to_be_visible()
    for part in (billable.bounding_box(), page.locator(".time-entries label", has_text="Fatturabile").bounding_box()):
        assert card and part
        assert card["x"] <= part["x"] and part["x"] + part["width"] <= card["x"] + card["width"]

    # every select shows one arrow: the native one is hidden when Bootstrap draws its own
    doubled = page.evaluate(
        """() => Array.from(document.querySelectorAll('select')).filter(s => s.offsetParent).filter(s => {
            const st = getComputedStyle(s);
            return st.backgroundImage !== 'none' && st.appearance !== 'none';
        }).map(s => s.id || s.name)"""
    )
    assert doubled == []

    # the queue's tag filter is drawn as a text field (its line under it), not as bare text
    page.goto("/ticket/")
    assert page.locator("#f-tag").evaluate("el => parseFloat(getComputedStyle(el).borderBottomWidth)") >= 1


def test_a_double_click_on_send_opens_one_request(page, browser_login, referente):
    browser_login(referente)
    page.goto("/portale/nuova")
    page.fill("#subject", "Stampante del protocollo")
    page.fill("#description", "Non stampa le ricevute")
    page.get_by_role("button", name="Invia la richiesta").dblclick()
    expect(page).to_have_url(re.compile(r"/portale/richieste/\d+$"))
    page.wait_for_load_state("networkidle")
    assert db.session.query(Ticket).count() == 1


def test_a_30_mb_file_is_refused_before_upload_and_the_server_413_keeps_the_text(page, browser_login, referente):
    browser_login(referente)
    page.goto("/portale/nuova")
    expect(page.locator("#files-help")).to_contain_text("Massimo 10 MB per file, 30 MB in tutto")
    page.fill("#subject", "Scansione del registro")
    page.fill("#description", "Allego la scansione completa del registro")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.method))
    choose_big_file(page, "#files", "registro.pdf", 30)
    expect(page.locator("#files-error")).to_contain_text("oltre il massimo")
    page.get_by_role("button", name="Invia la richiesta").click()
    expect(page.locator("#files-error")).to_be_visible()
    assert "POST" not in requests, "nothing was uploaded"

    # a browser that does not check (the limits taken away): the server's 413 is the same form, text kept
    page.locator(".upload-field").evaluate(
        "el => { el.removeAttribute('data-upload-max'); el.removeAttribute('data-upload-total'); }"
    )
    choose_big_file(page, "#files", "registro.pdf", 30)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Invia la richiesta").click()
    assert answer.value.status == 413
    expect(page.locator("#subject")).to_have_value("Scansione del registro")
    expect(page.locator("#description")).to_have_value("Allego la scansione completa del registro")
    expect(page.locator("#files-error")).to_contain_text("30 MB")
    assert db.session.query(Ticket).count() == 0

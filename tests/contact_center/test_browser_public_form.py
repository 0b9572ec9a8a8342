"""The public request form in a real browser: a double click opens one request; a 30 MB file is refused
before it is uploaded, with the limits stated next to the field, and the server's 413 (a browser that
does not check) is the same form with everything typed kept."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.tickets.test_browser_workspace import choose_big_file
from tickets.models import Ticket

pytestmark = pytest.mark.browser


def _fill(page, comune) -> None:
    page.goto("/assistenza")
    page.get_by_label("Ente").select_option(str(comune.id))
    page.fill("#name", "Giulia Bianchi")
    page.fill("#email", "giulia.bianchi@example.it")
    page.fill("#subject", "Accesso SPID al portale non funziona")
    page.fill("#description", "Da stamattina il login SPID restituisce errore 500.")
    page.locator("label[for=privacy]").click()  # Bootstrap Italia draws the box in the label
    expect(page.locator("#privacy")).to_be_checked()


def _tickets(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Ticket))


def test_a_double_click_on_send_opens_one_request(db, page, comune):
    _fill(page, comune)
    page.get_by_role("button", name="Invia la richiesta").dblclick()
    expect(page.get_by_text(re.compile(r"[A-Z]+-\d{4}-\d{6}")).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert _tickets(db) == 1


def test_a_30_mb_file_is_refused_before_upload_and_the_server_413_keeps_the_text(db, page, comune):
    _fill(page, comune)
    expect(page.locator("#attachments-help")).to_contain_text("10 MB ciascuno, 30 MB in tutto")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    choose_big_file(page, "#attachments", "verbale.pdf", 30)
    expect(page.locator("#attachments-error")).to_contain_text("oltre il massimo")
    page.get_by_role("button", name="Invia la richiesta").click()
    expect(page.locator("#attachments-error")).to_be_visible()
    assert posts == [], "nothing was uploaded"

    page.locator(".upload-field").evaluate(
        "el => { el.removeAttribute('data-upload-max'); el.removeAttribute('data-upload-total'); }"
    )
    choose_big_file(page, "#attachments", "verbale.pdf", 30)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Invia la richiesta").click()
    assert answer.value.status == 413
    expect(page.locator("#subject")).to_have_value("Accesso SPID al portale non funziona")
    expect(page.locator("#email")).to_have_value("giulia.bianchi@example.it")
    expect(page.locator("#description")).to_have_value("Da stamattina il login SPID restituisce errore 500.")
    expect(page.locator("#attachments-error")).to_contain_text("30 MB")
    assert _tickets(db) == 0

"""Finance in a real browser: uploads the SDI's rejection (NS) on the invoice page, reads the SDI
timeline with the error's Italian meaning, and resends the fattura under a new file name."""

from __future__ import annotations

import pytest

from tests.billing.sdi_files import sample

pytestmark = pytest.mark.browser


def test_finance_uploads_a_rejection_and_resends_under_a_new_name(issued, finance, browser_login):
    invoice = issued()
    first = invoice.sdi_file_name
    page = browser_login(finance)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/ragioneria/fatture/{invoice.id}")
    assert page.get_by_test_id("sdi-file-name").inner_text() == first
    assert page.get_by_test_id("sdi-status").inner_text() == "Da trasmettere"
    page.get_by_label("Notifica SDI (XML o .xml.p7m)").set_input_files(
        {
            "name": first.removesuffix(".xml") + "_NS_001.xml",
            "mimeType": "application/xml",
            "buffer": sample("NS_001", file_name=first),
        }
    )
    page.get_by_role("button", name="Carica notifica SDI").click()
    page.get_by_text("Notifica NS registrata.").wait_for()
    assert page.get_by_test_id("sdi-status").inner_text() == "Scartata"
    timeline = page.get_by_test_id("sdi-timeline").inner_text()
    assert "Notifica di scarto" in timeline
    assert "00311" in timeline and "CodiceDestinatario non valido" in timeline
    page.get_by_role("button", name="Correggi e ritrasmetti (nuovo nome file)").click()
    page.get_by_text("Nuovo nome file:").wait_for()
    second = page.get_by_test_id("sdi-file-name").inner_text()
    assert second != first and second.startswith(first.rsplit("_", 1)[0] + "_") and second.endswith(".xml")
    assert page.get_by_test_id("sdi-status").inner_text() == "Da trasmettere"
    timeline = page.get_by_test_id("sdi-timeline").inner_text()
    assert "Nuovo file per la ritrasmissione" in timeline and second in timeline and first in timeline
    assert not page.get_by_role("button", name="Correggi e ritrasmetti (nuovo nome file)").is_visible()

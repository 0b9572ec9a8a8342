"""Finance runs the year's billing in a real browser: preview, create the drafts (a job with a live
progress bar), issue them, open the pagoPA notice."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_billing_run_preview_then_issue(make_agreement, make_user, browser_login, run_jobs):
    make_agreement()
    make_agreement(billing_document="richiesta_pagamento")
    page = browser_login(make_user("finance"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/ragioneria/fatturazione")
    page.get_by_label("Anno da fatturare").fill("2026")
    page.get_by_role("button", name="Mostra l'anteprima").click()
    summary = page.get_by_test_id("preview-summary")
    assert "2 bozze da creare" in summary.inner_text()
    page.get_by_role("button", name="Crea le bozze (2)").click()
    page.wait_for_url(re.compile(r"/ragioneria/fatturazione/\d+$"))
    run_jobs()  # the worker runs the job; the page follows it and reloads when done
    page.get_by_test_id("run-status").filter(has_text="Completata").wait_for()
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
    page.get_by_role("button", name="Emetti tutte le bozze (2)").click()
    page.get_by_text("Emessi 2 documenti.").wait_for()
    assert page.get_by_role("link", name="FT-2026-00001").is_visible()
    assert page.get_by_role("link", name="RP-2026-00001").is_visible()
    page.get_by_role("link", name="FT-2026-00001").click()
    page.get_by_role("link", name="Avviso di pagamento pagoPA").click()
    code = page.get_by_test_id("notice-code").inner_text()
    assert re.fullmatch(r"3\d{3}( \d{4}){3} \d{2}", code)
    assert page.locator("img[src^='data:image/svg+xml']").is_visible()

"""A referente clicks «Entra con SPID o CIE» in a real browser, passes through the provider and lands
in its portal; «Esci» ends the session at the provider too."""

from __future__ import annotations

import pytest

from tests.auth.test_sso_flow import MARIO

pytestmark = pytest.mark.browser


def test_referente_signs_in_with_the_spid_button_and_out_at_the_provider(
    app, sso, make_user, page, live_server, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server.url)
    make_user("referente", fiscal_code=MARIO, name="Mario Rossi")
    sso.identity = {"sub": "spid-1", "fiscal_number": f"TINIT-{MARIO}", "acr": "https://www.spid.gov.it/SpidL2"}
    page.goto("/login")
    button = page.get_by_role("link", name="Entra con SPID o CIE")
    assert button.is_visible()
    assert button.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(0, 102, 204)"  # AgID blue
    button.click()
    page.wait_for_url(f"{live_server.url}/portale**")
    assert len(sso.authorize_requests) == 1 and len(sso.token_requests) == 1
    page.get_by_role("button", name="Esci").click()
    page.wait_for_url(f"{live_server.url}/login**")
    assert len(sso.logouts) == 1
    assert page.get_by_role("link", name="Entra con SPID o CIE").is_visible()

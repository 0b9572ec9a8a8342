"""An operator triages in a real browser: sees an unknown sender's mail, opens a ticket from it, and
bulk-marks spam (the "select all" box is our JS, allowed by the CSP)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from contact_center.mailflow import ingest
from contact_center.models import InboundItem, InboundStatus, RawSource
from tests.contact_center.conftest import build_email
from tickets.models import Ticket

pytestmark = pytest.mark.browser


def test_operator_triages_the_inbox_in_a_browser(db, make_user, browser_login, comune):
    _, item = ingest(
        build_email(sender="Ufficio Tributi <tributi@comune-nuovo.example.it>", subject="Portale TARI non risponde"),
        source=RawSource.PIPE,
    )
    for i in range(2):
        ingest(build_email(sender=f"promo{i}@spam.example", subject=f"Offerta imperdibile {i}"), source=RawSource.PIPE)
    page = browser_login(make_user("operator"))
    page.get_by_role("link", name="Da smistare").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Messaggi da smistare").is_visible()
    rows = page.locator("#inbox-table tbody tr")
    assert rows.count() == 3
    page.get_by_role("link", name="Portale TARI non risponde").click()
    page.wait_for_load_state()
    create = page.get_by_role("region", name="Crea una richiesta")
    create.get_by_label("Ente", exact=True).select_option(label="Comune di Bitonto")
    create.get_by_label("Priorità").select_option("high")
    create.get_by_role("button", name="Crea richiesta").click()
    page.wait_for_load_state()
    ticket = db.session.scalar(sa.select(Ticket))
    assert page.get_by_text(f"Creata la richiesta {ticket.number}.").is_visible()
    assert ticket.organization_id == comune.id
    assert page.locator("#inbox-table tbody tr").count() == 2
    page.locator("#select-all").check()
    page.get_by_label("Azione sui selezionati").select_option("spam")
    page.get_by_role("button", name="Applica").click()
    page.wait_for_load_state()
    assert page.get_by_text("Nessun elemento da smistare.").is_visible()
    db.session.expire_all()
    statuses = sorted(s.value for s in db.session.scalars(sa.select(InboundItem.status)))
    assert statuses == ["spam", "spam", "ticketed"]
    assert db.session.get(InboundItem, item.id).status == InboundStatus.TICKETED

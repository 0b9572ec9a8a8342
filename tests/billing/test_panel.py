"""The billing panel and timeline on the ente's 360° page; a referente's own invoices on the web."""

from __future__ import annotations

import datetime as dt

from app.db import local_today
from app.extensions import db
from billing import collections


def test_org_page_shows_billing_panel_and_timeline(issued, finance, login_as, client):
    invoice = issued(issue_date=local_today() - dt.timedelta(days=60))
    collections.register_payment(
        invoice_id=invoice.id, amount="50.00", paid_on=local_today(), method="bonifico", actor=finance
    )
    login_as("finance")
    html = client.get(f"/crm/enti/{invoice.organization_id}").get_data(as_text=True)
    assert 'data-panel="billing"' in html
    assert "Situazione contabile" in html and invoice.number in html
    assert f"Incasso 50,00\xa0€ su {invoice.number}" in html


def test_referente_web_sees_own_issued_documents_only(issued, make_user, login, client):
    from crm.models import Organization

    mine = issued()
    other = issued()
    org = db.session.get(Organization, mine.organization_id)
    login(make_user("referente", organization=org))
    listing = client.get("/ragioneria/fatture").get_data(as_text=True)
    assert mine.number in listing and other.number not in listing
    assert client.get(f"/ragioneria/fatture/{mine.id}/avviso").status_code == 200
    assert client.get(f"/ragioneria/fatture/{other.id}").status_code == 404
    assert client.get("/ragioneria/").status_code == 403
    assert client.get("/ragioneria/esporta/fatture.csv").status_code == 403
    detail = client.get(f"/ragioneria/fatture/{mine.id}").get_data(as_text=True)
    assert "Registra un incasso" not in detail

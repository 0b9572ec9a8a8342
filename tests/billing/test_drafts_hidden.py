"""A referente gets 404 for a draft on every route, as for a document that does not exist: the rule
lives once in ``billing.invoices.invoice_for`` (detail, XML, notice, print; web and API)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import NotFound
from app.extensions import db
from billing import services


@pytest.fixture
def draft_and_referente(issued, make_agreement, make_user):
    from crm.models import Organization

    mine = issued()
    org = db.session.get(Organization, mine.organization_id)
    agreement = make_agreement(
        org=org, code="CONV-BOZZA", start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31)
    )
    draft = services.create_annual_draft(terms=services.sources.get_agreement(agreement.id), year=2025)
    db.session.commit()
    return mine, draft, make_user("referente", organization=org)


def test_api_draft_routes_answer_404_to_a_referente(api_as, draft_and_referente):
    mine, draft, referente = draft_and_referente
    api = api_as(user=referente)
    for path in ("", "/fatturapa.xml", "/notice"):
        assert api.get(f"/api/v1/invoices/{draft.id}{path}").status_code == 404, path
    assert api.get(f"/api/v1/invoices/{mine.id}/fatturapa.xml").status_code == 200


def test_web_draft_routes_answer_404_to_a_referente(client, login, draft_and_referente):
    mine, draft, referente = draft_and_referente
    login(referente)
    for path in ("", "/fatturapa.xml", "/avviso", "/stampa"):
        assert client.get(f"/ragioneria/fatture/{draft.id}{path}").status_code == 404, path
    assert client.get(f"/ragioneria/fatture/{mine.id}/fatturapa.xml").status_code == 200


def test_staff_see_drafts_and_lists_hide_them_from_referenti(draft_and_referente, finance):
    mine, draft, referente = draft_and_referente
    assert services.invoice_for(finance, draft.id).id == draft.id
    with pytest.raises(NotFound):
        services.invoice_for(referente, draft.id)
    visible = db.session.scalars(services.visible_invoices(referente, services.invoice_query())).all()
    assert [i.id for i in visible] == [mine.id]

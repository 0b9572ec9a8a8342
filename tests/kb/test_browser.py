"""Deflection in a real browser: a referente typing a new request sees the right article and stops there."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.browser


def test_referente_typing_a_request_sees_the_article_and_stops_without_a_ticket(
    browser_login, make_user, make_org, make_article, db
):
    from kb.models import Deflection
    from tickets.models import Ticket

    make_article(title="Come accedere con SPID", summary="Per i cittadini", body="<p>Scegli il gestore SPID.</p>")
    printer = make_article()
    internal = make_article(title="Procedura interna: stampante e certificati", visibility="internal")
    referente = make_user("referente", organization=make_org(name="Comune di Bitonto"))
    page = browser_login(referente)
    page.goto("/portale/nuova")
    page.get_by_label("Oggetto").fill("Stampante anagrafe")
    page.get_by_label("Descrivi il problema").press_sequentially("la stampante non stampa i certificati", delay=10)
    panel = page.locator("#kb-deflect")
    link = panel.get_by_role("link", name=printer.title)
    link.wait_for()
    assert panel.locator(".kb-deflect-link").first.inner_text() == printer.title
    assert panel.get_by_text(internal.title).count() == 0
    assert link.get_attribute("href").endswith(f"/kb/{printer.slug}")
    panel.locator("li").filter(has_text=printer.title).get_by_role(
        "button", name="Questo ha risolto il mio problema"
    ).click()
    done = panel.get_by_text("Bene! La richiesta non è stata inviata.")
    done.wait_for()
    assert page.locator("form.portal-new").is_hidden()
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Deflection)).all()
    assert [(d.article_id, d.source, d.user_id, d.organization_id) for d in rows] == [
        (printer.id, "portal", referente.id, referente.organization_id)
    ]
    assert "certificati" in rows[0].query
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_anonymous_public_form_suggests_public_articles_only(page, make_article):
    make_article()
    make_article(title="Stampante: guida per i referenti", visibility="referenti")
    page.goto("/assistenza")
    page.locator("#description").fill("la stampante non stampa i certificati")
    panel = page.locator("#kb-deflect")
    panel.get_by_role("link", name="La stampante dell'anagrafe non stampa i certificati").wait_for()
    assert panel.get_by_text("Stampante: guida per i referenti").count() == 0

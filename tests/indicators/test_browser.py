"""A referente answers a survey on a phone (390 px wide): saves, comes back, sends; no horizontal scrolling."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.browser


def test_referente_answers_a_survey_on_a_phone(db, make_user, make_org, catalog, browser_login):
    from indicators.models import IndicatorValue
    from indicators.surveys import create_survey

    org = make_org(name="Comune di Mola")
    spid, anpr = catalog["PNRR-1.4.4-SPID"], catalog["PNRR-1.4.4-ANPR"]
    survey = create_survey(
        actor=make_user("admin"),
        title="Rilevazione PNRR di dicembre",
        indicator_ids=[spid.id, anpr.id],
        organization_ids=[org.id],
        due_date=dt.date(2026, 12, 31),
        today=dt.date(2026, 12, 1),
    )
    page = browser_login(make_user("referente", organization=org))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/indicatori/ente/{org.id}")
    page.get_by_role("link", name="Rilevazione PNRR di dicembre").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator(f"label[for=v-{spid.id}-si]").click()  # Bootstrap Italia draws the radio on its label
    photo = {"name": "spid.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64}
    page.set_input_files(f"#f-{spid.id}", files=[photo])  # a photo of the evidence, from the phone
    page.get_by_role("button", name="Salva e continua dopo").click()
    page.wait_for_load_state()
    assert "puoi riprendere più tardi" in page.content()

    page.goto(f"/indicatori/questionari/{survey.id}")  # comes back later: the draft is there
    assert page.get_by_label("sì").is_checked()
    assert "Già allegato: spid.png" in page.content()
    page.select_option(f"#v-{anpr.id}", "completato")
    page.get_by_role("button", name="Invia le risposte").click()
    page.wait_for_load_state()
    assert "Questionario inviato" in page.content()
    db.session.expire_all()
    rows = db.session.scalars(sa.select(IndicatorValue)).all()
    assert {v.indicator_id: v.value for v in rows} == {spid.id: True, anpr.id: "completato"}
    assert {v.indicator_id: v.evidence_filename for v in rows} == {spid.id: "spid.png", anpr.id: None}


def test_admin_picks_enti_with_search_and_select_all(db, make_user, make_org, catalog, browser_login):
    from indicators.models import Survey, SurveyTarget

    mola, monopoli, bari = (make_org(name=n) for n in ("Comune di Mola", "Comune di Monopoli", "Comune di Bari"))
    page = browser_login(make_user("admin"))
    page.goto("/indicatori/questionari/nuovo")
    page.get_by_label("Titolo").fill("Solo i comuni con la M")
    page.fill("#due_date", "2099-12-31")
    spid = catalog["PNRR-1.4.4-SPID"]
    page.locator(f"label[for=ind-{spid.id}]").click()  # Bootstrap Italia draws the checkbox on its label
    page.get_by_label("Cerca un ente").fill("comune di mo")
    assert page.locator(f"label[for=org-{bari.id}]").is_hidden()
    page.locator("label[for=org-all]").click()  # select all: only those shown
    assert page.locator(f"#org-{mola.id}").is_checked() and page.locator(f"#org-{monopoli.id}").is_checked()
    assert not page.locator(f"#org-{bari.id}").is_checked()
    page.get_by_role("button", name="Invia il questionario").click()
    page.wait_for_load_state()
    assert "avanzamento" in page.url
    db.session.expire_all()
    survey = db.session.scalars(sa.select(Survey)).one()
    targets = db.session.scalars(sa.select(SurveyTarget.organization_id).where(SurveyTarget.survey_id == survey.id))
    assert sorted(targets) == sorted([mola.id, monopoli.id])

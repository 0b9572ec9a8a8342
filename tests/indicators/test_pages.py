"""The referente answers a survey on the web (save, come back, send); the head of the center opens a CRM
interaction from the opportunities list in one click."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.conftest import csrf_token


def test_referente_saves_comes_back_and_sends_a_survey(client, db, login, make_user, make_org, catalog):
    from indicators.models import IndicatorValue
    from indicators.surveys import create_survey

    org = make_org()
    admin = make_user("admin")
    spid, cloud = catalog["PNRR-1.4.4-SPID"], catalog["PNRR-1.2-CLOUD"]
    survey = create_survey(
        actor=admin,
        title="Rilevazione di dicembre",
        indicator_ids=[spid.id, cloud.id],
        organization_ids=[org.id],
        due_date=dt.date(2026, 12, 31),
        today=dt.date(2026, 12, 1),
    )
    login(make_user("referente", organization=org))
    home = client.get(f"/indicatori/ente/{org.id}").get_data(as_text=True)
    assert "Rilevazione di dicembre" in home  # the task in the portal
    url = f"/indicatori/questionari/{survey.id}"
    token = csrf_token(client, url)
    saved = client.post(url, data={"csrf_token": token, f"v-{spid.id}": "true", "azione": "salva"})
    assert saved.status_code == 302
    again = client.get(url).get_data(as_text=True)
    assert f'id="v-{spid.id}-si" value="true" checked' in again
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(IndicatorValue))
    sent = client.post(
        url, data={"csrf_token": token, f"v-{spid.id}": "true", f"v-{cloud.id}": "60", "azione": "invia"}
    )
    assert sent.status_code == 302
    values = db.session.scalars(sa.select(IndicatorValue).order_by(IndicatorValue.indicator_id)).all()
    assert {(v.indicator_id, v.value, v.source.value) for v in values} == {
        (spid.id, True, "survey"),
        (cloud.id, 60, "survey"),
    }
    assert "Rilevazione di dicembre" not in client.get(f"/indicatori/ente/{org.id}").get_data(as_text=True)


def test_opportunity_opens_a_crm_interaction(client, db, login_as, make_org, catalog):
    from crm.models import Interaction, Service
    from indicators.services import update_indicator

    service = Service(code="spid-cie", name="Assistenza SPID/CIE")
    db.session.add(service)
    db.session.commit()
    org = make_org(name="Comune di Conversano")
    admin = login_as("admin")
    update_indicator(indicator_id=catalog["PNRR-1.4.4-SPID"].id, actor=admin, service_ids=[service.id])
    page = client.get("/indicatori/opportunita").get_data(as_text=True)
    assert "Comune di Conversano" in page and "Assistenza SPID/CIE" in page
    token = csrf_token(client, "/indicatori/opportunita")
    done = client.post(f"/indicatori/opportunita/{org.id}/{catalog['PNRR-1.4.4-SPID'].id}", data={"csrf_token": token})
    assert done.status_code == 302 and done.location.endswith(f"/crm/enti/{org.id}")
    note = db.session.scalars(sa.select(Interaction)).one()
    assert note.organization_id == org.id and "Accesso con SPID e CIE" in note.subject
    assert "Assistenza SPID/CIE" in note.body

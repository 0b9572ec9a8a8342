"""Admin web pages: the catalog (create, edit) and surveys (choose indicators and enti — a whole province
or a hand-picked list — send, follow the campaign). Refused forms come back at once, with everything kept;
the pages call the same services as the API."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa


def _tokens(client, path: str) -> dict[str, str]:
    html = client.get(path).get_data(as_text=True)
    out = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)}
    once = re.search(r'name="form_once" value="([^"]+)"', html)
    if once:
        out["form_once"] = once.group(1)
    return out


def test_admin_creates_and_edits_an_indicator(client, db, login_as, catalog):
    from crm.models import Service
    from indicators.models import Indicator

    service = Service(code="sito", name="Sito comunale")
    db.session.add(service)
    db.session.commit()
    login_as("admin")
    url = "/indicatori/catalogo/nuovo"
    form = {
        "code": "SITO-AGID",
        "name": "Sito conforme al modello",
        "measure": "PNRR M1C1 1.4.1",
        "kind": "choice",
        "choices": "",
        "target": "completato",
        "unit": "",
        "description": "Il modello AgID",
        "service_ids": str(service.id),
        "active": "y",
    }
    refused = client.post(url, data={**_tokens(client, url), **form})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "almeno una scelta" in html  # next to its field
    assert 'value="SITO-AGID"' in html and 'value="Sito conforme al modello"' in html and "Il modello AgID" in html
    assert f'id="svc-{service.id}" value="{service.id}" checked' in html  # everything kept
    assert db.session.scalar(sa.select(Indicator).where(Indicator.code == "SITO-AGID")) is None

    clash = client.post(
        url, data={**_tokens(client, url), **form, "code": "PNRR-1.2-CLOUD", "choices": "avviato\ncompletato"}
    )
    assert clash.status_code == 422 and "codice già usato" in clash.get_data(as_text=True)

    done = client.post(url, data={**_tokens(client, url), **form, "choices": "avviato\ncompletato"})
    assert done.status_code == 302
    created = db.session.scalar(sa.select(Indicator).where(Indicator.code == "SITO-AGID"))
    assert (created.kind.value, created.choices, created.target, created.service_ids) == (
        "choice",
        ["avviato", "completato"],
        "completato",
        [service.id],
    )

    edit = f"/indicatori/{created.id}/modifica"
    page = client.get(edit).get_data(as_text=True)
    assert "avviato\ncompletato" in page and 'value="completato"' in page  # the form filled from the indicator
    bad = client.post(edit, data={**_tokens(client, edit), **form, "choices": "avviato\ncompletato", "target": "forse"})
    assert bad.status_code == 422 and "attesa una delle scelte" in bad.get_data(as_text=True)
    ok = client.post(
        edit,
        data={
            **_tokens(client, edit),
            **form,
            "choices": "avviato\ncompletato\nin collaudo",
            "target": "in collaudo",
            "name": "Sito nuovo",
        },
    )
    assert ok.status_code == 302
    db.session.refresh(created)
    assert (created.name, created.target) == ("Sito nuovo", "in collaudo")


def test_only_admins_manage_the_catalog_and_surveys(client, login_as, catalog):
    login_as("operator")
    for url in (
        "/indicatori/catalogo/nuovo",
        f"/indicatori/{catalog['PNRR-1.2-CLOUD'].id}/modifica",
        "/indicatori/questionari/nuovo",
    ):
        assert client.get(url).status_code == 403


def test_admin_sends_a_survey_to_a_province_and_follows_the_campaign(
    client, db, login_as, make_user, make_org, catalog, monkeypatch
):
    from app.mail import OutboundEmail
    from indicators import surveys
    from indicators.models import Survey, SurveyTarget

    monkeypatch.setattr(surveys, "local_today", lambda: dt.date(2026, 12, 7))
    ba = [make_org(name=f"Comune di Bari {n}") for n in range(3)]
    lecce = make_org(name="Comune di Lecce", province="LE", istat_code="075035")
    ref = make_user("referente", organization=ba[0], email="rtd@ba0.example.it")
    make_user("referente", organization=lecce, email="rtd@lecce.example.it")
    login_as("admin")
    url = "/indicatori/questionari/nuovo"
    page = client.get(url).get_data(as_text=True)
    assert 'data-select-all="organization_ids"' in page and 'data-select-all="indicator_ids"' in page
    assert all(f'name="organization_ids" id="org-{o.id}"' in page for o in (*ba, lecce))

    spid, cloud = catalog["PNRR-1.4.4-SPID"], catalog["PNRR-1.2-CLOUD"]
    bad = client.post(
        url,
        data={
            **_tokens(client, url),
            "title": "Rilevazione di dicembre",
            "due_date": "2026-12-01",
            "province": "",
            "organization_ids": [str(lecce.id)],
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "la scadenza è passata" in html and "scegli almeno un indicatore" in html  # all errors at once
    assert 'value="Rilevazione di dicembre"' in html and f'id="org-{lecce.id}" value="{lecce.id}" checked' in html
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Survey))

    sent = client.post(
        url,
        data={
            **_tokens(client, url),
            "title": "Rilevazione di dicembre",
            "due_date": "2026-12-20",
            "province": "BA",
            "indicator_ids": [str(spid.id), str(cloud.id)],
        },
    )
    assert sent.status_code == 302
    survey = db.session.scalars(sa.select(Survey)).one()
    assert sent.location.endswith(f"/indicatori/questionari/{survey.id}/avanzamento")
    targets = db.session.scalars(sa.select(SurveyTarget.organization_id)).all()
    assert sorted(targets) == sorted(o.id for o in ba)  # the comuni of BA, not Lecce
    assert [e.to_addr for e in db.session.scalars(sa.select(OutboundEmail))] == ["rtd@ba0.example.it"]

    surveys.respond(
        survey_id=survey.id, actor=ref, values=[{"indicator_id": spid.id, "value": True}], today=dt.date(2026, 12, 8)
    )
    progress = client.get(sent.location).get_data(as_text=True)
    assert re.search(r'data-testid="answered">1<', progress) and re.search(r'data-testid="pending">2<', progress)
    row = progress.split("Comune di Bari 0")[1].split("</tr>")[0]
    assert "risposto il" in row
    assert "in attesa" in progress.split("Comune di Bari 1")[1].split("</tr>")[0]

    ref_b = make_user("referente", organization=ba[1], email="rtd@ba1.example.it")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', progress).group(1)
    reminded = client.post(f"/indicatori/questionari/{survey.id}/promemoria", data={"csrf_token": token})
    assert reminded.status_code == 302
    emails = db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert [e.to_addr for e in emails[1:]] == [ref_b.email]  # only the pending enti's referenti
    assert emails[-1].subject.startswith("Promemoria")
    again = client.get(sent.location).get_data(as_text=True)
    assert "Promemoria inviato a 1 referente." in again


def test_a_hand_picked_survey_reaches_only_the_chosen_enti(client, db, login_as, make_org, catalog, monkeypatch):
    from indicators import surveys
    from indicators.models import SurveyTarget

    monkeypatch.setattr(surveys, "local_today", lambda: dt.date(2026, 12, 7))
    a, b, c = make_org(), make_org(), make_org()
    login_as("admin")
    url = "/indicatori/questionari/nuovo"
    sent = client.post(
        url,
        data={
            **_tokens(client, url),
            "title": "Solo due",
            "due_date": "2026-12-20",
            "indicator_ids": [str(catalog["PNRR-1.2-CLOUD"].id)],
            "organization_ids": [str(a.id), str(c.id)],
        },
    )
    assert sent.status_code == 302
    assert sorted(db.session.scalars(sa.select(SurveyTarget.organization_id))) == sorted([a.id, c.id])
    assert b.id not in db.session.scalars(sa.select(SurveyTarget.organization_id)).all()

"""Surveys: sent to enti with an email to each referente, answered (draft, then submit) by the referente of
its own ente only, values with source survey, progress for the admin, reminders before the due date."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

TODAY = dt.date(2026, 12, 7)


def _emails(db):
    from app.mail import OutboundEmail

    return db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)).all()


def test_survey_sent_answered_and_reminded(app, db, api_as, make_user, make_org, catalog, monkeypatch):
    from indicators import surveys

    monkeypatch.setattr(surveys, "local_today", lambda: TODAY)
    a, b = make_org(), make_org()
    ref_a = make_user("referente", organization=a, email="rtd@a.example.it")
    make_user("referente", organization=b, email="rtd@b.example.it")
    admin = api_as("admin")
    spid, cloud = catalog["PNRR-1.4.4-SPID"], catalog["PNRR-1.2-CLOUD"]
    created = admin.post(
        "/api/v1/surveys",
        json={
            "title": "Rilevazione PNRR",
            "indicator_ids": [spid.id, cloud.id],
            "organization_ids": [a.id, b.id],
            "due_date": "2026-12-20",
        },
    )
    assert created.status_code == 201, created.json
    survey_id = created.json["id"]
    assert (created.json["answered"], created.json["pending"]) == (0, 2)
    assert sorted(e.to_addr for e in _emails(db)) == ["rtd@a.example.it", "rtd@b.example.it"]
    first = _emails(db)[0]
    assert "Rilevazione PNRR" in first.subject and f"/indicatori/questionari/{survey_id}" in first.body_text
    again = {k: created.json[k] for k in ("title", "indicator_ids", "organization_ids", "due_date")}
    assert api_as("operator").post("/api/v1/surveys", json=again).status_code == 403

    ref = api_as(user=ref_a)
    assert [s["id"] for s in ref.get("/api/v1/surveys").json["items"]] == [survey_id]
    url = f"/api/v1/surveys/{survey_id}/responses"
    bad = ref.post(url, json={"values": [{"indicator_id": cloud.id, "value": "tanti"}]})
    assert bad.status_code == 422 and "values.0.value" in bad.json["error"]["fields"]
    draft = ref.post(url, json={"values": [{"indicator_id": spid.id, "value": "sì"}], "draft": True})
    assert draft.json == {"saved": 1, "answered": False}
    assert ref.get("/api/v1/indicator-values").json["items"] == []
    done = ref.post(
        url, json={"values": [{"indicator_id": spid.id, "value": True}, {"indicator_id": cloud.id, "value": 80}]}
    )
    assert done.status_code == 201 and done.json == {"saved": 2, "answered": True}
    values = ref.get("/api/v1/indicator-values").json["items"]
    assert {(v["indicator_id"], v["value"], v["source"]) for v in values} == {
        (spid.id, True, "survey"),
        (cloud.id, 80, "survey"),
    }
    assert ref.post(url, json={"values": []}).status_code == 409
    # another ente's referente cannot answer for a
    other = api_as("referente", organization=make_org())
    assert other.post(url, json={"values": []}).status_code == 404

    listed = admin.get("/api/v1/surveys").json["items"][0]
    assert (listed["answered"], listed["pending"]) == (1, 1)

    assert surveys.send_reminders(today=dt.date(2026, 12, 10)) == 0  # too early
    before = len(_emails(db))
    assert surveys.send_reminders(today=dt.date(2026, 12, 18)) == 1  # only b, which has not answered
    assert surveys.send_reminders(today=dt.date(2026, 12, 19)) == 0  # once
    reminder = _emails(db)[before]
    assert reminder.subject.startswith("Promemoria") and reminder.to_addr == "rtd@b.example.it"


def test_survey_refuses_past_due_date_and_unknown_ids(api_as, make_org, catalog, monkeypatch):
    from indicators import surveys

    monkeypatch.setattr(surveys, "local_today", lambda: TODAY)
    admin = api_as("admin")
    org = make_org()
    ind = catalog["PNRR-1.4.4-SPID"].id
    base = {"title": "T", "indicator_ids": [ind], "organization_ids": [org.id], "due_date": "2026-12-20"}
    assert admin.post("/api/v1/surveys", json=base | {"due_date": "2026-01-01"}).json["error"]["fields"] == {
        "due_date": ["la scadenza è passata"]
    }
    assert (
        "indicator_ids"
        in admin.post("/api/v1/surveys", json=base | {"indicator_ids": [999999]}).json["error"]["fields"]
    )
    assert (
        "organization_ids"
        in admin.post("/api/v1/surveys", json=base | {"organization_ids": [999999]}).json["error"]["fields"]
    )

"""API and pages for policies, calendars, a ticket's SLA, reports (JSON, CSV, HTML)."""

from __future__ import annotations

import datetime as dt

from app.db import transaction, utcnow
from tickets.sla import apply_sla

from .conftest import rome


def test_policies_api_admin_only_with_validation(db, api_as, make_ticket):
    admin, operator = api_as("admin"), api_as("operator")
    body = {"name": "Urgenti", "priority": "urgent", "first_response_minutes": 15, "resolution_minutes": 120}
    assert operator.post("/api/v1/sla/policies", json=body).status_code == 403
    r = admin.post("/api/v1/sla/policies", json=body)
    assert r.status_code == 201, r.json
    pid = r.json["id"]
    assert r.json["tier"] is None and r.json["active"] is True
    assert operator.get("/api/v1/sla/policies").json["items"][0]["name"] == "Urgenti"
    for bad, field in (
        ({**body, "priority": "altissima"}, "priority"),
        ({**body, "first_response_minutes": 0}, "first_response_minutes"),
        ({**body, "resolution_minutes": 5}, "resolution_minutes"),
        ({**body, "calendar_id": 999}, "calendar_id"),
        ({**body, "escalation_email": "non-una-mail"}, "escalation_email"),
        ({"priority": "low"}, "name"),
    ):
        r = admin.post("/api/v1/sla/policies", json=bad)
        assert r.status_code == 422, (bad, r.json)
        assert field in r.json["error"]["fields"], (bad, r.json)
    # an urgent ticket follows the policy
    t = make_ticket(created_at=rome(2026, 11, 24, 9, 0), priority="urgent")
    r = operator.get(f"/api/v1/tickets/{t.id}/sla")
    assert r.status_code == 200
    assert r.json["policy_name"] == "Urgenti"
    assert dt.datetime.fromisoformat(r.json["first_response_due"]) == rome(2026, 11, 24, 9, 15)
    r = admin.patch(f"/api/v1/sla/policies/{pid}", json={"resolution_minutes": 240, "tier": "Premium"})
    assert r.status_code == 200 and r.json["resolution_minutes"] == 240 and r.json["tier"] == "premium"
    assert admin.patch("/api/v1/sla/policies/999", json={"name": "x"}).status_code == 404
    # now only for premium convenzioni: the ticket (no convenzione) falls back to the built-in targets
    r = operator.get(f"/api/v1/tickets/{t.id}/sla")
    assert r.json["policy_name"] == "" and r.json["first_response_minutes"] == 30
    assert admin.delete(f"/api/v1/sla/policies/{pid}").status_code == 204
    assert admin.get(f"/api/v1/sla/policies/{pid}").status_code == 404


def test_calendars_api(db, api_as):
    admin, operator = api_as("admin"), api_as("operator")
    body = {
        "name": "Centro Bari",
        "holiday_subdiv": "BA",
        "hours": {"0": "08:00-14:00", "2": "08:00-14:00, 15:00-18:00"},
    }
    assert operator.post("/api/v1/sla/calendars", json=body).status_code == 403
    r = admin.post("/api/v1/sla/calendars", json=body)
    assert r.status_code == 201, r.json
    cid = r.json["id"]
    assert r.json["is_default"] is True
    assert r.json["hours"]["2"] == "08:00-14:00, 15:00-18:00" and r.json["hours"]["1"] == ""
    r = admin.post(
        f"/api/v1/sla/calendars/{cid}/closures", json={"day": "2026-05-08", "yearly": True, "name": "San Nicola"}
    )
    assert r.status_code == 201
    assert (
        admin.post(f"/api/v1/sla/calendars/{cid}/closures", json={"day": "2026-05-08", "yearly": True}).status_code
        == 422
    )
    assert admin.post(f"/api/v1/sla/calendars/{cid}/closures", json={"day": "domani"}).status_code == 422
    r = admin.get(f"/api/v1/sla/calendars/{cid}")
    assert [c["name"] for c in r.json["closures"]] == ["San Nicola"]
    bad = admin.patch(f"/api/v1/sla/calendars/{cid}", json={"hours": {"1": "18-9"}})
    assert bad.status_code == 422 and "hours.1" in bad.json["error"]["fields"]
    assert admin.patch(f"/api/v1/sla/calendars/{cid}", json={"hours": {"9": "9-10"}}).status_code == 422
    assert admin.patch(f"/api/v1/sla/calendars/{cid}", json={"holiday_subdiv": "ZZ"}).status_code == 422
    assert admin.patch(f"/api/v1/sla/calendars/{cid}", json={"timezone": "Marte/Olympus"}).status_code == 422
    r = admin.patch(f"/api/v1/sla/calendars/{cid}", json={"name": "Centro di Bari"})
    assert r.status_code == 200 and r.json["hours"]["0"] == "08:00-14:00"  # hours untouched
    assert admin.post("/api/v1/sla/calendars", json={"name": "Centro di Bari"}).status_code == 422
    assert admin.delete(f"/api/v1/sla/calendars/{cid}").status_code == 409  # the default one stays
    from tickets.sla import is_business_time

    assert is_business_time(rome(2026, 11, 23, 13, 30))  # Monday 8-14
    assert not is_business_time(rome(2026, 11, 24, 10, 0))  # Tuesday closed


def test_ticket_sla_api_confines_referenti(db, api_as, make_org, make_ticket):
    org, other = make_org(), make_org()
    mine = make_ticket(organization_id=org.id)
    theirs = make_ticket(organization_id=other.id)
    ref = api_as("referente", organization=org)
    assert ref.get(f"/api/v1/tickets/{mine.id}/sla").status_code == 200
    assert ref.get(f"/api/v1/tickets/{theirs.id}/sla").status_code == 404
    assert ref.get("/api/v1/sla/report").status_code == 403
    assert ref.get("/api/v1/sla/policies").status_code == 403


def _decided_tickets(db, make_ticket, set_status, org, service=None):
    kw = {"organization_id": org.id, "service_id": service.id if service else None}
    quick = make_ticket(created_at=utcnow() - dt.timedelta(hours=1), **kw)
    set_status(quick, "resolved", utcnow() - dt.timedelta(minutes=1), now=utcnow())
    late = make_ticket(created_at=utcnow() - dt.timedelta(days=21), **kw)
    with transaction():
        apply_sla(late)
    return quick, late


def test_compliance_report_json_csv_and_page(db, api_as, client, login_as, make_org, make_ticket, set_status):
    from crm.models import Service

    org = make_org(name="Comune di Bitonto")
    svc = Service(code="PEC", name="Posta certificata")
    db.session.add(svc)
    db.session.commit()
    _decided_tickets(db, make_ticket, set_status, org, svc)
    now = utcnow()
    year = now.year
    finance = api_as("finance")
    r = finance.get(f"/api/v1/sla/report?year={year}&group=organization")
    assert r.status_code == 200, r.json
    row = next(x for x in r.json["rows"] if x["label"] == "Comune di Bitonto")
    assert row["tickets"] == 2
    assert (row["resolution_met"], row["resolution_breached"], row["resolution_pct"]) == (1, 1, 50.0)
    r = finance.get(f"/api/v1/sla/report?year={year}&group=service")
    assert [x["label"] for x in r.json["rows"]] == ["Posta certificata"]
    r = finance.get(f"/api/v1/sla/report?year={year}&group=month")
    assert sum(x["tickets"] for x in r.json["rows"]) == 2
    assert finance.get("/api/v1/sla/report?group=galassia").status_code == 422
    assert finance.get("/api/v1/sla/report?month=13").status_code == 422
    r = finance.get(f"/api/v1/sla/report?year={year}&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.get_data(as_text=True)
    assert "Comune di Bitonto" in text and "50,0" in text
    login_as("operator")
    page = client.get(f"/ticket/sla/report?year={year}&month=all")
    assert page.status_code == 200 and "Comune di Bitonto" in page.get_data(as_text=True)
    csv = client.get(f"/ticket/sla/report.csv?year={year}&month=all&group=service")
    assert csv.status_code == 200 and "attachment" in csv.headers["Content-Disposition"]
    assert client.get("/ticket/sla/report?year=abc").status_code == 400
    assert client.get("/ticket/sla/tempo").status_code == 200
    assert client.get("/ticket/sla/tempo?format=csv").mimetype == "text/csv"


def test_at_risk_page_lists_breached_tickets(db, client, login_as, make_ticket):
    late = make_ticket(created_at=utcnow() - dt.timedelta(days=21), subject="Sito istituzionale irraggiungibile")
    fresh = make_ticket(subject="Richiesta di informazioni")
    with transaction():
        apply_sla(late)
        apply_sla(fresh)
    login_as("operator")
    html = client.get("/ticket/sla/rischio").get_data(as_text=True)
    assert "Sito istituzionale irraggiungibile" in html and "Richiesta di informazioni" not in html
    assert "Richiesta di informazioni" in client.get("/ticket/sla/rischio?sla=ok").get_data(as_text=True)
    assert client.get("/ticket/sla/rischio?sla=boh").status_code == 400


def test_admin_pages_edit_policies_and_calendars(db, client, login_as, get_csrf):
    login_as("admin")
    assert client.get("/ticket/sla/").status_code == 200
    token = get_csrf("/ticket/sla/politiche/nuova")
    r = client.post(
        "/ticket/sla/politiche/nuova",
        data={
            "csrf_token": token,
            "name": "Alta premium",
            "priority": "high",
            "tier": "premium",
            "first_response_minutes": "60",
            "resolution_minutes": "480",
            "calendar_id": "",
            "active": "y",
        },
    )
    assert r.status_code == 302
    assert "Alta premium" in client.get("/ticket/sla/").get_data(as_text=True)
    r = client.post(
        "/ticket/sla/politiche/nuova",
        data={"csrf_token": token, "name": "Sbagliata", "first_response_minutes": "60", "resolution_minutes": "30"},
    )
    assert r.status_code == 422 and "prima della prima risposta" in r.get_data(as_text=True)
    token = get_csrf("/ticket/sla/calendari/nuovo")
    r = client.post(
        "/ticket/sla/calendari/nuovo",
        data={
            "csrf_token": token,
            "name": "Sede",
            "timezone": "Europe/Rome",
            "holiday_subdiv": "BA",
            "national_holidays": "y",
            "hours_0": "08:30-13:30, 14:30-17:30",
            "hours_1": "8:30-13:30",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    edit = r.headers["Location"]
    html = client.get(edit).get_data(as_text=True)
    assert "08:30-13:30, 14:30-17:30" in html
    cal_id = int(edit.rstrip("/").split("/")[-1])
    r = client.post(
        f"/ticket/sla/calendari/{cal_id}/chiusure",
        data={"csrf_token": get_csrf(edit), "day": "2026-12-24", "name": "Vigilia"},
    )
    assert r.status_code == 302
    assert "Vigilia" in client.get(edit).get_data(as_text=True)
    bad = client.post(
        edit,
        data={"csrf_token": get_csrf(edit), "name": "Sede", "timezone": "Europe/Rome", "hours_2": "tutto il giorno"},
    )
    assert bad.status_code == 422


def test_admin_pages_refuse_operators(db, client, login_as):
    login_as("operator")
    assert client.get("/ticket/sla/").status_code == 403
    assert client.get("/ticket/sla/politiche/nuova").status_code == 403
    assert client.get("/ticket/sla/calendari/nuovo").status_code == 403

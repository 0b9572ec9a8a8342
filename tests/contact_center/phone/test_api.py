"""/api/v1/calls and /api/v1/sms: staff only, keyset pages, 422 with the field, one-step tickets."""

from __future__ import annotations

import sqlalchemy as sa

from app.jobs.models import OutboxJob
from contact_center.phone import services
from contact_center.phone.models import Call


def test_referente_and_finance_cannot_read_calls(api_as):
    assert api_as("referente").get("/api/v1/calls").status_code == 403
    assert api_as("finance").get("/api/v1/calls").status_code == 403
    assert api_as("referente").get("/api/v1/sms").status_code == 403


def test_log_a_call_then_list_and_filter(api_as, comune):
    org, contact = comune
    api = api_as("operator")
    created = api.post(
        "/api/v1/calls",
        json={
            "number": "080 3107111",
            "started_at": "2026-11-20T10:00:00+01:00",
            "duration_seconds": 300,
            "notes": "Firma digitale",
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["organization_id"] == org.id and body["caller_number"] == "+390803107111"
    assert body["started_at"] == "2026-11-20T09:00:00+00:00" and body["outcome"] == "answered"
    api.post("/api/v1/calls", json={"number": "+393479876543", "outcome": "missed"})
    listed = api.get("/api/v1/calls?limit=1").get_json()
    assert len(listed["items"]) == 1 and listed["next_cursor"]
    second = api.get(f"/api/v1/calls?limit=1&cursor={listed['next_cursor']}").get_json()
    assert second["next_cursor"] is None and second["items"][0]["id"] != listed["items"][0]["id"]
    by_org = api.get(f"/api/v1/calls?organization_id={org.id}").get_json()["items"]
    assert [c["notes"] for c in by_org] == ["Firma digitale"]
    callbacks = api.get("/api/v1/calls?callback=true").get_json()["items"]
    assert [c["caller_number"] for c in callbacks] == ["+393479876543"]


def test_bad_input_is_422_with_the_field(api_as):
    api = api_as("operator")
    for payload, field in (
        ({"number": "12"}, "number"),
        ({"outcome": "forse"}, "outcome"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"started_at": "ieri"}, "started_at"),
        ({"organization_id": 999999}, "organization_id"),
    ):
        response = api.post("/api/v1/calls", json=payload)
        assert response.status_code == 422, payload
        assert field in response.get_json()["error"]["fields"], (payload, response.get_json())
    assert api.get("/api/v1/calls?cursor=zzz").status_code == 400
    assert api.get("/api/v1/calls?outcome=forse").status_code == 422
    assert api.get("/api/v1/calls/424242").status_code == 404


def test_call_to_ticket_and_mark_handled(api_as, comune, db):
    org, contact = comune
    api = api_as("operator")
    call = services.start_inbound_call(
        call_sid="CA" + "e" * 32, from_number="+393351234567", to_number="", after_hours=False
    )
    services.record_call_status(call_sid=call.call_sid, status="busy")
    assert api.post(f"/api/v1/calls/{call.id}/ticket", json={"notes": "x"}).status_code == 422
    created = api.post(
        f"/api/v1/calls/{call.id}/ticket", json={"subject": "Accesso SPID", "notes": "Non riesce a entrare"}
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["ticket_number"].startswith("AST-") and body["call"]["ticket_id"] == body["ticket_id"]
    assert api.post(f"/api/v1/calls/{call.id}/ticket", json={"subject": "di nuovo"}).status_code == 409
    patched = api.patch(f"/api/v1/calls/{call.id}", json={"handled": True, "notes": "Richiamata alle 11"})
    assert patched.status_code == 200
    assert patched.get_json()["callback_needed"] is False and patched.get_json()["notes"] == "Richiamata alle 11"


def test_click_to_call_needs_twilio(api_as):
    response = api_as("operator").post("/api/v1/calls/outbound", json={"to": "+393351234567"})
    assert response.status_code == 409


def test_click_to_call_rings_the_operator_through_the_outbox(api_as, twilio_config, db, make_operator, run_jobs, app):
    operator = make_operator("+393401112233")
    api = api_as(user=operator)
    app.config["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9"
    try:
        response = api.post("/api/v1/calls/outbound", json={"to": "080 3107111"})
        assert response.status_code == 202, response.get_json()
        run_jobs()
    finally:
        app.config["TWILIO_API_BASE_URL"] = None
    call = db.session.get(Call, response.get_json()["id"])
    db.session.refresh(call)
    assert call.direction.value == "outbound" and call.caller_number == "+390803107111"
    assert call.status.value == "queued" and "non raggiungibile" in call.error
    job = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.name == "phone.place_call"))
    assert job.payload == {"call_id": call.id} and job.last_error

"""The operator's call console: who may see it, the call screen, one-step tickets, manual logging."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.db import utcnow
from contact_center.models import InboundItem
from contact_center.phone import services
from contact_center.phone.models import Call, CallOutcome
from tickets.models import Ticket, TicketMessage
from tickets.services import open_ticket


@pytest.fixture
def ringing_call(db, comune):
    return services.start_inbound_call(
        call_sid="CA" + "7" * 32, from_number="+393351234567", to_number="+390809999999", after_hours=False
    )


@pytest.mark.parametrize(("role", "status"), [("operator", 200), ("admin", 200), ("finance", 403), ("referente", 403)])
def test_console_permissions(client, login_as, role, status):
    login_as(role)
    assert client.get("/contact-center/telefono/").status_code == status
    assert client.get("/contact-center/telefono/registro").status_code == status


def test_console_needs_login(client):
    assert client.get("/contact-center/telefono/").status_code in (302, 401)


def test_only_admins_edit_the_voice_menu(client, login_as, get_csrf, db):
    login_as("operator")
    assert client.get("/contact-center/telefono/menu").status_code == 403
    client.get("/logout")


def test_admin_configures_the_voice_menu(client, login_as, get_csrf):
    login_as("admin")
    token = get_csrf("/contact-center/telefono/menu")
    response = client.post(
        "/contact-center/telefono/menu",
        data={"csrf_token": token, "digit": "3", "label": "siti web e App IO", "active": "y"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert [(o.digit, o.label) for o in services.menu_options()] == [("3", "siti web e App IO")]


def test_incoming_call_shows_the_ente_and_its_open_tickets(client, login_as, ringing_call, comune):
    org, contact = comune
    ticket = open_ticket(
        subject="Casella PEC piena", description="...", organization_id=org.id, requester_contact_id=contact.id
    )
    login_as("operator")
    console = client.get("/contact-center/telefono/").get_data(as_text=True)
    assert "Maria Loiudice" in console and "Comune di Altamura" in console and "squilla" in console
    page = client.get(f"/contact-center/telefono/chiamate/{ringing_call.id}").get_data(as_text=True)
    assert "Comune di Altamura" in page and "Maria Loiudice" in page
    assert ticket.number in page and "Casella PEC piena" in page
    assert "riconosciuto" in page


def test_call_becomes_a_ticket_in_one_step(client, login_as, get_csrf, ringing_call, comune, db):
    org, contact = comune
    operator = login_as("operator")
    token = get_csrf(f"/contact-center/telefono/chiamate/{ringing_call.id}")
    response = client.post(
        f"/contact-center/telefono/chiamate/{ringing_call.id}/richiesta",
        data={
            "csrf_token": token,
            "t-subject": "Rinnovo certificato SPID",
            "t-priority": "high",
            "t-notes": "Scade venerdì.",
        },
    )
    assert response.status_code == 302
    ticket = db.session.scalar(sa.select(Ticket))
    assert (ticket.organization_id, ticket.requester_contact_id, ticket.channel.value) == (org.id, contact.id, "phone")
    assert ticket.priority.value == "high" and ticket.created_by_id == operator.id
    assert "Scade venerdì." in ticket.description
    call = db.session.get(Call, ringing_call.id)
    db.session.refresh(call)
    assert call.ticket_id == ticket.id and call.notes == "Scade venerdì."
    page = client.get(f"/contact-center/telefono/chiamate/{ringing_call.id}").get_data(as_text=True)
    assert "Richiesta collegata" in page


def test_call_added_to_an_existing_ticket_as_internal_note(client, login_as, get_csrf, ringing_call, comune, db):
    org, contact = comune
    ticket = open_ticket(subject="PEC", description="...", organization_id=org.id, requester_contact_id=contact.id)
    login_as("operator")
    token = get_csrf(f"/contact-center/telefono/chiamate/{ringing_call.id}")
    response = client.post(
        f"/contact-center/telefono/chiamate/{ringing_call.id}/collega",
        data={"csrf_token": token, "a-ticket_id": str(ticket.id), "a-notes": "Ha richiamato per sollecito."},
    )
    assert response.status_code == 302
    note = db.session.scalar(
        sa.select(TicketMessage).where(TicketMessage.ticket_id == ticket.id, TicketMessage.internal.is_(True))
    )
    assert "Ha richiamato per sollecito." in note.body and note.channel.value == "phone"


def test_voicemail_in_triage_is_settled_by_the_ticket_from_the_call(login_as, db):
    call = services.start_inbound_call(
        call_sid="CA" + "8" * 32, from_number="+390805550000", to_number="", after_hours=True
    )
    services.record_recording(
        call_sid=call.call_sid, recording_sid="RE" + "8" * 32, recording_url="https://x/RE8", duration=12
    )
    operator = login_as("operator")
    ticket = services.ticket_from_call(
        call_id=call.id, actor=operator, subject="Richiamata", notes="Sito del comune giù"
    )
    item = db.session.scalar(sa.select(InboundItem))
    assert item.status.value == "ticketed" and item.ticket_id == ticket.id


def test_manual_call_logged_by_hand_is_identified(client, login_as, get_csrf, comune, db):
    org, contact = comune
    login_as("operator")
    token = get_csrf("/contact-center/telefono/chiamate/nuova")
    response = client.post(
        "/contact-center/telefono/chiamate/nuova",
        data={
            "csrf_token": token,
            "number": "335 123 4567",
            "direction": "inbound",
            "started_at": "2026-11-20T10:15",
            "duration_minutes": "4",
            "outcome": "answered",
            "notes": "Chiede come attivare pagoPA",
        },
    )
    assert response.status_code == 302
    call = db.session.scalar(sa.select(Call))
    assert call.source.value == "manual" and call.caller_number == "+393351234567"
    assert (call.organization_id, call.contact_id) == (org.id, contact.id)
    assert call.talk_seconds == 240
    assert call.started_at == dt.datetime(2026, 11, 20, 9, 15, tzinfo=dt.UTC)  # 10:15 in Rome


def test_manual_call_with_bad_number_is_422_not_500(client, login_as, get_csrf):
    login_as("operator")
    token = get_csrf("/contact-center/telefono/chiamate/nuova")
    response = client.post(
        "/contact-center/telefono/chiamate/nuova",
        data={"csrf_token": token, "number": "abc", "direction": "inbound", "outcome": "answered"},
    )
    assert response.status_code == 422
    assert "numero di telefono non valido" in response.get_data(as_text=True)


def test_missed_call_stays_on_the_callback_list_until_handled(client, login_as, get_csrf, db):
    call = services.start_inbound_call(
        call_sid="CA" + "9" * 32, from_number="+390805550001", to_number="", after_hours=False
    )
    services.record_call_status(call_sid=call.call_sid, status="no-answer", duration=0)
    login_as("operator")
    console = client.get("/contact-center/telefono/").get_data(as_text=True)
    assert "Segna come gestita" in console and "+390805550001" in console
    token = get_csrf("/contact-center/telefono/")
    assert (
        client.post(f"/contact-center/telefono/chiamate/{call.id}/gestita", data={"csrf_token": token}).status_code
        == 302
    )
    db.session.refresh(call)
    assert not call.callback_needed and call.handled_at is not None
    assert "Nessuna chiamata da richiamare." in client.get("/contact-center/telefono/").get_data(as_text=True)


def test_call_log_filters_and_keyset_pages(client, login_as, db, comune):
    org, _contact = comune
    base = utcnow() - dt.timedelta(days=2)
    for i in range(55):
        db.session.add(
            Call(
                call_sid=f"CA{i:032d}",
                from_number="+390805550002",
                caller_number="+390805550002",
                organization_id=org.id if i % 5 == 0 else None,
                outcome=CallOutcome.MISSED if i % 2 else CallOutcome.ANSWERED,
                started_at=base + dt.timedelta(minutes=i),
            )
        )
    db.session.commit()
    login_as("operator")
    first = client.get("/contact-center/telefono/registro")
    html = first.get_data(as_text=True)
    assert html.count("/contact-center/telefono/chiamate/") - 1 == 50  # one is "Registra chiamata"
    import re

    next_url = re.search(r'href="([^"]*cursor=[^"]+)"', html).group(1).replace("&amp;", "&")
    assert client.get(next_url).get_data(as_text=True).count("/contact-center/telefono/chiamate/") - 1 == 5
    filtered = client.get(f"/contact-center/telefono/registro?organization_id={org.id}").get_data(as_text=True)
    assert filtered.count("/contact-center/telefono/chiamate/") - 1 == 11
    missed = client.get("/contact-center/telefono/registro?outcome=missed").get_data(as_text=True)
    assert missed.count("/contact-center/telefono/chiamate/") - 1 == 27
    assert client.get("/contact-center/telefono/registro?cursor=garbage").status_code == 400
    assert client.get("/contact-center/telefono/registro?since=not-a-date").status_code == 422


def test_calls_and_sms_on_the_ente_timeline(db, comune, make_user, ringing_call, app):
    from app import panels

    org, _contact = comune
    operator = make_user("operator")
    with app.test_request_context():
        events = panels.org_timeline(org.id, operator)
        assert any(e.kind == "call" and "Maria Loiudice" in e.title for e in events)
        referente = make_user("referente", organization=org)
        assert [e for e in panels.org_timeline(org.id, referente) if e.kind in ("call", "sms")] == []


def test_ente_page_shows_the_phone_panel_with_click_to_call(client, login_as, ringing_call, comune, twilio_config):
    org, _contact = comune
    login_as("operator")
    html = client.get(f"/crm/enti/{org.id}").get_data(as_text=True)
    assert 'data-panel="phone"' in html and "Chiama Maria Loiudice" in html
    assert f"/contact-center/telefono/chiamate/{ringing_call.id}" in html


def test_click_to_call_from_the_ente_page_queues_the_call(client, login_as, get_csrf, comune, twilio_config, db):
    from app.jobs.models import OutboxJob

    org, contact = comune
    user = login_as("operator")
    user.phone = "+393401112233"
    db.session.commit()
    token = get_csrf(f"/crm/enti/{org.id}")
    twilio_config["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9"
    try:
        response = client.post(
            "/contact-center/telefono/chiama",
            data={"csrf_token": token, "to": "+393351234567", "contact_id": contact.id},
        )
    finally:
        twilio_config["TWILIO_API_BASE_URL"] = None
    assert response.status_code == 302
    call = db.session.scalar(sa.select(Call))
    assert call.direction.value == "outbound" and call.contact_id == contact.id and call.operator_id == user.id
    assert db.session.scalar(sa.select(OutboxJob.name)) == "phone.place_call"


def test_admin_sees_the_webhook_urls_and_deletes_a_menu_option(client, login_as, get_csrf, db):
    from contact_center.phone.models import PhoneMenuOption

    db.session.add(PhoneMenuOption(digit="1", label="PEC"))
    db.session.commit()
    login_as("admin")
    html = client.get("/contact-center/telefono/menu").get_data(as_text=True)
    assert "/contact-center/twilio/voice/status" in html and "non configurato" in html
    assert "Telefono: menu vocale e Twilio" in client.get("/admin").get_data(as_text=True)
    option_id = db.session.scalar(sa.select(PhoneMenuOption.id))
    token = get_csrf("/contact-center/telefono/menu")
    assert (
        client.post(f"/contact-center/telefono/menu/{option_id}/elimina", data={"csrf_token": token}).status_code == 302
    )
    assert services.menu_options(active_only=False) == []

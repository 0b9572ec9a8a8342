"""SMS: stored before processing, idempotent on MessageSid, threaded, STOP, outbound through the outbox."""

from __future__ import annotations

import sqlalchemy as sa

from app.jobs.models import JobStatus, OutboxJob
from contact_center.models import InboundItem
from contact_center.phone import services
from contact_center.phone.models import SmsMessage, SmsOptOut, SmsStatus
from contact_center.phone.transport import register_transport
from tests.contact_center.phone.conftest import sms_params, twiml
from tickets.models import Ticket, TicketMessage
from tickets.services import open_ticket


def _messages(db, ticket_id):
    return list(db.session.scalars(sa.select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)))


def test_sms_from_known_contact_joins_her_most_recent_open_ticket(twilio, db, comune):
    org, contact = comune
    older = open_ticket(subject="Stampante", description="...", organization_id=org.id, requester_contact_id=contact.id)
    newer = open_ticket(subject="PEC piena", description="...", organization_id=org.id, requester_contact_id=contact.id)
    root = twiml(twilio.post("/contact-center/twilio/sms", sms_params("SM" + "1" * 32, "Ho liberato spazio, grazie")))
    assert newer.number in root.find("Message").text
    bodies = [m.body for m in _messages(db, newer.id)]
    assert "Ho liberato spazio, grazie" in bodies
    assert all(m.body != "Ho liberato spazio, grazie" for m in _messages(db, older.id))
    sms = db.session.scalar(sa.select(SmsMessage))
    assert sms.status == SmsStatus.PROCESSED and sms.ticket_id == newer.id and sms.contact_id == contact.id
    message = next(m for m in _messages(db, newer.id) if m.external_ref == sms.message_sid)
    assert message.channel.value == "sms" and message.author_contact_id == contact.id


def test_the_same_message_sid_twice_lands_once(twilio, db, comune):
    org, contact = comune
    ticket = open_ticket(subject="PEC", description="...", organization_id=org.id, requester_contact_id=contact.id)
    params = sms_params("SM" + "2" * 32, "Ancora bloccata")
    for _ in range(3):
        assert twilio.post("/contact-center/twilio/sms", params).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SmsMessage)) == 1
    assert [m.body for m in _messages(db, ticket.id)].count("Ancora bloccata") == 1


def test_sms_from_unknown_number_waits_in_triage(twilio, db):
    root = twiml(
        twilio.post(
            "/contact-center/twilio/sms",
            sms_params("SM" + "3" * 32, "Buongiorno, chi mi aiuta?", from_="+393479876543"),
        )
    )
    assert "ricontatterà" in root.find("Message").text
    item = db.session.scalar(sa.select(InboundItem))
    assert item.channel.value == "sms" and item.sender_phone == "+393479876543" and item.status.value == "new"
    assert item.dedupe_key == "twilio-sms:SM" + "3" * 32
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_known_contact_without_open_ticket_goes_to_triage_with_the_ente(twilio, db, comune):
    org, contact = comune
    twilio.post("/contact-center/twilio/sms", sms_params("SM" + "4" * 32, "Nuovo problema col sito"))
    item = db.session.scalar(sa.select(InboundItem))
    assert (item.organization_id, item.contact_id, item.match_confidence) == (org.id, contact.id, "known")


def test_stop_opts_out_and_start_opts_back_in(twilio, db, app, comune, login_as):
    org, contact = comune
    root = twiml(twilio.post("/contact-center/twilio/sms", sms_params("SM" + "5" * 32, "stop")))
    assert "START" in root.find("Message").text
    assert db.session.scalar(sa.select(SmsOptOut.number)) == "+393351234567"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InboundItem)) == 0

    ticket = open_ticket(subject="PEC", description="...", organization_id=org.id, requester_contact_id=contact.id)
    operator = login_as("operator")
    import pytest

    from app.errors import Conflict

    with pytest.raises(Conflict):
        services.send_sms(actor=operator, body="La PEC è stata sbloccata", ticket_id=ticket.id)

    root = twiml(twilio.post("/contact-center/twilio/sms", sms_params("SM" + "6" * 32, "START")))
    assert "riattivati" in root.find("Message").text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SmsOptOut)) == 0


class Recorder:
    sent: list[dict] = []

    def __init__(self, config):
        pass

    def send_sms(self, *, to, from_, body, status_callback):
        Recorder.sent.append({"to": to, "from": from_, "body": body, "callback": status_callback})
        return "SM" + "9" * 32

    def place_call(self, *, to, from_, twiml, status_callback):
        Recorder.sent.append({"call_to": to, "twiml": twiml})
        return "CA" + "9" * 32

    def fetch_recording(self, *, url):
        return b"ID3-fake-mp3"


def test_outbound_sms_from_a_ticket_goes_through_the_outbox(twilio, db, app, comune, make_user, run_jobs):
    org, contact = comune
    register_transport("recorder", Recorder)
    app.config["PHONE_TRANSPORT"] = "recorder"
    Recorder.sent.clear()
    operator = make_user("operator")
    ticket = open_ticket(subject="PEC", description="...", organization_id=org.id, requester_contact_id=contact.id)
    sms = services.send_sms(actor=operator, body="La PEC è stata sbloccata.", ticket_id=ticket.id)
    assert sms.status == SmsStatus.QUEUED and sms.to_number == "+393351234567"
    job = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.name == "phone.send_sms"))
    assert job.payload == {"sms_id": sms.id}
    assert any(m.channel.value == "sms" and m.body == "La PEC è stata sbloccata." for m in _messages(db, ticket.id))
    run_jobs()
    db.session.expire_all()
    sms = db.session.get(SmsMessage, sms.id)
    assert sms.status == SmsStatus.SENT and sms.message_sid == "SM" + "9" * 32
    assert Recorder.sent == [
        {
            "to": "+393351234567",
            "from": "+390809999999",
            "body": "La PEC è stata sbloccata.",
            "callback": "https://presidio.example.it/contact-center/twilio/sms/status",
        }
    ]
    # Delivery reports move the status forward only, once each.
    for status in ("delivered", "sent", "delivered"):
        assert (
            twilio.post(
                "/contact-center/twilio/sms/status", {"MessageSid": sms.message_sid, "MessageStatus": status}
            ).status_code
            == 204
        )
    db.session.expire_all()
    assert db.session.get(SmsMessage, sms.id).status == SmsStatus.DELIVERED


def test_outbound_sms_when_twilio_is_unreachable_records_the_failure(twilio, db, app, comune, make_user, run_jobs):
    org, contact = comune
    app.config["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9"  # nothing listens there
    try:
        operator = make_user("operator")
        sms = services.send_sms(actor=operator, to_number="335 123 4567", body="Prova")
        run_jobs()
    finally:
        app.config["TWILIO_API_BASE_URL"] = None
    db.session.expire_all()
    sms = db.session.get(SmsMessage, sms.id)
    assert sms.status == SmsStatus.QUEUED and sms.attempts == 1
    assert "non raggiungibile" in sms.error
    job = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.name == "phone.send_sms"))
    assert job.status == JobStatus.PENDING and job.attempts == 1 and "TransportError" in job.last_error


def test_invalid_outbound_sms_is_422_with_the_field(api_as):
    api = api_as("operator")
    response = api.post("/api/v1/sms", json={"to": "non è un numero", "body": "ciao"})
    assert response.status_code == 422
    assert "to" in response.get_json()["error"]["fields"]
    assert api.post("/api/v1/sms", json={"to": "+393351234567"}).status_code == 422


def test_requester_who_asked_gets_an_sms_for_each_operator_reply_once(db, app, comune, make_user, twilio_config):
    from contact_center.phone.jobs import sms_notifications
    from tickets.services import add_message

    org, contact = comune
    contact.sms_notifications = True
    db.session.commit()
    operator = make_user("operator")
    ticket = open_ticket(subject="PEC", description="...", organization_id=org.id, requester_contact_id=contact.id)
    add_message(ticket_id=ticket.id, body="Abbiamo liberato spazio nella casella.", actor=operator)
    add_message(ticket_id=ticket.id, body="Nota interna", internal=True, actor=operator)
    sms_notifications()
    sms_notifications()
    messages = list(db.session.scalars(sa.select(SmsMessage)))
    assert len(messages) == 1
    assert messages[0].to_number == "+393351234567" and ticket.number in messages[0].body
    assert messages[0].status == SmsStatus.QUEUED and messages[0].ticket_id == ticket.id


def test_mms_keeps_its_pictures_as_links(twilio, db):
    params = sms_params(
        "MM" + "7" * 32,
        "Ecco l'errore",
        from_="+393479876543",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/media/ME1",
        MediaContentType0="image/jpeg",
    )
    assert twilio.post("/contact-center/twilio/sms", params).status_code == 200
    item = db.session.scalar(sa.select(InboundItem))
    assert "Ecco l'errore" in item.body_text and "[allegato: https://api.twilio.com/media/ME1]" in item.body_text

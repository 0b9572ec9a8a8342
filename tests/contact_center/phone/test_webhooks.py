"""Twilio voice webhooks: signatures, TwiML in and out of business hours, callbacks once each."""

from __future__ import annotations

import sqlalchemy as sa

from contact_center.models import InboundItem
from contact_center.phone.models import Call, CallOutcome, CallStatus, PhoneMenuOption
from tests.contact_center.phone.conftest import CLOSED, OPEN, call_params, twiml

NS = ""


def test_signed_request_is_accepted_behind_a_proxy(twilio, at_time):
    at_time(OPEN)
    response = twilio.post("/contact-center/twilio/voice", call_params())
    root = twiml(response)
    assert root.tag == "Response"


def test_forged_signature_is_refused(twilio, db):
    params = call_params()
    forged = twilio.sign("/contact-center/twilio/voice", {**params, "From": "+390000000000"})
    response = twilio.post("/contact-center/twilio/voice", params, signature=forged)
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == 0


def test_missing_signature_is_refused(twilio):
    assert twilio.post("/contact-center/twilio/voice", call_params(), signature=None).status_code == 403
    assert twilio.post("/contact-center/twilio/sms", {"MessageSid": "SM1"}, signature=None).status_code == 403


def test_signature_for_another_url_is_refused(twilio):
    params = call_params()
    signature = twilio.validator.compute_signature("https://evil.example.com/contact-center/twilio/voice", params)
    assert twilio.post("/contact-center/twilio/voice", params, signature=signature).status_code == 403


def test_signature_covers_the_query_string(twilio, at_time):
    at_time(OPEN)
    params = call_params()
    good = twilio.sign("/contact-center/twilio/voice/menu?retry=1", params)
    assert twilio.post("/contact-center/twilio/voice/menu?retry=1", params, signature=good).status_code == 200
    assert twilio.post("/contact-center/twilio/voice/menu?retry=2", params, signature=good).status_code == 403


def test_without_credentials_every_twilio_route_answers_503(client, app):
    assert not app.config.get("TWILIO_AUTH_TOKEN")
    for path in (
        "/contact-center/twilio/voice",
        "/contact-center/twilio/voice/status",
        "/contact-center/twilio/voice/recording",
        "/contact-center/twilio/sms",
    ):
        assert client.post(path, data={"CallSid": "CA1"}).status_code == 503


def test_in_business_hours_italian_menu_then_operators(twilio, at_time, db, make_operator, comune):
    at_time(OPEN)
    db.session.add_all(
        [
            PhoneMenuOption(digit="1", label="posta elettronica e PEC"),
            PhoneMenuOption(digit="2", label="pagoPA e pagamenti"),
        ]
    )
    db.session.commit()
    make_operator()
    root = twiml(twilio.post("/contact-center/twilio/voice", call_params()))
    says = root.findall("Say")
    assert says[0].get("language") == "it-IT" and "Benvenuti" in says[0].text
    gather = root.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert gather.get("action") == "https://presidio.example.it/contact-center/twilio/voice/menu"
    spoken = " ".join(s.text for s in gather.findall("Say"))
    assert "posta elettronica e PEC, prema 1" in spoken and "pagoPA e pagamenti, prema 2" in spoken
    assert root.find("Record") is None

    call = db.session.scalar(sa.select(Call))
    org, contact = comune
    assert (call.organization_id, call.contact_id, call.match_confidence) == (org.id, contact.id, "known")
    assert call.status == CallStatus.RINGING and not call.after_hours

    menu = twiml(twilio.post("/contact-center/twilio/voice/menu", call_params(Digits="2")))
    dial = menu.find("Dial")
    assert dial is not None and [n.text for n in dial.findall("Number")] == ["+393401112233"]
    assert dial.get("action").endswith("/contact-center/twilio/voice/after-dial")
    db.session.expire_all()
    assert db.session.scalar(sa.select(Call.menu_choice)) == "2"


def test_invalid_menu_choice_repeats_the_menu(twilio, at_time, db):
    at_time(OPEN)
    db.session.add(PhoneMenuOption(digit="1", label="posta elettronica"))
    db.session.commit()
    twilio.post("/contact-center/twilio/voice", call_params())
    root = twiml(twilio.post("/contact-center/twilio/voice/menu", call_params(Digits="9")))
    assert "Scelta non valida" in " ".join(s.text for s in root.find("Gather").findall("Say"))


def test_out_of_hours_voicemail_with_transcription(twilio, at_time, db):
    at_time(CLOSED)
    root = twiml(twilio.post("/contact-center/twilio/voice", call_params()))
    spoken = " ".join(s.text for s in root.findall("Say"))
    assert "chiuso" in spoken
    record = root.find("Record")
    assert record is not None
    assert record.get("transcribe") == "true"
    assert record.get("transcribeCallback") == "https://presidio.example.it/contact-center/twilio/voice/recording"
    assert record.get("action") == "https://presidio.example.it/contact-center/twilio/voice/recording"
    assert root.find("Gather") is None and root.find("Dial") is None
    assert db.session.scalar(sa.select(Call.after_hours))


def test_nobody_answers_then_voicemail(twilio, at_time, make_operator):
    at_time(OPEN)
    make_operator()
    twilio.post("/contact-center/twilio/voice", call_params())
    root = twiml(twilio.post("/contact-center/twilio/voice/after-dial", call_params(DialCallStatus="no-answer")))
    assert root.find("Record") is not None
    assert "occupati" in " ".join(s.text for s in root.findall("Say"))


def test_answered_call_records_wait_and_talk(twilio, at_time, db, make_operator):
    at_time(OPEN)
    make_operator()
    twilio.post("/contact-center/twilio/voice", call_params())
    root = twiml(
        twilio.post(
            "/contact-center/twilio/voice/after-dial", call_params(DialCallStatus="completed", DialCallDuration="95")
        )
    )
    assert root.find("Hangup") is not None
    response = twilio.post(
        "/contact-center/twilio/voice/status", call_params(CallStatus="completed", CallDuration="130")
    )
    assert response.status_code == 204
    call = db.session.scalar(sa.select(Call))
    db.session.refresh(call)
    assert call.outcome == CallOutcome.ANSWERED and call.talk_seconds == 95 and call.duration_seconds == 130
    assert call.wait_seconds is not None and not call.callback_needed


def test_hung_up_while_waiting_goes_on_the_callback_list_once(twilio, at_time, db):
    at_time(OPEN)
    twilio.post("/contact-center/twilio/voice", call_params())
    for _ in range(2):  # Twilio retries
        assert (
            twilio.post("/contact-center/twilio/voice/status", call_params(CallStatus="completed", CallDuration="20"))
        ).status_code == 204
    call = db.session.scalar(sa.select(Call))
    db.session.refresh(call)
    assert call.outcome == CallOutcome.MISSED and call.callback_needed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == 1


def test_night_voicemail_from_unknown_number_waits_in_triage_with_its_transcript(twilio, at_time, db):
    at_time(CLOSED)
    params = call_params(from_="+390805551234")
    twilio.post("/contact-center/twilio/voice", params)
    rec = {
        **params,
        "RecordingSid": "RE" + "a" * 32,
        "RecordingUrl": "https://api.twilio.com/rec/RE1",
        "RecordingDuration": "31",
    }
    for _ in range(2):
        root = twiml(twilio.post("/contact-center/twilio/voice/recording", rec))
    assert root.find("Hangup") is not None
    twilio.post("/contact-center/twilio/voice/status", {**params, "CallStatus": "completed", "CallDuration": "45"})
    transcription = {
        **rec,
        "TranscriptionSid": "TR" + "b" * 32,
        "TranscriptionStatus": "completed",
        "TranscriptionText": "Buongiorno, sono del comune di Gioia del Colle, il sito non funziona.",
    }
    for _ in range(2):
        assert twilio.post("/contact-center/twilio/voice/recording", transcription).status_code == 200
    items = list(db.session.scalars(sa.select(InboundItem)))
    assert len(items) == 1
    item = items[0]
    assert item.channel.value == "phone" and item.status.value == "new"
    assert "il sito non funziona" in item.body_text and "https://api.twilio.com/rec/RE1" in item.body_text
    call = db.session.scalar(sa.select(Call))
    db.session.refresh(call)
    assert call.outcome == CallOutcome.VOICEMAIL and call.callback_needed and call.inbound_item_id == item.id
    assert call.transcript.startswith("Buongiorno")


def test_voicemail_from_known_contact_opens_a_ticket_on_the_ente(twilio, at_time, db, comune):
    from tickets.models import Ticket, TicketMessage

    org, contact = comune
    at_time(CLOSED)
    params = call_params()
    twilio.post("/contact-center/twilio/voice", params)
    rec = {
        **params,
        "RecordingSid": "RE" + "c" * 32,
        "RecordingUrl": "https://api.twilio.com/rec/RE2",
        "RecordingDuration": "20",
    }
    twilio.post("/contact-center/twilio/voice/recording", rec)
    ticket = db.session.scalar(sa.select(Ticket))
    assert ticket.organization_id == org.id and ticket.requester_contact_id == contact.id
    assert ticket.channel.value == "phone" and "Maria Loiudice" in ticket.subject
    twilio.post(
        "/contact-center/twilio/voice/recording",
        {
            **rec,
            "TranscriptionSid": "TR" + "d" * 32,
            "TranscriptionStatus": "completed",
            "TranscriptionText": "PEC bloccata",
        },
    )
    bodies = [m.body for m in db.session.scalars(sa.select(TicketMessage).where(TicketMessage.ticket_id == ticket.id))]
    assert any("PEC bloccata" in b for b in bodies)
    # through the one intake: its item went straight onto the ticket, nothing waits in triage
    (item,) = db.session.scalars(sa.select(InboundItem)).all()
    assert (item.status.value, item.ticket_id, item.channel.value) == ("ticketed", ticket.id, "phone")


def test_callback_without_required_fields_is_400_not_500(twilio):
    assert twilio.post("/contact-center/twilio/voice/status", {"AccountSid": "AC1"}).status_code == 400
    assert twilio.post("/contact-center/twilio/voice/recording", {"CallSid": "CA1"}).status_code == 400
    assert twilio.post("/contact-center/twilio/sms", {"Body": "ciao"}).status_code == 400


def test_voicemail_recording_is_downloaded_onto_the_ticket_when_configured(twilio, at_time, db, app, comune, run_jobs):
    from contact_center.phone.transport import register_transport
    from tests.contact_center.phone.test_sms import Recorder
    from tickets.models import TicketAttachment

    register_transport("recorder", Recorder)
    app.config.update(PHONE_TRANSPORT="recorder", PHONE_DOWNLOAD_RECORDINGS=True)
    try:
        at_time(CLOSED)
        params = call_params()
        twilio.post("/contact-center/twilio/voice", params)
        rec = {
            **params,
            "RecordingSid": "RE" + "f" * 32,
            "RecordingUrl": "https://api.twilio.com/rec/RE3",
            "RecordingDuration": "9",
        }
        twilio.post("/contact-center/twilio/voice/recording", rec)
        run_jobs()
    finally:
        app.config.update(PHONE_TRANSPORT="twilio", PHONE_DOWNLOAD_RECORDINGS=False)
    attachment = db.session.scalar(sa.select(TicketAttachment))
    assert attachment.content_type == "audio/mpeg" and attachment.filename.startswith("segreteria-")
    call = db.session.scalar(sa.select(Call))
    db.session.refresh(call)
    assert call.recording_stored_sha256 == attachment.sha256

"""Background work of the phone channel (through the outbox: jobs take ids)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from app.db import transaction, utcnow
from app.extensions import db
from app.jobs import job, periodic
from contact_center.phone import services
from contact_center.phone.models import Call, CallStatus, SmsMessage, SmsStatus


@job("phone.send_sms")
def send_sms(sms_id: int) -> None:
    services.deliver_sms(sms_id=sms_id)


@job("phone.place_call")
def place_call(call_id: int) -> None:
    """Click-to-call: Twilio rings the operator, then ``<Dial>``s the contact."""
    from twilio.twiml.voice_response import VoiceResponse

    from contact_center.phone.transport import TransportError, get_transport

    call = db.session.get(Call, call_id)
    if call is None or call.status != CallStatus.QUEUED or call.call_sid:
        return
    response = VoiceResponse()
    response.say("Chiamata dal centro di assistenza in corso.", language="it-IT")
    response.dial(call.to_number, caller_id=current_app.config.get("TWILIO_NUMBER"))
    try:
        sid = get_transport().place_call(
            to=(call.meta or {}).get("operator_phone", ""),
            from_=current_app.config.get("TWILIO_NUMBER") or "",
            twiml=str(response),
            status_callback=services.public_url("/contact-center/twilio/voice/status"),
        )
    except TransportError as exc:
        db.session.rollback()
        call = db.session.get(Call, call_id)
        with transaction():
            call.error = str(exc)[:2000]
        raise
    with transaction():
        call.call_sid = sid
        call.status = CallStatus.RINGING
        call.error = None


@job("phone.download_recording")
def download_recording(call_id: int) -> None:
    """Keep a copy of a voicemail recording (on the ticket when there is one)."""
    import hashlib

    from contact_center.phone.transport import TransportError, get_transport

    call = db.session.get(Call, call_id)
    if call is None or not call.recording_url or call.recording_stored_sha256:
        return
    try:
        data = get_transport().fetch_recording(url=call.recording_url)
    except TransportError as exc:
        db.session.rollback()
        call = db.session.get(Call, call_id)
        with transaction():
            call.error = str(exc)[:2000]
        raise
    from tickets.services import add_attachment, store_blob

    digest = hashlib.sha256(data).hexdigest()
    with transaction():
        if call.ticket_id:
            add_attachment(
                ticket_id=call.ticket_id,
                filename=f"segreteria-{call.recording_sid or call.id}.mp3",
                data=data,
                content_type="audio/mpeg",
            )
        else:
            store_blob(data, "audio/mpeg")
        call.recording_stored_sha256 = digest
        call.error = None


@periodic("phone.process_pending_sms", seconds=120)
def process_pending_sms() -> None:
    """SMS stored but not threaded (a failure while processing): try again."""
    cutoff = utcnow() - dt.timedelta(minutes=1)
    ids = list(
        db.session.scalars(
            sa.select(SmsMessage.id)
            .where(SmsMessage.status == SmsStatus.RECEIVED, SmsMessage.created_at < cutoff, SmsMessage.attempts < 10)
            .order_by(SmsMessage.id)
            .limit(100)
        )
    )
    for sms_id in ids:
        try:
            services.process_sms(sms_id=sms_id)
        except Exception as exc:  # noqa: BLE001 - noted on the row, tried again later
            services.note_sms_failure(sms_id=sms_id, error=f"{type(exc).__name__}: {exc}")


@periodic("phone.sms_notifications", seconds=60)
def sms_notifications() -> None:
    """SMS to requesters who asked for them when an operator answers their ticket."""
    if current_app.config.get("TWILIO_ACCOUNT_SID") or current_app.config.get("PHONE_TRANSPORT") != "twilio":
        services.notify_requesters_by_sms()

"""Voice calls as Twilio reports them: the inbound call, the menu choice, the dial result, the status,
the recording, the voicemail and its transcription. Every callback is idempotent on its Sid."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.db import transaction, utcnow
from app.errors import Invalid, NotFound
from app.extensions import db
from app.jobs import enqueue
from contact_center import intake
from contact_center.intake import InboundData
from contact_center.models import InboundChannel, InboundItem, InboundStatus
from contact_center.phone.calls import call_by_sid
from contact_center.phone.common import (
    _first_time,
    caller_label,
    identify_caller,
    public_url,
)
from contact_center.phone.models import (
    LIVE_STATUSES,
    Call,
    CallOutcome,
    CallSource,
    CallStatus,
    Direction,
    PhoneMenuOption,
)


def start_inbound_call(
    *, call_sid: str, from_number: str, to_number: str, after_hours: bool, payload: dict[str, Any] | None = None
) -> Call:
    """The voice webhook: store the call (once per CallSid) with the caller identified."""
    if not call_sid:
        raise Invalid("CallSid mancante", {"CallSid": ["obbligatorio"]})
    existing = call_by_sid(call_sid)
    if existing is not None:
        return existing
    caller = identify_caller(from_number)
    with transaction():
        call = Call(
            call_sid=call_sid,
            source=CallSource.TWILIO,
            direction=Direction.INBOUND,
            from_number=(from_number or "")[:40],
            to_number=(to_number or "")[:40],
            caller_number=caller.number,
            organization_id=caller.organization_id,
            contact_id=caller.contact_id,
            match_confidence=caller.confidence,
            status=CallStatus.RINGING,
            outcome=CallOutcome.PENDING,
            after_hours=after_hours,
            started_at=utcnow(),
            meta={"caller_country": (payload or {}).get("FromCountry"), "caller_city": (payload or {}).get("FromCity")},
        )
        db.session.add(call)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:  # the same CallSid raced in
            db.session.rollback()
            return call_by_sid(call_sid)  # type: ignore[return-value]
    return call


def menu_options(*, active_only: bool = True) -> list[PhoneMenuOption]:
    stmt = sa.select(PhoneMenuOption).order_by(PhoneMenuOption.digit)
    if active_only:
        stmt = stmt.where(PhoneMenuOption.active.is_(True))
    return list(db.session.scalars(stmt))


def save_menu_option(*, digit: str, label: str, service_id: int | None, active: bool, actor: Any) -> PhoneMenuOption:
    """Add or change the voice menu's entry for ``digit``."""
    digit = (digit or "").strip()[:1]
    if not digit.isdigit():
        raise Invalid("tasto non valido", {"digit": ["da 0 a 9"]})
    option = db.session.scalar(sa.select(PhoneMenuOption).where(PhoneMenuOption.digit == digit))
    with transaction(actor=actor):
        option = option or PhoneMenuOption(digit=digit)
        option.label = (label or "").strip()
        option.service_id = service_id
        option.active = active
        db.session.add(option)
    return option


def delete_menu_option(*, option_id: int, actor: Any) -> None:
    option = db.session.get(PhoneMenuOption, option_id)
    if option is None:
        raise NotFound("voce del menu non trovata")
    with transaction(actor=actor):
        db.session.delete(option)


def record_menu_choice(*, call_sid: str, digit: str | None) -> tuple[Call | None, PhoneMenuOption | None]:
    call = call_by_sid(call_sid)
    digit = (digit or "").strip()[:1]
    option = None
    if digit:
        option = db.session.scalar(
            sa.select(PhoneMenuOption).where(PhoneMenuOption.digit == digit, PhoneMenuOption.active.is_(True))
        )
    if call is not None and option is not None:
        with transaction():
            call.menu_choice = digit
            call.menu_option_id = option.id
            call.service_id = option.service_id
    return call, option


def record_dial_result(
    *, call_sid: str, dial_status: str | None, dial_seconds: int | None = None, queue_seconds: int | None = None
) -> bool:
    """After ``<Dial>``/``<Enqueue>``: True when an operator answered (the caller is done)."""
    call = call_by_sid(call_sid)
    answered = dial_status in ("completed", "answered", "bridged")
    if call is None:
        return answered
    with transaction():
        now = utcnow()
        if answered:
            talk = dial_seconds or 0
            call.answered_at = call.answered_at or (now - dt.timedelta(seconds=talk))
            call.talk_seconds = talk
            call.wait_seconds = (
                queue_seconds
                if queue_seconds is not None
                else max(0, int((call.answered_at - call.started_at).total_seconds()))
            )
            call.outcome = CallOutcome.ANSWERED
            call.status = CallStatus.IN_PROGRESS if call.status in LIVE_STATUSES else call.status
        else:
            call.wait_seconds = (
                queue_seconds if queue_seconds is not None else int((now - call.started_at).total_seconds())
            )
            call.meta = {**(call.meta or {}), "dial_status": dial_status}
    return answered


TERMINAL = {
    "completed": CallStatus.COMPLETED,
    "busy": CallStatus.BUSY,
    "no-answer": CallStatus.NO_ANSWER,
    "failed": CallStatus.FAILED,
    "canceled": CallStatus.CANCELED,
}


def record_call_status(
    *, call_sid: str, status: str, duration: int | None = None, payload: dict[str, Any] | None = None
) -> Call | None:
    """A status callback. Unknown CallSids (an outbound leg, a call before this database) are
    stored too, so the log is complete."""
    payload = payload or {}
    if not _first_time(f"status:{call_sid}:{status}", "status", payload):
        return call_by_sid(call_sid)
    call = call_by_sid(call_sid)
    if call is None:
        call = start_inbound_call(
            call_sid=call_sid,
            from_number=payload.get("From", ""),
            to_number=payload.get("To", ""),
            after_hours=False,
            payload=payload,
        )
    now = utcnow()
    with transaction():
        if status in TERMINAL:
            call.status = TERMINAL[status]
            call.ended_at = call.ended_at or now
            if duration is not None:
                call.duration_seconds = duration
            else:
                call.duration_seconds = int((call.ended_at - call.started_at).total_seconds())
            _settle_outcome(call)
        elif status in ("in-progress", "answered"):
            call.status = CallStatus.IN_PROGRESS
            if call.direction == Direction.OUTBOUND:
                call.answered_at = call.answered_at or now
        elif status == "ringing" and call.status not in (CallStatus.IN_PROGRESS,):
            call.status = CallStatus.RINGING
        elif status in ("queued", "initiated"):
            call.status = CallStatus.QUEUED if call.status == CallStatus.QUEUED else call.status
    return call


def _settle_outcome(call: Call) -> None:
    """The outcome of an ended call, and whether somebody must call back."""
    if call.recording_sid and call.outcome != CallOutcome.ANSWERED:
        call.outcome = CallOutcome.VOICEMAIL
    elif call.answered_at is not None:
        call.outcome = CallOutcome.ANSWERED
        if call.talk_seconds is None and call.ended_at:
            call.talk_seconds = max(0, int((call.ended_at - call.answered_at).total_seconds()))
    elif call.status == CallStatus.FAILED:
        call.outcome = CallOutcome.FAILED
    else:
        call.outcome = CallOutcome.MISSED
        if call.wait_seconds is None and call.ended_at:
            call.wait_seconds = max(0, int((call.ended_at - call.started_at).total_seconds()))
    needs = call.outcome in (CallOutcome.MISSED, CallOutcome.VOICEMAIL) and call.direction == Direction.INBOUND
    if needs and call.handled_at is None:
        call.callback_needed = True


def record_recording(
    *,
    call_sid: str,
    recording_sid: str,
    recording_url: str,
    duration: int | None,
    status: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Call | None:
    """A voicemail recording (the ``<Record>`` action or its status callback): store it once, then
    turn it into a ticket on the caller's ente when the number is known, else a triage item."""
    if not recording_sid:
        raise Invalid("RecordingSid mancante", {"RecordingSid": ["obbligatorio"]})
    call = call_by_sid(call_sid)
    if call is None:
        return None
    if not _first_time(f"recording:{recording_sid}:{status or 'action'}", "recording", payload or {}, call.id):
        return call
    with transaction():
        call.recording_sid = recording_sid
        call.recording_url = (recording_url or call.recording_url or "")[:500] or None
        if duration is not None:
            call.recording_seconds = duration
        if call.outcome != CallOutcome.ANSWERED:
            call.outcome = CallOutcome.VOICEMAIL
            if call.handled_at is None:
                call.callback_needed = True
        if status in (None, "", "completed") and duration != 0:  # an empty recording files nothing
            _file_voicemail(call)
        if (
            current_app.config.get("PHONE_DOWNLOAD_RECORDINGS")
            and call.recording_url
            and not call.recording_stored_sha256
        ):
            enqueue("phone.download_recording", call_id=call.id, dedupe_key=f"recording:{recording_sid}")
    return call


def _voicemail_text(call: Call) -> str:
    lines = [
        f"Messaggio in segreteria da {caller_label(call)} ({call.caller_number or 'numero nascosto'}).",
        f"Ricevuto il {call.started_at:%d/%m/%Y %H:%M} UTC" + (", fuori orario." if call.after_hours else "."),
    ]
    if call.recording_seconds:
        lines.append(f"Durata: {call.recording_seconds} secondi.")
    lines.append(f"Chiamata: {public_url(f'/contact-center/telefono/chiamate/{call.id}')}")
    if call.recording_url:
        lines.append(f"Registrazione: {call.recording_url}")
    lines.append("")
    lines.append(f"Trascrizione: {call.transcript}" if call.transcript else "Trascrizione in arrivo.")
    return "\n".join(lines)


def _file_voicemail(call: Call) -> None:
    """Once per call, through the intake: a ticket on the known caller's ente, or an item in the triage
    inbox; a voicemail that cannot be filed waits in quarantine, the call is recorded anyway."""
    if call.ticket_id or call.inbound_item_id:
        return
    outcome = intake.submit(
        "voice",
        {"call_id": call.id},
        dedupe_key=_voicemail_key(call),
        kind=InboundChannel.PHONE,
        summary={
            "subject": f"Messaggio in segreteria da {call.caller_number or 'numero nascosto'}",
            "sender_phone": call.caller_number,
        },
    )
    if not outcome.ok and outcome.item is not None:
        call.inbound_item_id = outcome.item.id


def _voicemail_key(call: Call) -> str:
    return f"twilio-voicemail:{call.call_sid or call.id}"


def adapt_voicemail(payload: dict[str, Any]) -> InboundItem | None:
    """The voice adapter: a voicemail as the intake's data (a known caller's opens a ticket at once);
    notes on the call where it went."""
    call = db.session.get(Call, payload["call_id"])
    if call is None:
        raise NotFound("chiamata non trovata")
    known = bool(call.organization_id and call.match_confidence == "known")
    item, _created = intake.receive(
        InboundData(
            channel=InboundChannel.PHONE,
            dedupe_key=_voicemail_key(call),
            subject=f"Messaggio in segreteria da {caller_label(call)}",
            body_text=_voicemail_text(call),
            sender_name=caller_label(call) if call.contact_id else "",
            sender_phone=call.caller_number,
            organization_id=call.organization_id,
            contact_id=call.contact_id,
            match_confidence=call.match_confidence,
            service_id=call.service_id,
            message_id=call.recording_sid,
            meta={"call_id": call.id, "call_sid": call.call_sid, "recording_url": call.recording_url},
            open_ticket=known,
        )
    )
    call.inbound_item_id = item.id
    if item.ticket_id:
        call.ticket_id = item.ticket_id
    return item


def record_transcription(
    *,
    call_sid: str,
    transcription_sid: str,
    text: str | None,
    status: str | None,
    recording_sid: str | None = None,
    recording_url: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Call | None:
    """The transcription of a voicemail: kept on the call and added where the voicemail went."""
    call = call_by_sid(call_sid)
    if call is None:
        return None
    if not _first_time(f"transcription:{transcription_sid}", "transcription", payload or {}, call.id):
        return call
    with transaction():
        call.transcription_sid = transcription_sid
        call.transcription_status = (status or "")[:20] or None
        if recording_sid and not call.recording_sid:
            call.recording_sid = recording_sid
            call.recording_url = recording_url
        if status == "completed" and text:
            call.transcript = text
        if not call.ticket_id and not call.inbound_item_id and call.recording_sid:
            _file_voicemail(call)  # the recording callback never came: file it now, transcript included
            return call
        body = (
            f"Trascrizione del messaggio in segreteria:\n{text}"
            if status == "completed" and text
            else "Trascrizione non disponibile: ascoltare la registrazione."
        )
        item = db.session.get(InboundItem, call.inbound_item_id) if call.inbound_item_id else None
        if item is not None and item.status in (InboundStatus.NEW, InboundStatus.QUARANTINED):
            item.body_text = _voicemail_text(call)
        else:
            ticket_id = call.ticket_id or (item.ticket_id if item is not None else None)
            if ticket_id:
                from tickets.services import add_message

                add_message(
                    ticket_id=ticket_id,
                    body=body,
                    author_contact_id=call.contact_id,
                    author_label=caller_label(call),
                    channel="phone",
                    message_ref=transcription_sid,
                )
    return call

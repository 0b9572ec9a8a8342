"""SMS: stored before processing, threaded into tickets or triage, STOP, outbound via the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.jobs import enqueue
from app.text import strip_unsafe
from contact_center import intake
from contact_center.intake import InboundData
from contact_center.models import InboundChannel, InboundItem
from contact_center.phone.common import (
    _first_time,
    caller_label,
    identify_caller,
    open_tickets_for,
    public_url,
    twilio_configured,
)
from contact_center.phone.models import (
    Direction,
    PhoneEvent,
    SmsMessage,
    SmsOptOut,
    SmsStatus,
)

OPT_OUT_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRESTA", "BASTA", "CANCELLA"}
OPT_IN_WORDS = {"START", "UNSTOP", "YES", "RIATTIVA", "ISCRIVI"}

# --- SMS ---------------------------------------------------------------------------------------


def get_sms(sms_id: int) -> SmsMessage:
    sms = db.session.get(SmsMessage, sms_id)
    if sms is None:
        raise NotFound("SMS non trovato")
    return sms


def is_opted_out(number: str | None) -> bool:
    return bool(number) and db.session.scalar(sa.select(SmsOptOut.id).where(SmsOptOut.number == number)) is not None


def receive_sms(
    *, message_sid: str, from_number: str, to_number: str, body: str, payload: dict[str, Any] | None = None
) -> tuple[SmsMessage, bool]:
    """Store an inbound SMS before anything else (idempotent on MessageSid); ``process_sms`` threads it."""
    if not message_sid:
        raise Invalid("MessageSid mancante", {"MessageSid": ["obbligatorio"]})
    existing = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.message_sid == message_sid))
    if existing is not None:
        return existing, False
    from crm.services import normalize_phone

    with transaction():
        sms = SmsMessage(
            message_sid=message_sid,
            direction=Direction.INBOUND,
            from_number=(from_number or "")[:40],
            to_number=(to_number or "")[:40],
            counterpart_number=normalize_phone(from_number),
            body=strip_unsafe(_with_media(body or "", payload or {})),
            status=SmsStatus.RECEIVED,
            meta={k: v for k, v in (payload or {}).items() if k in ("NumMedia", "FromCountry", "FromCity")},
        )
        db.session.add(sms)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            db.session.rollback()
            existing = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.message_sid == message_sid))
            if existing is None:
                raise
            return existing, False
    return sms, True


def _with_media(body: str, payload: dict[str, Any]) -> str:
    """An MMS keeps its pictures as links (Twilio hosts them) below the text."""
    try:
        count = min(int(payload.get("NumMedia") or 0), 10)
    except ValueError:
        count = 0
    links = [payload[f"MediaUrl{i}"] for i in range(count) if payload.get(f"MediaUrl{i}")]
    if not links:
        return body
    return "\n".join([body, *[f"[allegato: {url}]" for url in links]]).strip()


def sms_keyword(body: str | None) -> str | None:
    word = (body or "").strip().upper().rstrip(".!")
    if word in OPT_OUT_WORDS:
        return "stop"
    if word in OPT_IN_WORDS:
        return "start"
    return None


def process_sms(*, sms_id: int) -> SmsMessage:
    """Thread a stored SMS: STOP/START, else the contact's most recent open ticket, else triage."""
    sms = db.session.get(SmsMessage, sms_id)
    if sms is None:
        raise NotFound("SMS non trovato")
    if sms.status != SmsStatus.RECEIVED:
        return sms
    keyword = sms_keyword(sms.body)
    with transaction():
        if keyword == "stop" and sms.counterpart_number:
            if not is_opted_out(sms.counterpart_number):
                db.session.add(SmsOptOut(number=sms.counterpart_number, keyword=sms.body.strip().upper()[:20]))
            sms.meta = {**(sms.meta or {}), "keyword": "stop"}
            sms.status = SmsStatus.PROCESSED
            return sms
        if keyword == "start" and sms.counterpart_number:
            db.session.execute(sa.delete(SmsOptOut).where(SmsOptOut.number == sms.counterpart_number))
            sms.meta = {**(sms.meta or {}), "keyword": "start"}
            sms.status = SmsStatus.PROCESSED
            return sms
        outcome = intake.submit(
            "sms",
            {"sms_id": sms.id},
            dedupe_key=f"twilio-sms:{sms.message_sid}",
            kind=InboundChannel.SMS,
            summary={
                "subject": f"SMS da {sms.counterpart_number or sms.from_number}",
                "body_text": sms.body,
                "sender_phone": sms.counterpart_number,
            },
        )
        if not outcome.ok:  # quarantined in triage; the periodic job also tries again
            sms.error = (outcome.error or "")[:2000]
            sms.attempts += 1
            sms.inbound_item_id = outcome.item.id if outcome.item is not None else sms.inbound_item_id
    return sms


def adapt_sms(payload: dict[str, Any]) -> InboundItem:
    """The SMS adapter: the sender's most recent open ticket when the number is a known contact's,
    else the triage inbox. Files it through the intake and notes where it went on the SMS."""
    sms = db.session.get(SmsMessage, payload["sms_id"])
    if sms is None:
        raise NotFound("SMS non trovato")
    caller = identify_caller(sms.counterpart_number or sms.from_number)
    sms.organization_id, sms.contact_id, sms.match_confidence = (
        caller.organization_id,
        caller.contact_id,
        caller.confidence,
    )
    tickets = (
        open_tickets_for(contact_id=caller.contact_id, limit=1)
        if caller.contact_id and caller.confidence == "known"
        else []
    )
    label = caller_label(sms)
    snippet = " ".join(sms.body.split())[:60]
    item, _created = intake.receive(
        InboundData(
            channel=InboundChannel.SMS,
            dedupe_key=f"twilio-sms:{sms.message_sid}",
            subject=f"SMS da {label}: {snippet}" if snippet else f"SMS da {label}",
            body_text=sms.body,
            sender_name=label if caller.contact_id else "",
            sender_phone=sms.counterpart_number,
            organization_id=caller.organization_id,
            contact_id=caller.contact_id,
            match_confidence=caller.confidence,
            message_id=sms.message_sid,
            meta={"sms_id": sms.id, "message_sid": sms.message_sid},
            reply_to_ticket_id=tickets[0].id if tickets and sms.body.strip() else None,
        )
    )
    sms.inbound_item_id = item.id
    sms.ticket_id = item.ticket_id
    sms.ticket_message_id = item.ticket_message_id
    sms.status = SmsStatus.PROCESSED
    sms.error = None
    return item


def note_sms_failure(*, sms_id: int, error: str) -> None:
    """Keep why processing failed on the stored SMS (the periodic job tries again)."""
    db.session.rollback()
    sms = db.session.get(SmsMessage, sms_id)
    if sms is not None:
        with transaction():
            sms.error = error[:2000]
            sms.attempts += 1


def send_sms(
    *, actor: Any, to_number: str | None = None, body: str, ticket_id: int | None = None, contact_id: int | None = None
) -> SmsMessage:
    """An SMS to a requester: recorded on the ticket, sent by the ``phone.send_sms`` job."""
    from crm.services import get_contact, normalize_phone
    from tickets.services import add_message, get_ticket

    body = (body or "").strip()
    errors: dict[str, list[str]] = {}
    ticket = get_ticket(ticket_id) if ticket_id else None
    if ticket_id and ticket is None:
        errors["ticket_id"] = ["richiesta inesistente"]
    contact = get_contact(contact_id) if contact_id else None
    if contact_id and contact is None:
        errors["contact_id"] = ["contatto inesistente"]
    if contact is None and ticket is not None and ticket.requester_contact_id:
        contact = get_contact(ticket.requester_contact_id)
    number = normalize_phone(to_number) if to_number else normalize_phone(getattr(contact, "phone", None))
    if number is None:
        errors["to"] = ["numero di telefono non valido o mancante"]
    if not body:
        errors["body"] = ["obbligatorio"]
    elif len(body) > 1600:
        errors["body"] = ["al massimo 1600 caratteri"]
    if errors:
        raise Invalid("SMS non valido", errors)
    if is_opted_out(number):
        raise Conflict("il destinatario ha chiesto di non ricevere SMS (STOP)", {"to": ["STOP"]})
    with transaction(actor=actor):
        sms = SmsMessage(
            direction=Direction.OUTBOUND,
            from_number=current_app.config.get("TWILIO_NUMBER") or "",
            to_number=number,
            counterpart_number=number,
            body=body,
            status=SmsStatus.QUEUED,
            organization_id=(ticket.organization_id if ticket else None) or getattr(contact, "organization_id", None),
            contact_id=getattr(contact, "id", None),
            match_confidence="known" if contact else None,
            ticket_id=ticket.id if ticket else None,
            author_id=getattr(actor, "id", None),
        )
        db.session.add(sms)
        db.session.flush()
        if ticket is not None:
            message = add_message(
                ticket_id=ticket.id,
                body=body,
                internal=False,
                channel="sms",
                actor=actor,
                author_label="SMS",
                notify=False,  # the SMS is the notification
            )
            sms.ticket_message_id = message.id
        enqueue("phone.send_sms", queue="default", sms_id=sms.id)
    return sms


def deliver_sms(*, sms_id: int) -> SmsMessage:
    """The job's work: hand a queued SMS to the transport. A failure is written on the SMS (and
    re-raised so the outbox retries with backoff)."""
    from contact_center.phone.transport import TransportError, get_transport

    sms = db.session.get(SmsMessage, sms_id)
    if sms is None or sms.status != SmsStatus.QUEUED:
        return sms  # type: ignore[return-value]
    if is_opted_out(sms.counterpart_number):
        with transaction():
            sms.status = SmsStatus.BLOCKED
            sms.error = "il destinatario ha chiesto di non ricevere SMS (STOP)"
        return sms
    try:
        sid = get_transport().send_sms(
            to=sms.to_number,
            from_=current_app.config.get("TWILIO_NUMBER") or sms.from_number,
            body=sms.body,
            status_callback=public_url("/contact-center/twilio/sms/status") if twilio_configured() else None,
        )
    except TransportError as exc:
        db.session.rollback()
        sms = db.session.get(SmsMessage, sms_id)
        with transaction():
            sms.attempts += 1
            sms.error = str(exc)[:2000]
            sms.error_code = exc.code
        raise
    with transaction():
        sms.message_sid = sid
        sms.status = SmsStatus.SENT
        sms.sent_at = utcnow()
        sms.attempts += 1
        sms.error = None
    return sms


SMS_STATUS = {
    "queued": SmsStatus.QUEUED,
    "accepted": SmsStatus.QUEUED,
    "sending": SmsStatus.SENT,
    "sent": SmsStatus.SENT,
    "delivered": SmsStatus.DELIVERED,
    "undelivered": SmsStatus.UNDELIVERED,
    "failed": SmsStatus.FAILED,
}
SMS_RANK = {
    SmsStatus.QUEUED: 0,
    SmsStatus.SENT: 1,
    SmsStatus.DELIVERED: 2,
    SmsStatus.UNDELIVERED: 2,
    SmsStatus.FAILED: 2,
}


def record_sms_status(
    *, message_sid: str, status: str, error_code: str | None = None, payload: dict[str, Any] | None = None
) -> SmsMessage | None:
    """A delivery report; statuses only move forward (Twilio may deliver callbacks out of order)."""
    sms = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.message_sid == message_sid))
    if sms is None or status not in SMS_STATUS:
        return sms
    if not _first_time(f"sms-status:{message_sid}:{status}", "sms_status", payload or {}, sms_id=sms.id):
        return sms
    new = SMS_STATUS[status]
    with transaction():
        if SMS_RANK.get(new, 0) >= SMS_RANK.get(sms.status, 0):
            sms.status = new
        if error_code:
            sms.error_code = error_code[:20]
            # Twilio 21610: the recipient has replied STOP
            if error_code == "21610" and sms.counterpart_number and not is_opted_out(sms.counterpart_number):
                db.session.add(SmsOptOut(number=sms.counterpart_number, keyword="21610"))
    return sms


def ticket_sms_thread(ticket_id: int) -> list[SmsMessage]:
    return list(
        db.session.scalars(sa.select(SmsMessage).where(SmsMessage.ticket_id == ticket_id).order_by(SmsMessage.id))
    )


# --- SMS notifications to requesters who asked for them ----------------------------------------


def notify_requesters_by_sms(*, window: dt.timedelta = dt.timedelta(days=1), limit: int = 200) -> int:
    """A short SMS for every public operator reply on a ticket whose requester asked for SMS
    notifications (``Contact.sms_notifications``), once per reply. Read-only look at the ticket
    messages; the SMS goes through ``phone.send_sms`` like any other."""
    from crm.services import normalize_phone, sms_subscribers
    from tickets.services import portal_url, staff_replies_since

    phones = sms_subscribers()
    rows = staff_replies_since(utcnow() - window, requester_contact_ids=list(phones), limit=limit)
    sent = 0
    for message_id, ticket in rows:
        number = normalize_phone(phones.get(ticket.requester_contact_id or 0))
        key = f"sms-notify:{message_id}"
        if number is None or is_opted_out(number):
            continue
        if db.session.scalar(sa.select(PhoneEvent.id).where(PhoneEvent.dedupe_key == key)) is not None:
            continue
        with transaction():
            sms = SmsMessage(
                direction=Direction.OUTBOUND,
                from_number=current_app.config.get("TWILIO_NUMBER") or "",
                to_number=number,
                counterpart_number=number,
                body=f"Centro di assistenza: nuova risposta alla richiesta {ticket.number}. {portal_url(ticket)}",
                status=SmsStatus.QUEUED,
                organization_id=ticket.organization_id,
                contact_id=ticket.requester_contact_id,
                match_confidence="known",
                ticket_id=ticket.id,
                meta={"notification_for_message": message_id},
            )
            db.session.add(sms)
            db.session.flush()
            db.session.add(PhoneEvent(dedupe_key=key, kind="sms_notify", sms_id=sms.id, payload={}))
            enqueue("phone.send_sms", sms_id=sms.id)
        sent += 1
    return sent

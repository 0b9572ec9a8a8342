"""What calls and SMS share: configuration, who is calling, callbacks recorded once."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.db import transaction
from app.extensions import db
from contact_center.phone.models import (
    Call,
    PhoneEvent,
    SmsMessage,
)

OPEN_TICKET_STATUSES = ("new", "open", "pending")


def twilio_configured() -> bool:
    return bool(current_app.config.get("TWILIO_AUTH_TOKEN"))


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


# --- who is calling ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Caller:
    number: str | None  # E.164, None when withheld or not a number
    organization_id: int | None = None
    contact_id: int | None = None
    confidence: str | None = None  # known | probable


def identify_caller(raw: str | None) -> Caller:
    """Number -> contact -> ente (``crm.services.match_phone``: "known"); else the ente this number
    was linked to on an earlier call, SMS or triage item ("probable")."""
    from crm.services import match_phone, normalize_phone

    number = normalize_phone(raw)
    if number is None:
        return Caller(None)
    match = match_phone(number)
    if match.organization_id:
        return Caller(number, match.organization_id, match.contact_id, match.confidence or "known")
    for model, column in ((Call, Call.caller_number), (SmsMessage, SmsMessage.counterpart_number)):
        row = db.session.execute(
            sa.select(model.organization_id, model.contact_id)
            .where(column == number, model.organization_id.is_not(None), model.ticket_id.is_not(None))
            .order_by(model.id.desc())
            .limit(1)
        ).first()
        if row is not None:
            return Caller(number, row.organization_id, row.contact_id, "probable")
    from contact_center.models import InboundItem

    row = db.session.execute(
        sa.select(InboundItem.organization_id, InboundItem.contact_id)
        .where(InboundItem.sender_phone == number, InboundItem.organization_id.is_not(None))
        .order_by(InboundItem.id.desc())
        .limit(1)
    ).first()
    if row is not None:
        return Caller(number, row.organization_id, row.contact_id, "probable")
    return Caller(number)


def open_tickets_for(*, organization_id: int | None = None, contact_id: int | None = None, limit: int = 10):
    """The open tickets of a contact (or of an ente), newest first, from the ticket services."""
    from tickets.services import open_tickets_for as tickets_open_for

    return tickets_open_for(organization_id=organization_id, contact_id=contact_id, limit=limit)


def caller_label(obj: Any) -> str:
    from crm.services import get_contact

    if getattr(obj, "contact_id", None):
        contact = get_contact(obj.contact_id)
        if contact is not None:
            return contact.name
    return getattr(obj, "caller_number", None) or getattr(obj, "counterpart_number", None) or "numero nascosto"


# --- Twilio callbacks, once each ---------------------------------------------------------------


def _first_time(key: str, kind: str, payload: dict[str, Any], call_id: int | None = None, sms_id: int | None = None):
    """Record a callback; False when it was seen before (a Twilio retry)."""
    if db.session.scalar(sa.select(PhoneEvent.id).where(PhoneEvent.dedupe_key == key)) is not None:
        return False
    with transaction():
        db.session.add(PhoneEvent(dedupe_key=key[:200], kind=kind, call_id=call_id, sms_id=sms_id, payload=payload))
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            db.session.rollback()
            return False
    return True

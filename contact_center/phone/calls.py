"""Calls on the operator's side: logged by hand, edited, turned into tickets, handled, listed, placed
(click-to-call). What Twilio's voice webhooks report is in ``voice``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.jobs import enqueue
from contact_center.phone.common import (
    Caller,
    caller_label,
    identify_caller,
)
from contact_center.phone.models import (
    LIVE_STATUSES,
    Call,
    CallOutcome,
    CallSource,
    CallStatus,
    Direction,
)


def get_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound("chiamata non trovata")
    return call


def call_by_sid(call_sid: str) -> Call | None:
    return db.session.scalar(sa.select(Call).where(Call.call_sid == call_sid)) if call_sid else None


# --- the operator's side -----------------------------------------------------------------------


def check_party(organization_id: int | None, contact_id: int | None, errors: dict[str, list[str]]) -> int | None:
    """The one rule for who a call was with: the contact must exist and belong to the ente given (when
    only the contact is given, its ente is the call's). Returns the ente; problems go into ``errors``."""
    from crm.services import get_contact, get_organization

    if contact_id:
        contact = get_contact(contact_id)
        if contact is None:
            errors["contact_id"] = ["contatto inesistente"]
        elif organization_id and contact.organization_id != organization_id:
            errors["contact_id"] = ["il contatto non appartiene all'ente"]
        else:
            organization_id = organization_id or contact.organization_id
    if organization_id and get_organization(organization_id) is None:
        errors["organization_id"] = ["ente inesistente"]
    return organization_id


def _manual_call(
    *,
    number: str | None,
    direction: str,
    started_at: dt.datetime | None,
    duration_seconds: int | None,
    outcome: str,
    organization_id: int | None,
    contact_id: int | None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    from crm.services import normalize_phone

    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {"e164": normalize_phone(number) if number else None}
    if number and values["e164"] is None:
        errors["number"] = ["numero di telefono non valido"]
    try:
        values["direction"] = Direction(direction)
    except ValueError:
        errors["direction"] = ["valore non valido"]
    try:
        values["outcome"] = CallOutcome(outcome)
    except ValueError:
        errors["outcome"] = ["valore non valido"]
    if duration_seconds is not None and not (0 <= duration_seconds <= 24 * 3600):
        errors["duration_seconds"] = ["durata non valida"]
    values["started"] = started = started_at or utcnow()
    if started.tzinfo is None:
        errors["started_at"] = ["indicare il fuso orario"]
    elif started > utcnow() + dt.timedelta(minutes=5):
        errors["started_at"] = ["la chiamata non può essere nel futuro"]
    values["organization_id"] = check_party(organization_id, contact_id, errors)
    return values, errors


def manual_call_problems(
    *,
    number: str | None,
    direction: str = "inbound",
    started_at: dt.datetime | None = None,
    duration_seconds: int | None = None,
    outcome: str = "answered",
    organization_id: int | None = None,
    contact_id: int | None = None,
) -> dict[str, list[str]]:
    """What ``log_manual_call`` would refuse, by field (empty when the call can be logged): for a form."""
    return _manual_call(
        number=number,
        direction=direction,
        started_at=started_at,
        duration_seconds=duration_seconds,
        outcome=outcome,
        organization_id=organization_id,
        contact_id=contact_id,
    )[1]


def log_manual_call(
    *,
    actor: Any,
    number: str | None,
    direction: str = "inbound",
    started_at: dt.datetime | None = None,
    duration_seconds: int | None = None,
    notes: str = "",
    outcome: str = "answered",
    organization_id: int | None = None,
    contact_id: int | None = None,
) -> Call:
    """A call taken on an ordinary phone, logged by the operator (works without Twilio)."""
    values, errors = _manual_call(
        number=number,
        direction=direction,
        started_at=started_at,
        duration_seconds=duration_seconds,
        outcome=outcome,
        organization_id=organization_id,
        contact_id=contact_id,
    )
    if errors:
        raise Invalid("dati della chiamata non validi", errors)
    e164, direction_, outcome_, started = values["e164"], values["direction"], values["outcome"], values["started"]
    organization_id = values["organization_id"]
    caller = identify_caller(e164) if e164 else Caller(None)
    with transaction(actor=actor):
        call = Call(
            source=CallSource.MANUAL,
            direction=direction_,
            from_number=(e164 or "") if direction_ == Direction.INBOUND else "",
            to_number=(e164 or "") if direction_ == Direction.OUTBOUND else "",
            caller_number=e164,
            organization_id=organization_id or caller.organization_id,
            contact_id=contact_id or caller.contact_id,
            match_confidence="known" if (organization_id or contact_id) else caller.confidence,
            status=CallStatus.COMPLETED,
            outcome=outcome_,
            started_at=started,
            answered_at=started if outcome_ == CallOutcome.ANSWERED else None,
            ended_at=started + dt.timedelta(seconds=duration_seconds or 0),
            duration_seconds=duration_seconds,
            talk_seconds=duration_seconds if outcome_ == CallOutcome.ANSWERED else None,
            notes=notes or "",
            operator_id=getattr(actor, "id", None),
            callback_needed=outcome_ in (CallOutcome.MISSED, CallOutcome.VOICEMAIL) and direction_ == Direction.INBOUND,
        )
        db.session.add(call)
        db.session.flush()
    return call


def update_call(
    *,
    call_id: int,
    actor: Any,
    notes: str | None = None,
    outcome: str | None = None,
    organization_id: int | None = None,
    contact_id: int | None = None,
) -> Call:
    """The operator's notes and outcome; confirming the ente/contact makes the match "known"."""

    call = get_call(call_id)
    errors: dict[str, list[str]] = {}
    if outcome:
        try:
            CallOutcome(outcome)
        except ValueError:
            errors["outcome"] = ["valore non valido"]
    organization_id = check_party(organization_id, contact_id, errors)
    if errors:
        raise Invalid("dati della chiamata non validi", errors)
    with transaction(actor=actor):
        if notes is not None:
            call.notes = notes
        if outcome:
            call.outcome = CallOutcome(outcome)
        if organization_id:
            if organization_id != call.organization_id:
                call.contact_id = None
            call.organization_id = organization_id
            call.match_confidence = "known"
        if contact_id:
            call.contact_id = contact_id
        if call.operator_id is None:
            call.operator_id = getattr(actor, "id", None)
    return call


def _call_summary(call: Call, notes: str) -> str:
    when = call.started_at.strftime("%d/%m/%Y %H:%M")
    who = f"{caller_label(call)} ({call.caller_number})" if call.caller_number else caller_label(call)
    verso = "ricevuta da" if call.direction == Direction.INBOUND else "effettuata a"
    head = f"Telefonata {verso} {who} il {when} UTC"
    if call.talk_seconds:
        head += f", durata {call.talk_seconds // 60}:{call.talk_seconds % 60:02d}"
    parts = [head + "."]
    if notes:
        parts.append(notes)
    if call.transcript:
        parts.append(f"Trascrizione del messaggio in segreteria:\n{call.transcript}")
    return "\n\n".join(parts)


def ticket_from_call(
    *,
    call_id: int,
    actor: Any,
    subject: str,
    notes: str = "",
    service_id: int | None = None,
    priority: str = "normal",
    organization_id: int | None = None,
    contact_id: int | None = None,
):
    """One step: the call's notes become a new ticket on the caller's ente, linked to the call."""
    from tickets.services import open_ticket

    call = get_call(call_id)
    if call.ticket_id:
        raise Conflict("la chiamata è già collegata a una richiesta", {"ticket_id": [str(call.ticket_id)]})
    if not (subject or "").strip():
        raise Invalid("oggetto obbligatorio", {"subject": ["obbligatorio"]})
    with transaction(actor=actor):
        update_call(
            call_id=call.id,
            actor=actor,
            notes=notes if notes else None,
            organization_id=organization_id,
            contact_id=contact_id,
        )
        ticket = open_ticket(
            subject=subject,
            description=_call_summary(call, notes or call.notes),
            organization_id=call.organization_id,
            requester_contact_id=call.contact_id,
            service_id=service_id or call.service_id,
            channel="phone",
            priority=priority,
            author_label=caller_label(call),
            message_ref=call.call_sid,
            actor=actor,
        )
        call.ticket_id = ticket.id
        _close_inbound(call, actor, ticket_id=ticket.id, ticketed=True)
    return ticket


def add_call_to_ticket(*, call_id: int, ticket_id: int, actor: Any, notes: str = "", internal: bool = True):
    """The call's notes become a message (an internal note by default) on an existing ticket."""
    from tickets.services import add_message, get_ticket

    call = get_call(call_id)
    if get_ticket(ticket_id) is None:
        raise Invalid("richiesta inesistente", {"ticket_id": ["richiesta inesistente"]})
    with transaction(actor=actor):
        if notes:
            call.notes = notes
        message = add_message(
            ticket_id=ticket_id,
            body=_call_summary(call, notes or call.notes),
            internal=internal,
            author_contact_id=None if internal else call.contact_id,
            author_label=caller_label(call),
            channel="phone",
            message_ref=call.call_sid,
            actor=actor,
            notify=False,  # a record of the call, not a reply to e-mail
        )
        call.ticket_id = message.ticket_id
        if call.operator_id is None:
            call.operator_id = getattr(actor, "id", None)
        _close_inbound(call, actor, ticket_id=message.ticket_id, ticketed=False, message_id=message.id)
    return message


def _close_inbound(call: Call, actor: Any, *, ticket_id: int, ticketed: bool, message_id: int | None = None) -> None:
    """A voicemail waiting in triage is settled by the ticket the operator made from the call."""
    if not call.inbound_item_id:
        return
    from contact_center.models import InboundItem, InboundStatus

    item = db.session.get(InboundItem, call.inbound_item_id)
    if item is None or item.status not in (InboundStatus.NEW, InboundStatus.QUARANTINED):
        return
    item.ticket_id = ticket_id
    item.ticket_message_id = message_id
    item.status = InboundStatus.TICKETED if ticketed else InboundStatus.ATTACHED
    item.handled_by_id = getattr(actor, "id", None)
    item.handled_at = utcnow()


def mark_handled(*, call_id: int, actor: Any) -> Call:
    """Take a call off the callback worklist."""
    call = get_call(call_id)
    with transaction(actor=actor):
        call.callback_needed = False
        call.handled_by_id = getattr(actor, "id", None)
        call.handled_at = utcnow()
    return call


def callback_worklist(limit: int = 100) -> list[Call]:
    return list(
        db.session.scalars(
            sa.select(Call)
            .where(Call.callback_needed.is_(True))
            .order_by(Call.started_at.desc(), Call.id.desc())
            .limit(limit)
        )
    )


def todays_calls(*, since: dt.datetime, limit: int = 200) -> list[Call]:
    return list(
        db.session.scalars(
            sa.select(Call)
            .where(Call.started_at >= since)
            .order_by(Call.started_at.desc(), Call.id.desc())
            .limit(limit)
        )
    )


def live_calls() -> list[Call]:
    """Calls ringing or in progress (started in the last 4 hours, so a lost status cannot stick)."""
    return list(
        db.session.scalars(
            sa.select(Call)
            .where(Call.status.in_(LIVE_STATUSES), Call.started_at >= utcnow() - dt.timedelta(hours=4))
            .order_by(Call.started_at.desc(), Call.id.desc())
        )
    )


def call_filters(
    stmt: sa.Select,
    *,
    status: str | None = None,
    outcome: str | None = None,
    direction: str | None = None,
    organization_id: int | None = None,
    callback: bool | None = None,
    number: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> sa.Select:
    if status:
        stmt = stmt.where(Call.status == CallStatus(status))
    if outcome:
        stmt = stmt.where(Call.outcome == CallOutcome(outcome))
    if direction:
        stmt = stmt.where(Call.direction == Direction(direction))
    if organization_id:
        stmt = stmt.where(Call.organization_id == organization_id)
    if callback is not None:
        stmt = stmt.where(Call.callback_needed.is_(callback))
    if number:
        from crm.services import normalize_phone

        e164 = normalize_phone(number)
        digits = "".join(ch for ch in number if ch.isdigit())
        stmt = stmt.where(Call.caller_number == e164) if e164 else stmt.where(Call.caller_number.contains(digits))
    if since:
        stmt = stmt.where(Call.started_at >= since)
    if until:
        stmt = stmt.where(Call.started_at < until)
    return stmt


def click_to_call(*, actor: Any, to_number: str, contact_id: int | None = None, ticket_id: int | None = None) -> Call:
    """Ring the operator's phone, then connect the contact (Twilio REST, through the outbox)."""
    from crm.services import normalize_phone

    if not current_app.config.get("TWILIO_ACCOUNT_SID") or not current_app.config.get("TWILIO_NUMBER"):
        raise Conflict("Twilio non è configurato: registrare la chiamata a mano", {"twilio": ["non configurato"]})
    e164 = normalize_phone(to_number)
    if e164 is None:
        raise Invalid("numero di telefono non valido", {"to": ["numero di telefono non valido"]})
    operator_phone = normalize_phone(getattr(actor, "phone", None))
    if operator_phone is None:
        raise Invalid(
            "indicare il proprio numero nel profilo per usare il click-to-call", {"operator_phone": ["mancante"]}
        )
    caller = identify_caller(e164)
    with transaction(actor=actor):
        call = Call(
            source=CallSource.TWILIO,
            direction=Direction.OUTBOUND,
            from_number=current_app.config["TWILIO_NUMBER"],
            to_number=e164,
            caller_number=e164,
            organization_id=caller.organization_id,
            contact_id=contact_id or caller.contact_id,
            match_confidence=caller.confidence,
            status=CallStatus.QUEUED,
            operator_id=getattr(actor, "id", None),
            ticket_id=ticket_id,
            meta={"operator_phone": operator_phone},
        )
        db.session.add(call)
        db.session.flush()
        enqueue("phone.place_call", call_id=call.id)
    return call

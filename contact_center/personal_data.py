"""What the contact center holds about a person (calls, recordings, SMS, inbound messages, STOP),
for data-subject rights and retention (the gdpr module).

Writes are plain UPDATE/DELETE statements so the audit log does not copy what they erase; the caller
records one audit entry for the whole operation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import sqlalchemy as sa

from app.extensions import db
from contact_center.models import InboundItem, RawMessage
from contact_center.phone.models import Call, SmsMessage, SmsOptOut


def calls_of(contact_id: int) -> list[Call]:
    return list(db.session.scalars(sa.select(Call).where(Call.contact_id == contact_id).order_by(Call.id)))


def sms_of(contact_id: int) -> list[SmsMessage]:
    return list(
        db.session.scalars(sa.select(SmsMessage).where(SmsMessage.contact_id == contact_id).order_by(SmsMessage.id))
    )


def inbound_items_of(contact_id: int) -> list[InboundItem]:
    return list(
        db.session.scalars(sa.select(InboundItem).where(InboundItem.contact_id == contact_id).order_by(InboundItem.id))
    )


def sms_opt_outs(numbers: Iterable[str | None]) -> list[SmsOptOut]:
    wanted = [n for n in numbers if n]
    if not wanted:
        return []
    return list(db.session.scalars(sa.select(SmsOptOut).where(SmsOptOut.number.in_(wanted)).order_by(SmsOptOut.id)))


def calls_by_operator(user_id: int) -> list[Call]:
    return list(db.session.scalars(sa.select(Call).where(Call.operator_id == user_id).order_by(Call.id)))


def erase_contact(contact_id: int, *, scrub: Callable[[str, bool], str], placeholder: str) -> tuple[int, set[str]]:
    """Rewrite the contact's calls, SMS and inbound messages; drop raw e-mails and recordings.
    Returns the rows changed and the SHA-256 of the recordings that were kept (for the caller to
    delete the files where nothing else uses them)."""
    changed = 0
    recordings: set[str] = set()
    for call in calls_of(contact_id):
        if call.recording_stored_sha256:
            recordings.add(call.recording_stored_sha256)
        db.session.execute(
            sa.update(Call)
            .where(Call.id == call.id)
            .values(
                from_number=scrub(call.from_number, True)[:40],
                to_number=scrub(call.to_number, True)[:40],
                caller_number=None,
                transcript=scrub(call.transcript, True) if call.transcript else call.transcript,
                notes=scrub(call.notes, False),
                recording_url=None,
                recording_stored_sha256=None,
                meta={},
            )
        )
        changed += 1
    for sms in sms_of(contact_id):
        db.session.execute(
            sa.update(SmsMessage)
            .where(SmsMessage.id == sms.id)
            .values(
                from_number=scrub(sms.from_number, True)[:40],
                to_number=scrub(sms.to_number, True)[:40],
                counterpart_number=None,
                body=scrub(sms.body, True),
                meta={},
            )
        )
        changed += 1
    raw_ids: list[int] = []
    for item in inbound_items_of(contact_id):
        if item.raw_id:
            raw_ids.append(item.raw_id)
        db.session.execute(
            sa.update(InboundItem)
            .where(InboundItem.id == item.id)
            .values(
                sender_name=placeholder[:200],
                sender_email=None,
                sender_phone=None,
                subject=scrub(item.subject, True)[:300],
                body_text=scrub(item.body_text, True),
                body_html=None,
                raw_id=None,
            )
        )
        changed += 1
    if raw_ids:
        db.session.execute(sa.delete(RawMessage).where(RawMessage.id.in_(raw_ids)))
    return changed, recordings


# --- retention ------------------------------------------------------------------------------------


def raw_messages_before(before: dt.datetime, limit: int = 1000) -> list[tuple[int, dt.datetime, int]]:
    """(id, received_at, size) of stored raw e-mails received before ``before``."""
    rows = db.session.execute(
        sa.select(RawMessage.id, RawMessage.received_at, RawMessage.size)
        .where(RawMessage.received_at < before)
        .order_by(RawMessage.id)
        .limit(limit)
    )
    return [(r[0], r[1], r[2]) for r in rows]


def delete_raw_messages(ids: Iterable[int]) -> int:
    ids = list(ids)
    if not ids:
        return 0
    db.session.execute(sa.update(InboundItem).where(InboundItem.raw_id.in_(ids)).values(raw_id=None))
    result = db.session.execute(sa.delete(RawMessage).where(RawMessage.id.in_(ids)))
    return getattr(result, "rowcount", 0) or 0


def recordings_before(before: dt.datetime, limit: int = 1000) -> list[Call]:
    return list(
        db.session.scalars(
            sa.select(Call)
            .where(
                Call.started_at < before,
                sa.or_(Call.recording_stored_sha256.is_not(None), Call.recording_url.is_not(None)),
            )
            .order_by(Call.id)
            .limit(limit)
        )
    )


def forget_recordings(call_ids: Iterable[int]) -> int:
    ids = list(call_ids)
    if not ids:
        return 0
    result = db.session.execute(
        sa.update(Call).where(Call.id.in_(ids)).values(recording_url=None, recording_stored_sha256=None)
    )
    return getattr(result, "rowcount", 0) or 0


def recording_shas_in_use(shas: Iterable[str]) -> set[str]:
    shas = list(shas)
    if not shas:
        return set()
    return set(
        db.session.scalars(sa.select(Call.recording_stored_sha256).where(Call.recording_stored_sha256.in_(shas)))
    )

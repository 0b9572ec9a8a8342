"""One intake for every channel: store first (idempotently), then triage into tickets.

Channel adapters (email, PEC, web form, Twilio voice/SMS) turn their input into an ``InboundData`` and
call ``receive``. Stable signatures: ``receive``, ``create_ticket_from_inbound``,
``attach_inbound_to_ticket``, ``mark_spam``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from contact_center.models import InboundChannel, InboundItem, InboundStatus


@dataclasses.dataclass
class InboundData:
    channel: InboundChannel
    dedupe_key: str
    subject: str = ""
    body_text: str = ""
    body_html: str | None = None
    sender_name: str = ""
    sender_email: str | None = None
    sender_phone: str | None = None
    organization_id: int | None = None
    contact_id: int | None = None
    match_confidence: str | None = None
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)


def receive(data: InboundData) -> tuple[InboundItem, bool]:
    """Store an inbound item. Returns (item, created); a duplicate returns the stored item."""
    existing = db.session.scalar(sa.select(InboundItem).where(InboundItem.dedupe_key == data.dedupe_key))
    if existing is not None:
        return existing, False
    with transaction():
        item = InboundItem(**dataclasses.asdict(data), status=InboundStatus.NEW, received_at=utcnow())
        db.session.add(item)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            db.session.rollback()
            existing = db.session.scalar(sa.select(InboundItem).where(InboundItem.dedupe_key == data.dedupe_key))
            if existing is None:
                raise
            return existing, False
    return item, True


def _open_item(item_id: int) -> InboundItem:
    item = db.session.get(InboundItem, item_id)
    if item is None:
        raise NotFound("elemento non trovato")
    if item.status not in (InboundStatus.NEW, InboundStatus.QUARANTINED):
        raise Conflict("elemento già gestito", {"status": [item.status.value]})
    return item


CHANNEL_TO_TICKET = {
    InboundChannel.EMAIL: "email",
    InboundChannel.PEC: "pec",
    InboundChannel.WEB: "web",
    InboundChannel.PHONE: "phone",
    InboundChannel.SMS: "sms",
}


def create_ticket_from_inbound(
    *,
    item_id: int,
    actor: Any = None,
    organization_id: int | None = None,
    service_id: int | None = None,
    priority: str = "normal",
    subject: str | None = None,
    contact_id: int | None = None,
):
    """Open a ticket from a triage item (operator action, or automatic for a known sender)."""
    from tickets.services import open_ticket

    item = _open_item(item_id)
    with transaction(actor=actor):
        ticket = open_ticket(
            subject=subject or item.subject or "(senza oggetto)",
            description=item.body_text,
            organization_id=organization_id or item.organization_id,
            requester_contact_id=contact_id or item.contact_id,
            service_id=service_id,
            channel=CHANNEL_TO_TICKET[item.channel],
            priority=priority,
            author_label=item.sender_name or item.sender_email or item.sender_phone or "",
            actor=actor,
        )
        item.ticket_id = ticket.id
        item.status = InboundStatus.TICKETED
        item.handled_by_id = getattr(actor, "id", None)
        item.handled_at = utcnow()
    return ticket


def attach_inbound_to_ticket(*, item_id: int, ticket_id: int, actor: Any = None):
    from tickets.services import add_message

    item = _open_item(item_id)
    with transaction(actor=actor):
        message = add_message(
            ticket_id=ticket_id,
            body=item.body_text or item.subject,
            author_contact_id=item.contact_id,
            author_label=item.sender_name or item.sender_email or item.sender_phone or "",
            channel=CHANNEL_TO_TICKET[item.channel],
            actor=actor,
        )
        item.ticket_id = ticket_id
        item.ticket_message_id = message.id
        item.status = InboundStatus.ATTACHED
        item.handled_by_id = getattr(actor, "id", None)
        item.handled_at = utcnow()
    return message


def mark_spam(*, item_id: int, actor: Any = None) -> InboundItem:
    item = _open_item(item_id)
    with transaction(actor=actor):
        item.status = InboundStatus.SPAM
        item.handled_by_id = getattr(actor, "id", None)
        item.handled_at = utcnow()
    return item

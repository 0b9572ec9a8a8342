"""One intake for every channel: store first (idempotently), then triage into tickets.

Channel adapters (email, PEC, web form, Twilio voice/SMS) turn their input into an ``InboundData`` and
call ``receive``. Stable signatures: ``receive``, ``create_ticket_from_inbound``,
``attach_inbound_to_ticket``, ``mark_spam``, ``claim``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
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


def get_item(item_id: int) -> InboundItem:
    item = db.session.get(InboundItem, item_id)
    if item is None:
        raise NotFound("elemento non trovato")
    return item


def _open_item(item_id: int) -> InboundItem:
    item = get_item(item_id)
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


def _author_label(item: InboundItem) -> str:
    if item.sender_name and item.sender_email:
        return f"{item.sender_name} <{item.sender_email}>"[:200]
    return (item.sender_name or item.sender_email or item.sender_phone or "")[:200]


def _copy_attachments(item: InboundItem, ticket_id: int, message_id: int | None, actor: Any) -> None:
    """Move the item's stored files (and a PEC's evidence) onto the ticket."""
    from tickets.services import add_attachment, read_blob

    for att in list((item.meta or {}).get("attachments") or []) + list((item.meta or {}).get("evidence") or []):
        data = read_blob(att["sha256"])
        if data is None:
            continue
        add_attachment(
            ticket_id=ticket_id,
            message_id=message_id,
            filename=att.get("filename") or "allegato",
            data=data,
            content_type=att.get("content_type") or "application/octet-stream",
            content_id=att.get("content_id"),
            actor=actor,
        )


def create_ticket_from_inbound(
    *,
    item_id: int,
    actor: Any = None,
    organization_id: int | None = None,
    service_id: int | None = None,
    priority: str | None = "normal",
    subject: str | None = None,
    contact_id: int | None = None,
    team_id: int | None = None,
    acknowledge: bool = True,
):
    """Open a ticket from a triage item (operator action, or automatic for a known sender); the
    sender of an email, PEC or web request gets the ticket number back."""
    from tickets.services import open_ticket

    item = _open_item(item_id)
    with transaction(actor=actor):
        ticket = open_ticket(
            subject=subject or item.subject or "(senza oggetto)",
            description=item.body_text or item.subject or "(messaggio vuoto)",
            organization_id=organization_id or item.organization_id,
            requester_contact_id=contact_id or item.contact_id,
            service_id=service_id or item.service_id,
            team_id=team_id or item.team_id,
            channel=CHANNEL_TO_TICKET[item.channel],
            priority=priority or item.priority or "normal",
            author_label=_author_label(item),
            message_ref=item.message_id,
            actor=actor,
            notify=False,  # the contact center acknowledges to the sender itself (mailflow.send_acknowledgement)
        )
        _copy_attachments(item, ticket.id, None, actor)
        item.ticket_id = ticket.id
        item.status = InboundStatus.TICKETED
        if organization_id:
            item.organization_id = organization_id
        item.handled_by_id = getattr(actor, "id", None)
        item.handled_at = utcnow()
        if acknowledge and item.sender_email and item.channel != InboundChannel.PHONE:
            from contact_center.mailflow import send_acknowledgement

            send_acknowledgement(item, ticket)
    return ticket


def attach_inbound_to_ticket(*, item_id: int, ticket_id: int, actor: Any = None):
    """Add the item to an existing ticket as a message from the requester. The ticket services
    decide where it lands (a merged ticket's survivor, a follow-up of a closed one)."""
    from tickets.services import add_message

    item = _open_item(item_id)
    with transaction(actor=actor):  # the operator is the audit actor; the message is the requester's
        message = add_message(
            ticket_id=ticket_id,
            body=item.body_text or item.subject or "(messaggio vuoto)",
            author_contact_id=item.contact_id,
            author_label=_author_label(item),
            channel=CHANNEL_TO_TICKET[item.channel],
            message_ref=item.message_id,
            actor=None,
        )
        _copy_attachments(item, message.ticket_id, message.id, actor)
        item.ticket_id = message.ticket_id
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


def claim(*, item_id: int, actor: Any, release: bool = False) -> InboundItem:
    """Take an item to work on it (others see who has it); ``release`` gives it back."""
    item = _open_item(item_id)
    with transaction(actor=actor):
        if release:
            if item.claimed_by_id not in (None, actor.id) and getattr(actor, "role", None) != "admin":
                raise Conflict("preso in carico da un altro operatore", {"claimed_by_id": [str(item.claimed_by_id)]})
            item.claimed_by_id = None
        else:
            if item.claimed_by_id not in (None, actor.id):
                raise Conflict("preso in carico da un altro operatore", {"claimed_by_id": [str(item.claimed_by_id)]})
            item.claimed_by_id = actor.id
    return item


def assign_contact(*, item_id: int, organization_id: int, contact_id: int | None = None, actor: Any = None):
    """Quarantine: say who a message is from; it goes back to the inbox with that ente."""
    if not organization_id:
        raise Invalid("ente obbligatorio", {"organization_id": ["obbligatorio"]})
    item = _open_item(item_id)
    with transaction(actor=actor):
        item.organization_id = organization_id
        item.contact_id = contact_id
        item.match_confidence = "known"
        item.status = InboundStatus.NEW
        item.reason = None
    return item


BULK_ACTIONS = ("spam", "claim", "ticket")


def bulk(*, item_ids: list[int], action: str, actor: Any) -> dict[str, int]:
    """Apply one action to many items; items already handled are skipped, not errors."""
    if action not in BULK_ACTIONS:
        raise Invalid("azione non valida", {"action": [action]})
    done = skipped = 0
    for item_id in item_ids:
        try:
            if action == "spam":
                mark_spam(item_id=item_id, actor=actor)
            elif action == "claim":
                claim(item_id=item_id, actor=actor)
            else:
                item = get_item(item_id)
                if item.organization_id is None:
                    skipped += 1
                    continue
                create_ticket_from_inbound(item_id=item_id, actor=actor, priority=item.priority)
            done += 1
        except (Conflict, NotFound, Invalid):
            db.session.rollback()
            skipped += 1
    return {"done": done, "skipped": skipped}

"""One intake for every channel: adapters turn their input into ``InboundData``; ``receive`` stores it
(idempotently) and files it: a ticket message when it answers one, a ticket for a known sender, else an
item in the triage inbox.

Channels register an adapter (``register_channel``), the way mail transports register: email and PEC
(``contact_center.mailflow``), the web form (``contact_center.webform``), SMS and voice
(``contact_center.phone``). ``submit`` runs an adapter and ``receive`` in a savepoint: an input that
cannot be processed is quarantined alone, with its reason, and can be retried from triage; the rest of
a batch goes on. This module imports no channel: the dependency points from the channels to it.

Stable signatures: ``receive``, ``create_ticket_from_inbound``, ``attach_inbound_to_ticket``,
``mark_spam``, ``claim``.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import logging
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.text import header_safe, strip_unsafe
from contact_center.models import InboundChannel, InboundItem, InboundStatus

log = logging.getLogger("presidio.contact_center")


@dataclasses.dataclass
class InboundData:
    """What every channel hands to the intake: the item to store and what to do with it."""

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
    status: InboundStatus = InboundStatus.NEW
    reason: str | None = None
    message_id: str | None = None
    mailbox_id: int | None = None
    raw_id: int | None = None
    service_id: int | None = None
    team_id: int | None = None
    priority: str | None = None
    client_ip: str | None = None
    ticket_id: int | None = None  # an IGNORED item may point at the ticket it concerns (a PEC receipt)
    # Filing (not stored): the ticket this answers, or open one straight away.
    reply_to_ticket_id: int | None = None
    open_ticket: bool = False
    acknowledge: bool = True


_FILING = ("reply_to_ticket_id", "open_ticket", "acknowledge")
_ONE_LINE = {"subject": 300, "sender_name": 200}


def clean_json(value: Any) -> Any:
    """JSON for the database: no NUL, unpaired surrogate or control character in any string."""
    if isinstance(value, str):
        return strip_unsafe(value)
    if isinstance(value, dict):
        return {strip_unsafe(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    return value


def _columns(data: InboundData) -> dict[str, Any]:
    """The item's columns, cleaned at this one edge: subjects and names on one line, text without the
    characters no column may hold (a NUL byte would make PostgreSQL refuse the whole row)."""
    values = {f.name: getattr(data, f.name) for f in dataclasses.fields(data) if f.name not in _FILING}
    for name, value in values.items():
        if name in _ONE_LINE:
            values[name] = header_safe(value or "")[: _ONE_LINE[name]]
        elif isinstance(value, str):
            values[name] = strip_unsafe(value)
    values["meta"] = clean_json(data.meta or {})
    for name, size in (("sender_email", 254), ("sender_phone", 20), ("message_id", 300), ("client_ip", 64)):
        if values.get(name):
            values[name] = header_safe(values[name])[:size] or None
    values["dedupe_key"] = header_safe(data.dedupe_key)[:300]
    return values


def _by_key(key: str) -> InboundItem | None:
    return db.session.scalar(sa.select(InboundItem).where(InboundItem.dedupe_key == key))


def _is_failure(item: InboundItem) -> bool:
    return item.status == InboundStatus.QUARANTINED and "retry" in (item.meta or {})


def receive(data: InboundData) -> tuple[InboundItem, bool]:
    """Store an inbound item and file it. Returns (item, created); a duplicate returns the stored item.
    An item quarantined because it failed earlier is replaced by the new data (a successful retry)."""
    values = _columns(data)
    existing = _by_key(values["dedupe_key"])
    if existing is not None and not _is_failure(existing):
        return existing, False
    with transaction():
        savepoint = db.session.begin_nested()  # a new row goes in the savepoint: a lost race leaves nothing
        if existing is not None:
            item = existing
            for name, value in values.items():
                setattr(item, name, value)
            item.handled_at = None
        else:
            item = InboundItem(**values, received_at=utcnow())
            db.session.add(item)
        if item.status != InboundStatus.NEW:
            item.handled_at = utcnow()
        try:
            db.session.flush()
        except sa.exc.IntegrityError:  # the same key raced in: the first one wins
            _rollback(savepoint)
            again = _by_key(values["dedupe_key"])
            if again is None:
                raise
            return again, False
        savepoint.commit()
        _file(item, data)
    return item, True


def _file(item: InboundItem, data: InboundData) -> None:
    if item.status != InboundStatus.NEW:
        return
    if data.reply_to_ticket_id:
        attach_inbound_to_ticket(item_id=item.id, ticket_id=data.reply_to_ticket_id)
    elif data.open_ticket:
        create_ticket_from_inbound(
            item_id=item.id,
            organization_id=item.organization_id,
            service_id=item.service_id,
            team_id=item.team_id,
            priority=item.priority or "normal",
            contact_id=item.contact_id,
            acknowledge=data.acknowledge,
        )


# --- channel adapters and the quarantine ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Channel:
    """``adapt(payload)`` turns a channel's stored input into ``InboundData`` (or an item it filed
    itself, or None when there is nothing to file); ``retry(payload, actor)`` is how staff try a
    quarantined one again (default: ``submit`` once more)."""

    name: str
    adapt: Callable[[dict[str, Any]], InboundData | InboundItem | None]
    retry: Callable[[dict[str, Any], Any], Any] | None = None


CHANNELS: dict[str, Channel] = {}


def register_channel(
    name: str,
    adapt: Callable[[dict[str, Any]], InboundData | InboundItem | None],
    *,
    retry: Callable[[dict[str, Any], Any], Any] | None = None,
) -> None:
    CHANNELS[name] = Channel(name, adapt, retry)


@dataclasses.dataclass
class Outcome:
    item: InboundItem | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def submit(
    channel: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str,
    kind: InboundChannel,
    summary: dict[str, Any] | None = None,
) -> Outcome:
    """Run the channel's adapter and file its data, in a savepoint of the caller's transaction.

    When anything raises (the adapter, a service, a flush the database refuses) the savepoint is
    rolled back — also after a failed flush, so the session stays usable for the rest of a batch — and
    the input is quarantined alone: an item in the triage inbox with the reason, ``summary`` (subject,
    sender, what could be read) and how to retry it."""
    session = db.session()
    with transaction():
        savepoint = session.begin_nested()
        try:
            adapted = CHANNELS[channel].adapt(payload)
            item = receive(adapted)[0] if isinstance(adapted, InboundData) else adapted
            savepoint.commit()
            return Outcome(item)
        except Exception as exc:  # noqa: BLE001 - quarantine, never lose the input nor stop the batch
            _rollback(savepoint)
            log.exception("inbound %s %s could not be processed", channel, dedupe_key)
            error = f"{type(exc).__name__}: {exc}"
            detail = error + "\n" + traceback.format_exc(limit=6)[-4000:]
            item = quarantine(
                channel=channel,
                kind=kind,
                payload=payload,
                dedupe_key=dedupe_key,
                error=detail,
                summary=summary or {},
            )
            return Outcome(item, strip_unsafe(detail))


def _rollback(savepoint: Any) -> None:
    """Roll a savepoint back whatever state a failed flush left it in."""
    session = db.session()
    with contextlib.suppress(sa.exc.InvalidRequestError):
        savepoint.rollback()
    session.info.pop("audit_pending", None)  # changes of the rolled-back work are not history


def quarantine(
    *,
    channel: str,
    kind: InboundChannel,
    payload: dict[str, Any],
    dedupe_key: str,
    error: str,
    summary: dict[str, Any],
) -> InboundItem | None:
    """The item that stands for an input that failed: in the inbox as "quarantined" with its reason."""
    first_line = strip_unsafe(error.split("\n", 1)[0])
    reason = f"elaborazione non riuscita: {first_line}"[:1000]
    key = header_safe(dedupe_key)[:300]
    savepoint = db.session().begin_nested()
    try:
        item = _by_key(key)
        if item is not None and not _is_failure(item):
            savepoint.commit()
            return None  # filed meanwhile (or by another worker): nothing to quarantine
        attempts = int(((item.meta or {}).get("retry") or {}).get("attempts", 0)) if item is not None else 0
        meta = clean_json(
            {
                **(summary.get("meta") or {}),
                "retry": {"channel": channel, "payload": payload, "attempts": attempts + 1},
                "error": error[-4000:],
            }
        )
        if item is None:
            item = InboundItem(dedupe_key=key, channel=kind, received_at=utcnow(), meta=meta)
            db.session.add(item)
        item.meta = meta
        item.status = InboundStatus.QUARANTINED
        item.reason = reason
        item.subject = header_safe(str(summary.get("subject") or ""))[:300]
        item.sender_name = header_safe(str(summary.get("sender_name") or ""))[:200]
        item.sender_email = header_safe(str(summary.get("sender_email") or ""))[:254] or None
        item.sender_phone = header_safe(str(summary.get("sender_phone") or ""))[:20] or None
        item.body_text = strip_unsafe(str(summary.get("body_text") or ""))
        item.raw_id = summary.get("raw_id")
        item.mailbox_id = summary.get("mailbox_id")
        item.client_ip = summary.get("client_ip")
        db.session.flush()
        savepoint.commit()
        return item
    except Exception:  # noqa: BLE001 - the channel keeps its own record (raw message, SMS, call)
        _rollback(savepoint)
        log.exception("inbound %s %s could not even be quarantined", channel, dedupe_key)
        return None


def retry(*, item_id: int, actor: Any = None) -> InboundItem:
    """Staff try a quarantined input again; it stays quarantined (with the new reason) if it fails."""
    item = get_item(item_id)
    spec = (item.meta or {}).get("retry")
    if item.status != InboundStatus.QUARANTINED or not spec:
        raise Conflict("niente da riprovare", {"status": [item.status.value]})
    channel = CHANNELS.get(spec.get("channel"))
    if channel is None:
        raise Conflict("canale sconosciuto", {"channel": [str(spec.get("channel"))]})
    with transaction(actor=actor):
        if channel.retry is not None:
            channel.retry(spec.get("payload") or {}, actor)
        else:
            submit(channel.name, spec.get("payload") or {}, dedupe_key=item.dedupe_key, kind=item.channel)
    return get_item(item_id)


# --- triage ---------------------------------------------------------------------------------------


def get_item(item_id: int) -> InboundItem:
    item = db.session.get(InboundItem, item_id)
    if item is None:
        raise NotFound("elemento non trovato")
    return item


def quarantined_items(limit: int = 200) -> list[InboundItem]:
    return list(
        db.session.scalars(
            sa.select(InboundItem)
            .where(InboundItem.status == InboundStatus.QUARANTINED)
            .order_by(InboundItem.id.desc())
            .limit(limit)
        )
    )


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


# The item a ticket is being opened from: the reply router answers the acknowledgement through its
# mailbox, to its sender, threaded on its message (see ``contact_center.replies``).
OPENING: contextvars.ContextVar[InboundItem | None] = contextvars.ContextVar("inbound_opening", default=None)


@contextlib.contextmanager
def _opening(item: InboundItem) -> Iterator[None]:
    token = OPENING.set(item)
    try:
        yield
    finally:
        OPENING.reset(token)


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
    """Open a ticket from a triage item (operator action, or automatic for a known sender). The sender
    of an email, PEC or web request gets the ticket number back: the tickets' own "Richiesta ricevuta"
    email, the one acknowledgement, answered through the mailbox the request came in by."""
    from tickets.services import open_ticket

    item = _open_item(item_id)
    notify = acknowledge and item.channel != InboundChannel.PHONE and bool(item.sender_email or item.contact_id)
    if item.channel == InboundChannel.PHONE and acknowledge and item.contact_id and not actor:
        notify = True  # a known caller's voicemail: told like any ticket opened for them
    with transaction(actor=actor), _opening(item):
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
            notify=notify,
        )
        _copy_attachments(item, ticket.id, None, actor)
        item.ticket_id = ticket.id
        item.status = InboundStatus.TICKETED
        item.reason = None
        if organization_id:
            item.organization_id = organization_id
        item.handled_by_id = getattr(actor, "id", None)
        item.handled_at = utcnow()
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
        item.reason = None
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

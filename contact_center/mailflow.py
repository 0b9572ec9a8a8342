"""Email intake: store the raw message first, process it second, idempotently.

``store_raw`` writes the bytes exactly as received (one row per Message-ID, or per content hash when
there is none) and commits. ``process_raw`` turns a stored message into an ``InboundItem`` and, for a
known sender or a reply, into a ticket or a ticket message — all in one transaction, so a crash at
any point leaves either nothing or everything, and a retry converges. This module is the email and PEC
adapter of ``contact_center.intake`` (``adapt_raw``): it depends on the intake, never the reverse. A
message that makes processing raise is quarantined alone: the row stays ``failed`` with its error and
the triage inbox shows it with its reason, for staff to inspect and retry.
"""

from __future__ import annotations

import logging
import re
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.db import transaction, utcnow
from app.errors import NotFound
from app.extensions import db
from app.inbound import claim_parsed
from app.mail import OutboundEmail, suppress, tickets_from_references
from app.text import header_safe
from contact_center import intake
from contact_center.channels import email as em
from contact_center.channels import pec
from contact_center.intake import InboundData, clean_json
from contact_center.models import (
    InboundChannel,
    InboundItem,
    InboundStatus,
    Mailbox,
    MailboxKind,
    PecReceipt,
    RawMessage,
    RawSource,
    RawStatus,
    RuleAction,
)
from contact_center.routing import batch_cache, cached, match_rule, store_blob_meta

log = logging.getLogger("presidio.contact_center")

TICKET_NUMBER = re.compile(r"\b(AST-\d{4}-\d{6})\b", re.I)


# --- store -------------------------------------------------------------------------------------


def dedupe_key_for(raw: bytes) -> tuple[str, str | None]:
    """``mid:<Message-ID>`` when the message has one, else ``sha:<hash of the bytes>``."""
    message_id = None
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        message_id = em.normalize_message_id(header_safe(str(headers.get("Message-ID") or "")))
    except Exception:  # noqa: BLE001
        message_id = None
    if message_id:
        return f"mid:{message_id}"[:300], message_id
    return f"sha:{em.raw_hash(raw)}", None


def store_raw(
    raw: bytes,
    *,
    source: RawSource,
    mailbox_id: int | None = None,
    imap_uid: str | None = None,
    client_ip: str | None = None,
) -> tuple[RawMessage, bool]:
    """Write the message as received and commit. Returns (row, created); a duplicate returns the
    stored row, whichever way it arrived first."""
    key, message_id = dedupe_key_for(raw)
    existing = db.session.scalar(sa.select(RawMessage).where(RawMessage.dedupe_key == key))
    if existing is not None:
        return existing, False
    row = RawMessage(
        source=source,
        mailbox_id=mailbox_id,
        dedupe_key=key,
        message_id=message_id,
        imap_uid=imap_uid,
        raw=raw,
        size=len(raw),
        sha256=em.raw_hash(raw),
        status=RawStatus.PENDING,
        client_ip=client_ip,
        received_at=utcnow(),
    )
    try:
        with transaction():
            db.session.add(row)
            db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(sa.select(RawMessage).where(RawMessage.dedupe_key == key))
        if existing is None:
            raise
        return existing, False
    return row, True


def ingest(raw: bytes, **kwargs: Any) -> tuple[RawMessage, InboundItem | None]:
    """Store then process (the IMAP poller and the tests use this)."""
    row, _ = store_raw(raw, **kwargs)
    return row, process_raw(row.id)


# --- process -----------------------------------------------------------------------------------


def process_raw(raw_id: int, *, actor: Any = None) -> InboundItem | None:
    """Process a stored message once. Safe to call again: a processed message returns its item.

    The row is locked first, so a batch running at the same time (``process_pending``) and this call
    never both process it: whoever comes second finds it processed."""
    with transaction(actor=actor):
        row = db.session.scalar(
            sa.select(RawMessage)
            .where(RawMessage.id == raw_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None:
            raise NotFound("messaggio non trovato")
        if row.status == RawStatus.PROCESSED:
            return db.session.scalar(sa.select(InboundItem).where(InboundItem.raw_id == row.id))
        with batch_cache():
            return _process_locked(row)


def process_pending(*, batch_size: int | None = None, max_batches: int = 50, ids: list[int] | None = None) -> int:
    """Process the stored messages still pending, oldest first: a transaction per batch, a savepoint per
    message (one that fails is quarantined, the others of its batch go through). Rows are claimed with
    ``FOR UPDATE SKIP LOCKED``, so several workers share the backlog. ``ids`` limits it to those rows
    (the IMAP poller's own). When the backlog outlasts ``max_batches``, a follow-up job is queued."""
    size = batch_size or current_app.config.get("INGEST_BATCH_SIZE", 20)
    done = 0
    for _ in range(max_batches):
        with transaction(), batch_cache():
            query = (
                sa.select(RawMessage)
                .where(RawMessage.status == RawStatus.PENDING)
                .order_by(RawMessage.id)
                .limit(size)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
            if ids is not None:
                query = query.where(RawMessage.id.in_(ids))
            rows = list(db.session.scalars(query))
            for row in rows:
                _process_locked(row)
        done += len(rows)
        if len(rows) < size:
            return done
    schedule_processing()
    return done


def schedule_processing() -> None:
    """Make sure a ``process_pending`` job will run: one waiting is enough for any number of messages
    (it claims them when it starts), so a burst of mail is one job, not one per message."""
    from app.jobs import JobStatus, OutboxJob, enqueue

    waiting = db.session.scalar(
        sa.select(OutboxJob.id)
        .where(
            OutboxJob.status.in_([JobStatus.PENDING, JobStatus.QUEUED]),
            OutboxJob.name == PROCESS_JOB,
            OutboxJob.attempts == 0,  # a job waiting for its retry after a failure does not count
        )
        .limit(1)
    )
    if waiting is None:
        with transaction():
            enqueue(PROCESS_JOB)


PROCESS_JOB = "contact_center.process_pending"


def _process_locked(row: RawMessage) -> InboundItem | None:
    """Process one locked pending row inside the caller's transaction. The intake runs it in a
    savepoint: a message that fails is quarantined alone (the row ``failed`` with its error, an item
    in triage with the reason) and the caller's batch goes on."""
    outcome = intake.submit(
        "email",
        {"raw_id": row.id},
        dedupe_key=row.dedupe_key,
        kind=InboundChannel.EMAIL,
        summary=_summary(row),
    )
    row.attempts += 1
    if outcome.ok:
        row.status = RawStatus.PROCESSED
        row.processed_at = utcnow()
        row.error = None
        return outcome.item
    row.status = RawStatus.FAILED
    row.error = outcome.error
    return None


def _summary(row: RawMessage) -> dict[str, Any]:
    """What a failed message shows in triage: its subject and sender, read as leniently as possible."""
    out: dict[str, Any] = {"raw_id": row.id, "mailbox_id": row.mailbox_id}
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(row.raw[:65536])
        out["subject"] = em._decode_words(str(headers.get("Subject") or ""))[:300]
        name, address = parseaddr(em._decode_words(str(headers.get("From") or "")))
        out["sender_name"], out["sender_email"] = name[:200], address.lower()[:254]
    except Exception:  # noqa: BLE001, S110 - a summary is best effort; the raw message is kept anyway
        pass
    return out


def reprocess(*, raw_id: int, actor: Any = None) -> InboundItem | None:
    row = db.session.get(RawMessage, raw_id)
    if row is None:
        raise NotFound("messaggio non trovato")
    if row.status == RawStatus.FAILED:
        with transaction(actor=actor):
            row.status = RawStatus.PENDING
    return process_raw(raw_id, actor=actor)


def own_addresses() -> set[str]:
    """Our addresses and domains: mail from them (or looping through them) is never a request."""
    return cached("own_addresses", _own_addresses)


def _own_addresses() -> set[str]:
    own: set[str] = set()
    sender = (current_app.config.get("MAIL_FROM") or "").strip("<> ").lower()
    if sender:
        own.add(sender)
        own.add(sender.rsplit("@", 1)[-1])
    for (address,) in db.session.execute(sa.select(Mailbox.address)):
        own.add(address.lower())
    return own


def adapt_raw(payload: dict[str, Any]) -> InboundData | InboundItem | None:
    """The email and PEC adapter: a stored message as the intake's ``InboundData`` (a PEC receipt is
    filed with the message it proves and recorded as ignored)."""
    row = db.session.get(RawMessage, payload["raw_id"])
    if row is None:
        raise NotFound("messaggio non trovato")
    msg = em.parse_bytes(row.raw)
    mailbox = db.session.get(Mailbox, row.mailbox_id) if row.mailbox_id else None
    channel = InboundChannel.EMAIL
    base = {"raw_id": row.id, "dedupe_key": row.dedupe_key, "mailbox_id": row.mailbox_id}

    receipt = pec.receipt_kind(msg)
    if receipt:
        return _file_receipt(row, msg, receipt, base)

    content: Message = msg
    envelope = None
    transport = pec.transport_kind(msg)
    if transport == "posta-certificata":
        envelope = pec.unwrap(msg)
        channel = InboundChannel.PEC
        content = envelope.inner or msg
    elif transport:  # "errore": a transport anomaly, not a request
        return _data(
            base, channel=InboundChannel.PEC, parsed=em.parse(msg), status=InboundStatus.IGNORED, reason="anomalia PEC"
        )
    elif mailbox is not None and mailbox.kind == MailboxKind.PEC:
        channel = InboundChannel.PEC  # a plain message into a PEC box (non-certified sender)

    parsed = em.parse(content)
    if envelope is not None:
        parsed.from_addr = pec.real_sender(msg, envelope) or parsed.from_addr
        if not parsed.subject:
            parsed.subject = pec.strip_pec_subject(em.header(msg, "Subject"))
        parsed.message_id = parsed.message_id or em.normalize_message_id(envelope.daticert.get("msgid"))
    claimed = claim_parsed(
        parsed,
        certified=envelope is not None,
        mailbox_id=row.mailbox_id,
        mailbox_address=mailbox.address if mailbox is not None else None,
    )
    if claimed:  # another module's message (e.g. an SDI notification for billing): recorded, no ticket
        return _data(base, channel=channel, parsed=parsed, status=InboundStatus.IGNORED, reason=claimed)

    auto = em.automatic_reason(content, parsed, own_addresses())
    if auto:
        for address, status in em.permanent_failures(msg):
            suppress(address=address, reason=f"{status}: rimbalzo permanente")
        return _data(base, channel=channel, parsed=parsed, status=InboundStatus.IGNORED, reason=auto)

    from crm.services import match_email

    sender = parsed.from_addr
    match = match_email(sender)
    rule = match_rule(sender=sender, subject=parsed.subject, body=parsed.text, mailbox_id=row.mailbox_id)
    org_id = match.organization_id
    confidence = match.confidence
    automatic = org_id is not None  # a known sender gets a ticket straight away
    if org_id is None and rule is not None and rule.organization_id:
        org_id, confidence, automatic = rule.organization_id, "probable", True  # an admin's domain rule
    if org_id is None:
        from contact_center.sources import likely_organization

        org_id = likely_organization(sender)  # a suggestion for triage, never a ticket by itself
        confidence = "probable" if org_id else None

    data = _data(
        base,
        channel=channel,
        parsed=parsed,
        status=InboundStatus.NEW,
        sender=sender,
        organization_id=org_id,
        contact_id=match.contact_id if match.organization_id == org_id else None,
        match_confidence=confidence,
        service_id=(rule.service_id if rule else None) or (mailbox.default_service_id if mailbox else None),
        team_id=(rule.team_id if rule else None) or (mailbox.default_team_id if mailbox else None),
        priority=(rule.priority if rule else None) or "normal",
    )
    if envelope is not None:
        data.meta["pec"] = {"daticert": envelope.daticert, "envelope_subject": em.header(msg, "Subject")}
        data.meta["evidence"] = [_store_blob(a) for a in envelope.evidence]
    if rule is not None and rule.action in (RuleAction.QUARANTINE, RuleAction.SPAM):
        quarantined = rule.action == RuleAction.QUARANTINE
        data.status = InboundStatus.QUARANTINED if quarantined else InboundStatus.SPAM
        data.reason = f"regola «{rule.name}»"
        return data
    data.reply_to_ticket_id = find_thread(parsed, sender_org_id=match.organization_id)
    data.open_ticket = automatic
    return data


def _store_blob(att: em.Attachment) -> dict[str, Any]:
    return store_blob_meta(att.data, att.filename, att.content_type, att.content_id, att.inline)


def _data(
    base: dict[str, Any],
    *,
    channel: InboundChannel,
    parsed: em.ParsedEmail,
    status: InboundStatus,
    reason: str | None = None,
    sender: str | None = None,
    **extra: Any,
) -> InboundData:
    body = em.trim_reply(parsed.text)
    return InboundData(
        **base,
        channel=channel,
        status=status,
        reason=reason,
        message_id=parsed.message_id,
        sender_email=(sender or parsed.from_addr or None),
        sender_name=parsed.from_name or "",
        subject=parsed.subject or "",
        body_text=body,
        body_html=parsed.html,
        meta={
            **em.summary(parsed),
            "full_text": parsed.text if body != parsed.text.strip() else None,
            "attachments": [_store_blob(a) for a in parsed.attachments],
        },
        **extra,
    )


def _file_receipt(row: RawMessage, msg: Message, kind: str, base: dict[str, Any]) -> InboundData:
    """A PEC receipt: file it with the outbound message it proves; it opens nothing."""
    daticert, _ = pec.daticert_of(msg)
    ref = em.normalize_message_id(em.header(msg, "X-Riferimento-Message-ID") or daticert.get("msgid"))
    outbound = None
    if ref:
        outbound = db.session.scalar(sa.select(OutboundEmail).where(OutboundEmail.message_id == ref))
    recipient = daticert.get("consegna") or next(iter([d["address"] for d in daticert.get("destinatari", [])]), None)
    db.session.add(
        PecReceipt(
            kind=header_safe(kind)[:40],
            ref_message_id=ref,
            outbound_email_id=outbound.id if outbound else None,
            ticket_id=outbound.ticket_id if outbound else None,
            recipient=header_safe(recipient or "")[:254] or None,
            subject=em.header(msg, "Subject")[:500],
            raw_id=row.id,
            daticert=clean_json(daticert),
        )
    )
    data = _data(
        base,
        channel=InboundChannel.PEC,
        parsed=em.parse(msg),
        status=InboundStatus.IGNORED,
        reason=f"ricevuta PEC: {kind}",
    )
    data.ticket_id = outbound.ticket_id if outbound else None
    return data


# --- threading ---------------------------------------------------------------------------------


def find_thread(parsed: em.ParsedEmail, *, sender_org_id: int | None) -> int | None:
    """The ticket this message answers: our signed Message-IDs first, then any stored Message-ID in
    In-Reply-To/References, then ``[AST-…]`` in the subject when the sender belongs to that ente."""
    signed = tickets_from_references(parsed.in_reply_to, parsed.references)
    if signed:
        return signed[0]
    ids = re.findall(r"<[^<>\s]+>", f"{parsed.in_reply_to or ''} {parsed.references or ''}")
    if ids:
        known: dict[str, int] = {}
        for mid, ticket_id in db.session.execute(
            sa.select(InboundItem.message_id, InboundItem.ticket_id).where(
                InboundItem.message_id.in_(ids), InboundItem.ticket_id.is_not(None)
            )
        ):
            if mid and ticket_id:
                known.setdefault(mid, ticket_id)
        for mid, ticket_id in db.session.execute(
            sa.select(OutboundEmail.message_id, OutboundEmail.ticket_id).where(
                OutboundEmail.message_id.in_(ids), OutboundEmail.ticket_id.is_not(None)
            )
        ):
            if mid and ticket_id:
                known.setdefault(mid, ticket_id)
        in_reply_to = em.normalize_message_id(parsed.in_reply_to)
        for mid in ([in_reply_to] if in_reply_to else []) + list(reversed(ids)):
            if mid in known:
                return known[mid]
    number = TICKET_NUMBER.search(parsed.subject or "")
    if number and sender_org_id:
        from contact_center.sources import find_ticket

        ticket = find_ticket(number.group(1).upper())
        if ticket is not None and ticket.organization_id == sender_org_id:
            return ticket.id
    return None


def init_mailflow() -> None:
    """Email and PEC are one channel of the intake (the message says which it is)."""
    intake.register_channel(
        "email", adapt_raw, retry=lambda payload, actor: reprocess(raw_id=payload["raw_id"], actor=actor)
    )

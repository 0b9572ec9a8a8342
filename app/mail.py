"""Outgoing email through the outbox.

``queue_email`` writes an ``OutboundEmail`` and a ``mail.send`` job in the caller's transaction, so a
notification exists exactly when the change that caused it committed. The job sends it through SMTP
(``MAIL_SMTP_URL``) or, when that is unset, writes it to the log. Message-IDs are signed with the
secret key and carry the ticket id, so a reply is threaded even when only ``References`` survives.
Automatic mail is capped per recipient and never goes to a suppressed (bouncing) address.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import logging
import re
import secrets
import smtplib
import ssl
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses
from typing import Any
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.audit import JSONType
from app.db import UTCDateTime, transaction, utcnow
from app.extensions import Model, db
from app.jobs import enqueue, job
from app.labels import enum_labels

log = logging.getLogger("presidio.mail")

MAX_AUTO_PER_HOUR = 10


class EmailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    LOGGED = "logged"  # no SMTP configured: written to the log
    SUPPRESSED = "suppressed"  # rate cap or failing address: not sent, kept as a record
    FAILED = "failed"


enum_labels(
    EmailStatus,
    {
        "queued": _l("In coda"),
        "sent": _l("Inviata"),
        "logged": _l("Registrata (senza SMTP)"),
        "suppressed": _l("Non inviata"),
        "failed": _l("Fallita"),
    },
)


class OutboundEmail(Model):
    __tablename__ = "outbound_emails"
    __table_args__ = (
        sa.Index("ix_outbound_emails_ticket", "ticket_id"),
        sa.Index("ix_outbound_emails_to_created", "to_addr", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[EmailStatus] = mapped_column(
        sa.Enum(EmailStatus, native_enum=False, length=12), nullable=False, default=EmailStatus.QUEUED
    )
    category: Mapped[str] = mapped_column(sa.String(30), nullable=False, default="notification")
    auto: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    from_addr: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    to_addr: Mapped[str] = mapped_column(sa.String(254), nullable=False)  # first recipient, for caps
    recipients: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    cc: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    subject: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    body_text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    message_id: Mapped[str] = mapped_column(sa.String(250), unique=True, nullable=False)
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(250))
    references: Mapped[str | None] = mapped_column(sa.Text)
    headers: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    transport: Mapped[str] = mapped_column(sa.String(40), nullable=False, default="default")
    transport_ref: Mapped[int | None] = mapped_column(sa.Integer)  # e.g. the PEC mailbox id
    ticket_id: Mapped[int | None] = mapped_column(sa.Integer)
    related_type: Mapped[str | None] = mapped_column(sa.String(40))
    related_id: Mapped[int | None] = mapped_column(sa.Integer)
    attachments: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)  # [{path|key, filename, type}]
    error: Mapped[str | None] = mapped_column(sa.Text)


class MailSuppression(Model):
    """An address we must not write to (permanent bounce) until someone fixes it."""

    __tablename__ = "mail_suppressions"
    __audit__ = True
    __audit_label__ = _l("Indirizzo bloccato")

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


# --- Message-IDs -------------------------------------------------------------------------------


def _domain() -> str:
    sender = current_app.config.get("MAIL_FROM") or "presidio.local"
    return sender.rsplit("@", 1)[-1].strip("> ") or "presidio.local"


def _sign(payload: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:16]


def make_message_id(ticket_id: int | None = None) -> str:
    """A unique Message-ID; with a ticket it carries the ticket id under an HMAC signature."""
    nonce = secrets.token_hex(6)
    if ticket_id is None:
        return f"<p.{nonce}@{_domain()}>"
    payload = f"t{ticket_id}.{nonce}"
    return f"<{payload}.{_sign(payload)}@{_domain()}>"


_SIGNED = re.compile(r"<?t(\d+)\.([0-9a-f]{12})\.([0-9a-f]{16})@[^>]+>?")


def ticket_from_message_id(message_id: str) -> int | None:
    """The ticket a Message-ID of ours points at, or None if it is not ours or the signature fails."""
    match = _SIGNED.fullmatch((message_id or "").strip())
    if not match:
        return None
    ticket_id, nonce, sig = match.groups()
    if not hmac.compare_digest(_sign(f"t{ticket_id}.{nonce}"), sig):
        return None
    return int(ticket_id)


def tickets_from_references(*header_values: str | None) -> list[int]:
    """Every ticket id signed into In-Reply-To / References values (most recent first)."""
    found: list[int] = []
    for value in header_values:
        for mid in reversed(re.findall(r"<[^<>]+>", value or "")):
            ticket_id = ticket_from_message_id(mid)
            if ticket_id is not None and ticket_id not in found:
                found.append(ticket_id)
    return found


# --- queueing ---------------------------------------------------------------------------------


def normalize_address(address: str) -> str:
    return (address or "").strip().lower()


def is_suppressed(address: str) -> bool:
    return bool(
        db.session.scalar(sa.select(MailSuppression.id).where(MailSuppression.address == normalize_address(address)))
    )


def suppress(*, address: str, reason: str, actor: Any = None) -> None:
    with transaction(actor=actor):
        if not is_suppressed(address):
            db.session.add(MailSuppression(address=normalize_address(address), reason=reason[:2000]))


def unsuppress(*, address: str, actor: Any = None) -> None:
    with transaction(actor=actor):
        row = db.session.scalar(sa.select(MailSuppression).where(MailSuppression.address == normalize_address(address)))
        if row is not None:
            db.session.delete(row)


def queue_email(
    *,
    to: str | Iterable[str],
    subject: str,
    body_text: str,
    body_html: str | None = None,
    cc: Iterable[str] = (),
    ticket_id: int | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    category: str = "notification",
    auto: bool = True,
    headers: dict[str, str] | None = None,
    transport: str = "default",
    transport_ref: int | None = None,
    from_addr: str | None = None,
    related_type: str | None = None,
    related_id: int | None = None,
    attachments: list[dict[str, str]] | None = None,
    message_id: str | None = None,
) -> OutboundEmail:
    """Write an email to the outbox in the current transaction; the ``mail.send`` job sends it."""
    recipients = [normalize_address(a) for a in ([to] if isinstance(to, str) else list(to)) if a]
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    status = EmailStatus.QUEUED
    error = None
    primary = recipients[0]
    if is_suppressed(primary):
        status, error = EmailStatus.SUPPRESSED, "address suppressed (permanent bounce)"
    elif auto:
        hour_ago = utcnow() - dt.timedelta(hours=1)
        recent = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboundEmail)
            .where(
                OutboundEmail.to_addr == primary,
                OutboundEmail.auto.is_(True),
                OutboundEmail.created_at >= hour_ago,
                OutboundEmail.status != EmailStatus.SUPPRESSED,
            )
        )
        if (recent or 0) >= current_app.config.get("MAIL_MAX_AUTO_PER_HOUR", MAX_AUTO_PER_HOUR):
            status, error = EmailStatus.SUPPRESSED, "rate cap: too many automatic emails to this address"
    with transaction():
        email = OutboundEmail(
            status=status,
            error=error,
            category=category,
            auto=auto,
            from_addr=from_addr or current_app.config["MAIL_FROM"],
            to_addr=primary,
            recipients=recipients,
            cc=[normalize_address(a) for a in cc if a],
            subject=subject[:500],
            body_text=body_text,
            body_html=body_html,
            message_id=message_id or make_message_id(ticket_id),
            in_reply_to=in_reply_to,
            references=references,
            headers=headers or {},
            transport=transport,
            transport_ref=transport_ref,
            ticket_id=ticket_id,
            related_type=related_type,
            related_id=related_id,
            attachments=attachments or [],
        )
        db.session.add(email)
        db.session.flush()
        if status == EmailStatus.QUEUED:
            enqueue("mail.send", queue="mail", email_id=email.id)
    return email


# --- sending ----------------------------------------------------------------------------------

Transport = Callable[[OutboundEmail, EmailMessage], None]
TRANSPORTS: dict[str, Transport] = {}


class Logged(Exception):
    """Raised by a transport that only logged the message (no SMTP configured)."""


def register_transport(name: str, func: Transport) -> None:
    """Other modules add transports (e.g. a PEC mailbox's own SMTP)."""
    TRANSPORTS[name] = func


def build_message(email: OutboundEmail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = email.from_addr
    msg["To"] = ", ".join(email.recipients)
    if email.cc:
        msg["Cc"] = ", ".join(email.cc)
    msg["Subject"] = email.subject
    msg["Message-ID"] = email.message_id
    msg["Date"] = format_datetime(email.created_at)
    if email.in_reply_to:
        msg["In-Reply-To"] = email.in_reply_to
    if email.references:
        msg["References"] = email.references
    if email.auto:
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
    msg["X-Loop"] = _domain()
    for key, value in (email.headers or {}).items():
        msg[key] = value
    msg.set_content(email.body_text or "")
    if email.body_html:
        msg.add_alternative(email.body_html, subtype="html")
    for att in email.attachments or []:
        data = _attachment_bytes(att)
        if data is None:
            continue
        maintype, _, subtype = (att.get("type") or "application/octet-stream").partition("/")
        msg.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=att.get("filename") or "file"
        )
    return msg


def _attachment_bytes(att: dict[str, str]) -> bytes | None:
    """The bytes of an attachment: ``key`` names them in the file storage (``app.storage``: ticket files,
    content-addressed), ``path`` on the local disk. A file no longer stored is left out, not the email."""
    if att.get("key"):
        from app.storage import FileMissing, get_storage

        try:
            return get_storage().read(att["key"])
        except FileMissing:
            log.warning("mail attachment %s is no longer stored", att["key"])
            return None
    with open(att["path"], "rb") as fh:
        return fh.read()


def smtp_send(url: str, msg: EmailMessage, envelope_from: str, recipients: list[str]) -> None:
    """Send through an smtp:// (STARTTLS when offered) or smtps:// URL."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, parts.port or 465, timeout=30, context=context)
    elif parts.scheme == "smtp":
        client = smtplib.SMTP(host, parts.port or 587, timeout=30)
    else:
        raise ValueError(f"unsupported mail URL scheme {parts.scheme!r}")
    with client:
        client.ehlo()
        if parts.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(msg, from_addr=envelope_from, to_addrs=recipients)


def _default_transport(email: OutboundEmail, msg: EmailMessage) -> None:
    url = current_app.config.get("MAIL_SMTP_URL")
    if not url:
        log.info(
            "mail (no MAIL_SMTP_URL, logged only) to=%s subject=%r\n%s",
            email.recipients,
            email.subject,
            email.body_text,
        )
        raise Logged()
    envelope = getaddresses([email.from_addr])[0][1] or email.from_addr
    smtp_send(url, msg, envelope, list(email.recipients) + list(email.cc))


register_transport("default", _default_transport)


@job("mail.send")
def send_email_job(email_id: int) -> None:
    email = db.session.get(OutboundEmail, email_id)
    if email is None or email.status != EmailStatus.QUEUED:
        return
    msg = build_message(email)
    transport = TRANSPORTS.get(email.transport)
    if transport is None:
        raise LookupError(f"no mail transport {email.transport!r}")
    try:
        transport(email, msg)
        status = EmailStatus.SENT
    except Logged:
        status = EmailStatus.LOGGED
    with transaction():
        email.status = status
        email.sent_at = utcnow()
        email.error = None


# --- reply routing ------------------------------------------------------------------------------
# The ticket module writes to requesters; the contact center knows how a ticket's requests arrived
# (a PEC mailbox, the thread of Message-IDs). A router returns overrides for ``queue_email`` —
# ``transport``, ``transport_ref``, ``from_addr``, ``in_reply_to``, ``references`` — or None.

ReplyRouter = Callable[[int], dict[str, Any] | None]
REPLY_ROUTERS: list[ReplyRouter] = []


def register_reply_router(func: ReplyRouter) -> None:
    if func not in REPLY_ROUTERS:
        REPLY_ROUTERS.append(func)


def reply_context(ticket_id: int) -> dict[str, Any]:
    """Merged overrides from every router (the first router to set a key wins)."""
    merged: dict[str, Any] = {}
    for router in REPLY_ROUTERS:
        for key, value in (router(ticket_id) or {}).items():
            if value is not None:
                merged.setdefault(key, value)
    return merged


def display_address(name: str, address: str) -> str:
    return formataddr((name, address))

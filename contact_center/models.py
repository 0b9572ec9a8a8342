"""The contact center's tables: the triage inbox, the raw store, mailboxes, routing rules, PEC receipts.

Every inbound item from any channel lands in ``InboundItem``; email (ordinary, PEC, piped in) is first
written verbatim to ``RawMessage`` and only then processed, so nothing is ever lost.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.audit import JSONType
from app.db import TimestampMixin, UTCDateTime, utcnow
from app.extensions import Model
from app.labels import enum_labels


class InboundChannel(enum.StrEnum):
    EMAIL = "email"
    PEC = "pec"
    WEB = "web"
    PHONE = "phone"  # a voicemail or a logged call
    SMS = "sms"


class InboundStatus(enum.StrEnum):
    NEW = "new"  # waiting in triage
    TICKETED = "ticketed"  # opened a ticket
    ATTACHED = "attached"  # added to an existing ticket
    SPAM = "spam"
    IGNORED = "ignored"  # auto-reply, bounce, receipt: recorded, opens nothing
    QUARANTINED = "quarantined"  # failed to process or refused by a rule; kept with its reason


class InboundItem(Model):
    __tablename__ = "inbound_items"
    __audit__ = True
    __audit_label__ = _l("Messaggio in arrivo")
    __audit_exclude__ = ("body_text", "body_html", "meta")
    __table_args__ = (
        sa.Index("ix_inbound_items_status_id", "status", "id"),
        sa.Index("ix_inbound_items_channel_status_id", "channel", "status", "id"),
        sa.Index("ix_inbound_items_sender_email", "sender_email"),
        sa.Index("ix_inbound_items_sender_phone", "sender_phone"),
        sa.Index("ix_inbound_items_client_ip", "client_ip", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[InboundChannel] = mapped_column(
        sa.Enum(InboundChannel, native_enum=False, length=10), nullable=False
    )
    status: Mapped[InboundStatus] = mapped_column(
        sa.Enum(InboundStatus, native_enum=False, length=12), nullable=False, default=InboundStatus.NEW
    )
    # Idempotency: the same message/call/form never lands twice (Message-ID, CallSid, MessageSid, hash).
    dedupe_key: Mapped[str] = mapped_column(sa.String(300), unique=True, nullable=False)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sender_name: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    sender_email: Mapped[str | None] = mapped_column(sa.String(254))
    sender_phone: Mapped[str | None] = mapped_column(sa.String(20))
    subject: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    body_text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    body_html: Mapped[str | None] = mapped_column(sa.Text)  # sanitized (nh3) before it is stored
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    match_confidence: Mapped[str | None] = mapped_column(sa.String(10))  # known | probable
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    ticket_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket_messages.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(sa.Text)  # why ignored / quarantined
    meta: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Email threading: the message's own Message-ID (the PEC's inner one for a PEC).
    message_id: Mapped[str | None] = mapped_column(sa.String(300), index=True)
    mailbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_mailboxes.id", ondelete="SET NULL"), index=True)
    raw_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_raw_messages.id", ondelete="SET NULL"), index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Suggestions from the routing rules, preselected in the triage form.
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("services.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"))
    priority: Mapped[str | None] = mapped_column(sa.String(10))
    client_ip: Mapped[str | None] = mapped_column(sa.String(64))  # the web form's rate limit


class MailboxKind(enum.StrEnum):
    EMAIL = "email"
    PEC = "pec"


class Security(enum.StrEnum):
    SSL = "ssl"  # IMAPS / SMTPS
    STARTTLS = "starttls"
    NONE = "none"  # only for a server on the same host (tests, a local relay)


class Mailbox(TimestampMixin, Model):
    """An IMAP mailbox the center reads (and whose SMTP it answers through). The password is never
    stored: ``password_env`` names the environment variable that holds it."""

    __tablename__ = "cc_mailboxes"
    __audit__ = True
    __audit_label__ = _l("Casella di posta")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True, nullable=False)
    kind: Mapped[MailboxKind] = mapped_column(
        sa.Enum(MailboxKind, native_enum=False, length=10), nullable=False, default=MailboxKind.EMAIL
    )
    address: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True, index=True)
    imap_host: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    imap_port: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=993)
    imap_security: Mapped[Security] = mapped_column(
        sa.Enum(Security, native_enum=False, length=10), nullable=False, default=Security.SSL
    )
    imap_user: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    imap_folder: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="INBOX")
    processed_folder: Mapped[str | None] = mapped_column(sa.String(200))  # move there after commit
    smtp_host: Mapped[str | None] = mapped_column(sa.String(200))
    smtp_port: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=465)
    smtp_security: Mapped[Security] = mapped_column(
        sa.Enum(Security, native_enum=False, length=10), nullable=False, default=Security.SSL
    )
    smtp_user: Mapped[str | None] = mapped_column(sa.String(254))
    password_env: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    default_service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("services.id", ondelete="SET NULL"))
    default_team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"))
    last_polled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class RawSource(enum.StrEnum):
    IMAP = "imap"
    PIPE = "pipe"  # POST /contact-center/email/inbound
    WEB = "web"  # the public form before it became its own adapter (old rows only)


class RawStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"  # quarantined: processing raised; kept with the error, can be reprocessed


class RawMessage(Model):
    """An inbound message exactly as it arrived, written before anything else happens to it."""

    __tablename__ = "cc_raw_messages"
    __table_args__ = (
        sa.Index("ix_cc_raw_messages_status_id", "status", "id"),
        sa.Index("ix_cc_raw_messages_client_ip", "client_ip", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[RawSource] = mapped_column(sa.Enum(RawSource, native_enum=False, length=10), nullable=False)
    mailbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_mailboxes.id", ondelete="SET NULL"), index=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(300), unique=True, nullable=False)
    message_id: Mapped[str | None] = mapped_column(sa.String(300), index=True)
    imap_uid: Mapped[str | None] = mapped_column(sa.String(40))  # "<uidvalidity>:<uid>"
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    raw: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    size: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    status: Mapped[RawStatus] = mapped_column(
        sa.Enum(RawStatus, native_enum=False, length=10), nullable=False, default=RawStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    client_ip: Mapped[str | None] = mapped_column(sa.String(64))  # web form rate limit


class RuleKind(enum.StrEnum):
    SENDER = "sender"  # exact address
    DOMAIN = "domain"  # sender's domain (subdomains included)
    KEYWORD = "keyword"  # word in subject or body
    MAILBOX = "mailbox"  # arrived in a given mailbox


class RuleAction(enum.StrEnum):
    ROUTE = "route"  # set ente / service / team / priority
    QUARANTINE = "quarantine"  # keep aside for an admin
    SPAM = "spam"


enum_labels(
    InboundChannel,
    {"email": _l("Email"), "pec": _l("PEC"), "web": _l("Modulo web"), "phone": _l("Telefono"), "sms": _l("SMS")},
)
enum_labels(
    InboundStatus,
    {
        "new": _l("Da smistare"),
        "ticketed": _l("Richiesta aperta"),
        "attached": _l("Aggiunto a richiesta"),
        "spam": _l("Spam"),
        "ignored": _l("Automatico (ignorato)"),
        "quarantined": _l("In quarantena"),
    },
)
enum_labels(MailboxKind, {"email": _l("Email ordinaria"), "pec": _l("PEC")})
enum_labels(
    Security,
    {"ssl": _l("SSL/TLS"), "starttls": _l("STARTTLS"), "none": _l("Nessuna (solo server locale)")},
    name="MailboxSecurity",
)
enum_labels(RawSource, {"imap": _l("Casella IMAP"), "pipe": _l("Inoltro dal server di posta"), "web": _l("Modulo web")})
enum_labels(RawStatus, {"pending": _l("Da elaborare"), "processed": _l("Elaborato"), "failed": _l("In quarantena")})
enum_labels(
    RuleKind,
    {
        "sender": _l("Mittente (indirizzo esatto)"),
        "domain": _l("Dominio del mittente"),
        "keyword": _l("Parola nell'oggetto o nel testo"),
        "mailbox": _l("Casella di arrivo"),
    },
)
enum_labels(
    RuleAction, {"route": _l("Instrada"), "quarantine": _l("Metti in quarantena"), "spam": _l("Segna come spam")}
)


class RoutingRule(TimestampMixin, Model):
    """Admin-editable routing: the first active matching rule (by position) applies."""

    __tablename__ = "cc_routing_rules"
    __audit__ = True
    __audit_label__ = _l("Regola di smistamento")
    __table_args__ = (sa.Index("ix_cc_routing_rules_active_position", "active", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    kind: Mapped[RuleKind] = mapped_column(sa.Enum(RuleKind, native_enum=False, length=10), nullable=False)
    pattern: Mapped[str] = mapped_column(sa.String(254), nullable=False, default="")
    mailbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_mailboxes.id", ondelete="CASCADE"))
    action: Mapped[RuleAction] = mapped_column(
        sa.Enum(RuleAction, native_enum=False, length=12), nullable=False, default=RuleAction.ROUTE
    )
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("services.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"))
    priority: Mapped[str | None] = mapped_column(sa.String(10))
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=100)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)


class PecReceipt(Model):
    """A PEC receipt (accettazione, avvenuta consegna, …) filed with the outbound message it proves."""

    __tablename__ = "cc_pec_receipts"
    __table_args__ = (sa.Index("ix_cc_pec_receipts_outbound", "outbound_email_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)  # X-Ricevuta value
    ref_message_id: Mapped[str | None] = mapped_column(sa.String(300), index=True)
    outbound_email_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbound_emails.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str | None] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="")
    raw_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cc_raw_messages.id", ondelete="SET NULL"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    daticert: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)

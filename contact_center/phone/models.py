"""Calls and SMS: what Twilio tells us (and what operators log by hand), plus the voice menu."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.audit import JSONType
from app.db import UTCDateTime, utcnow
from app.extensions import Model
from app.labels import enum_labels


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallSource(enum.StrEnum):
    TWILIO = "twilio"
    MANUAL = "manual"  # taken on an ordinary phone and logged by the operator


class CallStatus(enum.StrEnum):
    """Twilio's call statuses (``CallStatus``), plus ``voicemail`` for a message left in the box."""

    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"


class CallOutcome(enum.StrEnum):
    PENDING = "pending"  # still going on
    ANSWERED = "answered"
    MISSED = "missed"  # hung up while waiting, busy, no answer
    VOICEMAIL = "voicemail"
    FAILED = "failed"


LIVE_STATUSES = (CallStatus.QUEUED, CallStatus.RINGING, CallStatus.IN_PROGRESS)


class Call(Model):
    __tablename__ = "phone_calls"
    __audit__ = True
    __audit_label__ = _l("Chiamata")
    __audit_exclude__ = ("transcript", "meta")
    __table_args__ = (
        sa.Index("ix_phone_calls_started_id", "started_at", "id"),
        sa.Index("ix_phone_calls_org_started", "organization_id", "started_at"),
        sa.Index("ix_phone_calls_caller", "caller_number"),
        sa.Index("ix_phone_calls_callback", "callback_needed", "started_at"),
        sa.Index("ix_phone_calls_status", "status"),
        sa.Index("ix_phone_calls_outcome", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    source: Mapped[CallSource] = mapped_column(
        sa.Enum(CallSource, native_enum=False, length=10), nullable=False, default=CallSource.TWILIO
    )
    direction: Mapped[Direction] = mapped_column(
        sa.Enum(Direction, native_enum=False, length=10), nullable=False, default=Direction.INBOUND
    )
    from_number: Mapped[str] = mapped_column(sa.String(40), nullable=False, default="")
    to_number: Mapped[str] = mapped_column(sa.String(40), nullable=False, default="")
    # The other party in E.164 (caller of an inbound call, callee of an outbound one).
    caller_number: Mapped[str | None] = mapped_column(sa.String(20))
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    match_confidence: Mapped[str | None] = mapped_column(sa.String(10))  # known | probable
    status: Mapped[CallStatus] = mapped_column(
        sa.Enum(CallStatus, native_enum=False, length=12), nullable=False, default=CallStatus.RINGING
    )
    outcome: Mapped[CallOutcome] = mapped_column(
        sa.Enum(CallOutcome, native_enum=False, length=10), nullable=False, default=CallOutcome.PENDING
    )
    menu_choice: Mapped[str | None] = mapped_column(sa.String(4))
    menu_option_id: Mapped[int | None] = mapped_column(sa.ForeignKey("phone_menu_options.id", ondelete="SET NULL"))
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("services.id", ondelete="SET NULL"))
    after_hours: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    wait_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    talk_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    recording_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    recording_url: Mapped[str | None] = mapped_column(sa.String(500))
    recording_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    recording_stored_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    transcription_sid: Mapped[str | None] = mapped_column(sa.String(64))
    transcription_status: Mapped[str | None] = mapped_column(sa.String(20))
    transcript: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # A call hung up while ringing or ending in voicemail waits on the callback worklist.
    callback_needed: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    inbound_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inbound_items.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(sa.Text)
    meta: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class SmsStatus(enum.StrEnum):
    RECEIVED = "received"  # stored, not processed yet
    PROCESSED = "processed"  # threaded into a ticket or the triage inbox
    QUEUED = "queued"  # outbound, waiting for the job
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    BLOCKED = "blocked"  # the recipient opted out


enum_labels(Direction, {"inbound": _l("Ricevuta"), "outbound": _l("Effettuata")}, name="CallDirection")
enum_labels(CallSource, {"twilio": _l("Centralino"), "manual": _l("a mano")})
enum_labels(
    CallStatus,
    {
        "queued": _l("in coda"),
        "ringing": _l("squilla"),
        "in-progress": _l("in conversazione"),
        "completed": _l("conclusa"),
        "busy": _l("occupato"),
        "no-answer": _l("nessuna risposta"),
        "failed": _l("Non riuscita"),
        "canceled": _l("annullata"),
    },
)
enum_labels(
    CallOutcome,
    {
        "answered": _l("Risposta"),
        "missed": _l("Persa"),
        "voicemail": _l("Segreteria"),
        "failed": _l("Non riuscita"),
        "pending": _l("In corso"),
    },
)
enum_labels(
    SmsStatus,
    {
        "received": _l("Ricevuto"),
        "processed": _l("Elaborato"),
        "queued": _l("In coda"),
        "sent": _l("Inviato"),
        "delivered": _l("Consegnato"),
        "undelivered": _l("Non consegnato"),
        "failed": _l("Non riuscito"),
        "blocked": _l("Bloccato (disiscritto)"),
    },
)


class SmsMessage(Model):
    __tablename__ = "phone_sms"
    __audit__ = True
    __audit_label__ = _l("SMS")
    __audit_exclude__ = ("body", "meta")
    __table_args__ = (
        sa.Index("ix_phone_sms_created_id", "created_at", "id"),
        sa.Index("ix_phone_sms_number", "counterpart_number"),
        sa.Index("ix_phone_sms_org_created", "organization_id", "created_at"),
        sa.Index("ix_phone_sms_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    direction: Mapped[Direction] = mapped_column(sa.Enum(Direction, native_enum=False, length=10), nullable=False)
    from_number: Mapped[str] = mapped_column(sa.String(40), nullable=False, default="")
    to_number: Mapped[str] = mapped_column(sa.String(40), nullable=False, default="")
    counterpart_number: Mapped[str | None] = mapped_column(sa.String(20))  # E.164 of the citizen side
    body: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    status: Mapped[SmsStatus] = mapped_column(sa.Enum(SmsStatus, native_enum=False, length=12), nullable=False)
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    match_confidence: Mapped[str | None] = mapped_column(sa.String(10))
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    ticket_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket_messages.id", ondelete="SET NULL"))
    inbound_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inbound_items.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    error_code: Mapped[str | None] = mapped_column(sa.String(20))
    error: Mapped[str | None] = mapped_column(sa.Text)
    meta: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)


class SmsOptOut(Model):
    """A number that answered STOP: no SMS goes to it until it answers START."""

    __tablename__ = "phone_sms_opt_outs"
    __audit__ = True
    __audit_label__ = _l("Disiscrizione SMS")

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True, nullable=False)
    keyword: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="STOP")
    opted_out_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class PhoneMenuOption(Model):
    """One choice of the voice menu ("premi 1 per …"), configured by admins."""

    __tablename__ = "phone_menu_options"
    __audit__ = True
    __audit_label__ = _l("Opzione del menu telefonico")

    id: Mapped[int] = mapped_column(primary_key=True)
    digit: Mapped[str] = mapped_column(sa.String(1), unique=True, nullable=False)
    label: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("services.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)


class PhoneEvent(Model):
    """Every Twilio callback once: Twilio retries, the dedupe key makes a retry a no-op."""

    __tablename__ = "phone_events"
    __table_args__ = (sa.Index("ix_phone_events_call", "call_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("phone_calls.id", ondelete="CASCADE"))
    sms_id: Mapped[int | None] = mapped_column(sa.ForeignKey("phone_sms.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

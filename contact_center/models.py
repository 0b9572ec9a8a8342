"""The triage inbox: every inbound item from any channel is stored here before it is processed."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.audit import JSONType
from app.db import UTCDateTime, utcnow
from app.extensions import Model


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
    __audit_exclude__ = ("body_text", "body_html", "meta")
    __table_args__ = (
        sa.Index("ix_inbound_items_status_id", "status", "id"),
        sa.Index("ix_inbound_items_sender_email", "sender_email"),
        sa.Index("ix_inbound_items_sender_phone", "sender_phone"),
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
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    match_confidence: Mapped[str | None] = mapped_column(sa.String(10))  # known | probable
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    ticket_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket_messages.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(sa.Text)  # why ignored / quarantined
    meta: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

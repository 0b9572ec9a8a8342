"""Outbound webhooks: the endpoints admins register and every delivery made to them."""

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


class WebhookEndpoint(TimestampMixin, Model):
    """A URL that receives signed events. ``secret`` signs the body and is never shown again."""

    __tablename__ = "webhook_endpoints"
    __audit__ = True
    __audit_label__ = _l("Webhook")
    __audit_exclude__ = ("secret",)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000), nullable=False)
    description: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    events: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    secret: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True, index=True)
    # Failed attempts in a row (any delivery); reset by a 2xx. Past the limit the endpoint is paused.
    consecutive_failures: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # out of attempts, or the endpoint was paused: replayable


enum_labels(DeliveryStatus, {"pending": _l("in attesa"), "delivered": _l("consegnata"), "failed": _l("fallita")})


class WebhookDelivery(Model):
    """One event for one endpoint: the exact JSON body, and how sending it went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
        sa.Index("ix_webhook_deliveries_status", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False)
    event: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    payload: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(
        sa.Enum(DeliveryStatus, native_enum=False, length=12), nullable=False, default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

"""Personal data: retention periods set by the admin, and the record of each anonymization."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.audit import JSONType
from app.db import UTCDateTime, utcnow
from app.extensions import Model


class RetentionSetting(Model):
    """How many days one kind of personal data is kept (absent: ``RETENTION_DAYS``)."""

    __tablename__ = "gdpr_retention"
    __audit__ = True
    __audit_label__ = _l("Conservazione dei dati")

    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    days: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


class Erasure(Model):
    """A data subject anonymized: asking again finds this row and changes nothing."""

    __tablename__ = "gdpr_erasures"
    __table_args__ = (sa.UniqueConstraint("subject_type", "subject_id", name="uq_gdpr_erasures_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    subject_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)

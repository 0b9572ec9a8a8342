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


class JobStatus(enum.StrEnum):
    PENDING = "pending"  # written with the change; waiting for the relay (or for its retry time)
    QUEUED = "queued"  # handed to RQ
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # out of attempts; an admin may retry it


enum_labels(
    JobStatus,
    {
        "pending": _l("In attesa"),
        "queued": _l("In coda"),
        "running": _l("In esecuzione"),
        "done": _l("Completato"),
        "failed": _l("Fallito"),
    },
)


class OutboxJob(Model):
    """Transactional outbox: a job is a row committed with the change that caused it."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (
        sa.Index("ix_outbox_jobs_status_run_after", "status", "run_after"),
        sa.Index(
            "uq_outbox_jobs_dedupe_key",
            "dedupe_key",
            unique=True,
            postgresql_where=sa.text("dedupe_key IS NOT NULL"),
            sqlite_where=sa.text("dedupe_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    payload: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    queue: Mapped[str] = mapped_column(sa.String(40), nullable=False, default="default")
    status: Mapped[JobStatus] = mapped_column(
        sa.Enum(JobStatus, native_enum=False, length=12), nullable=False, default=JobStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    max_attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=5)
    run_after: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

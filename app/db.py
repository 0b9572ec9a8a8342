"""Database helpers: the re-entrant transaction, time helpers and common column types."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.extensions import db

ROW_ID_MAX = 2**31 - 1  # PostgreSQL ``integer``: the largest id a row can have


def row_id(value: Any) -> int | None:
    """``value`` as a row id when it can be one (a positive integer that fits the column), else None."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number <= ROW_ID_MAX else None


def get_row(model: Any, value: Any) -> Any:
    """The ``model`` row with id ``value``, or None, also for an id no row can have (never a database
    error for an id beyond the column's range)."""
    ident = row_id(value)
    return db.session.get(model, ident) if ident is not None else None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetime stored in UTC on every backend (SQLite forgets the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Presidio stores aware UTC datetimes only")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


Money = sa.Numeric(12, 2, asdecimal=True)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


@contextlib.contextmanager
def transaction(actor: Any = None, *, expire: bool = True) -> Iterator[Any]:
    """Run a unit of work; only the outermost call commits.

    Services wrap their work in ``with transaction(actor=user):``. A service called from another
    service joins the caller's transaction, so a call log and the ticket it opens commit together.
    After the outermost commit the outbox relay hands new jobs to the queue (or runs them inline).
    The acting user is recorded for the audit log. ``expire=False`` (outermost only) keeps the
    objects as they were written instead of reloading them after the commit: for a caller that
    answers with what it just created (an API POST) and knows no trigger changed it.
    """
    session = db.session()
    info = session.info
    depth = info.get("tx_depth", 0)
    previous_actor = info.get("actor_id")
    if actor is not None:
        info["actor_id"] = getattr(actor, "id", actor)
    info["tx_depth"] = depth + 1
    try:
        yield session
        if depth == 0:
            if expire:
                session.commit()
            else:
                expiring, session.expire_on_commit = session.expire_on_commit, False
                try:
                    session.commit()
                finally:
                    session.expire_on_commit = expiring
    except BaseException:
        if depth == 0:
            session.rollback()
            info.pop("outbox_new", None)
        raise
    finally:
        info["tx_depth"] = depth
        if depth == 0:
            info["actor_id"] = previous_actor
    if depth == 0:
        new_jobs = info.pop("outbox_new", None)
        if new_jobs:
            from app.jobs import dispatch_after_commit

            dispatch_after_commit(new_jobs)


# Dialect-specific DDL that models cannot express (SQLite FTS5 tables and triggers, PostgreSQL
# functions). Modules call ``register_ddl("postgresql", "CREATE ...")`` at import time; the
# statements run after ``create_all`` (tests) and the initial migration carries a frozen copy.
_EXTRA_DDL: dict[str, list[str]] = {}


def register_ddl(dialect: str, *statements: str) -> None:
    _EXTRA_DDL.setdefault(dialect, []).extend(statements)


def extra_ddl(dialect: str) -> list[str]:
    return list(_EXTRA_DDL.get(dialect, []))


@sa.event.listens_for(db.metadata, "after_create")
def _run_extra_ddl(target: Any, connection: Any, **kw: Any) -> None:
    for statement in extra_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


def local_today() -> dt.date:
    """Today's date in the center's time zone (``TIMEZONE``), which is what "today" means to users."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    return dt.datetime.now(ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Rome"))).date()

"""Append-only audit log of every change to every audited model.

A model opts in with ``__audit__ = True`` and names itself for people with ``__audit_label__`` (a lazy
string: "Richiesta", not "tickets"); it may hide columns with ``__audit_exclude__``. The
session listener records creates, updates (with each changed field's before and after) and deletes,
with the acting user set by ``transaction(actor=...)`` and the request id, in the same transaction
as the change itself.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import Model, db

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class AuditEntry(Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        sa.Index("ix_audit_entries_object", "object_type", "object_id", "id"),
        sa.Index("ix_audit_entries_actor", "actor_id", "id"),
        sa.Index("ix_audit_entries_org", "organization_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.Integer)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    object_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    organization_id: Mapped[int | None] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    changes: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _audited(obj: Any) -> bool:
    return bool(getattr(obj, "__audit__", False))


def _columns(obj: Any) -> list[sa.orm.ColumnProperty]:
    mapper = sa.inspect(obj).mapper
    excluded = set(getattr(obj, "__audit_exclude__", ())) | {"created_at", "updated_at"}
    return [p for p in mapper.column_attrs if p.key not in excluded]


def _org_of(obj: Any) -> int | None:
    if getattr(obj, "__tablename__", "") == "organizations":
        return getattr(obj, "id", None)
    value = getattr(obj, "organization_id", None)
    return value if isinstance(value, int) else None


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.new:
        if _audited(obj):
            pending.append(("create", obj, None))
    for obj in session.dirty:
        if not _audited(obj) or not session.is_modified(obj, include_collections=False):
            continue
        state = sa.inspect(obj)
        changes = {}
        for prop in _columns(obj):
            hist = state.attrs[prop.key].history
            if hist.has_changes():
                before = hist.deleted[0] if hist.deleted else None
                after = hist.added[0] if hist.added else None
                if before != after:
                    changes[prop.key] = [_jsonable(before), _jsonable(after)]
        if changes:
            pending.append(("update", obj, changes))
    for obj in session.deleted:
        if _audited(obj):
            snapshot = {p.key: [_jsonable(getattr(obj, p.key)), None] for p in _columns(obj)}
            pending.append(("delete", obj, snapshot))


def _after_flush(session: Session, flush_context: Any) -> None:
    pending = session.info.pop("audit_pending", None)
    if not pending:
        return
    actor_id = session.info.get("actor_id")
    request_id = g.get("request_id") if has_request_context() else None
    rows = []
    now = utcnow()
    for action, obj, changes in pending:
        if action == "create":
            changes = {p.key: [None, _jsonable(getattr(obj, p.key))] for p in _columns(obj)}
            changes = {k: v for k, v in changes.items() if v[1] is not None}
        state = sa.inspect(obj)
        # A new row has no identity key until the flush is finalized: read its primary key instead.
        ident = state.identity or state.mapper.primary_key_from_instance(obj)
        rows.append(
            {
                "at": now,
                "actor_id": actor_id,
                "request_id": request_id,
                "object_type": obj.__tablename__,
                "object_id": ",".join(str(i) for i in ident) if ident and None not in ident else "?",
                "organization_id": _org_of(obj),
                "action": action,
                "changes": changes or {},
            }
        )
    # Written once per transaction (and before a savepoint), not once per flush: see _write_pending.
    session.connection().info.setdefault(_PENDING_ROWS, []).extend(rows)


_PENDING_ROWS = "audit_rows_pending"


def _write_pending(conn: Any) -> None:
    rows = conn.info.pop(_PENDING_ROWS, None)
    if rows:
        conn.execute(sa.insert(AuditEntry), rows)


def _before_commit(session: Session) -> None:
    """The entries of every flush of the transaction, in one INSERT just before it commits."""
    session.flush()
    if session.in_transaction():
        _write_pending(session.connection())


def _before_savepoint(conn: Any, name: str) -> None:
    # Entries of the enclosing transaction go in before the savepoint, so rolling it back drops
    # only the entries of what it undid.
    _write_pending(conn)


def _discard_pending(conn: Any, *args: Any) -> None:
    if conn.invalidated:  # the connection was lost: the pool clears its info when it reconnects
        return
    conn.info.pop(_PENDING_ROWS, None)


def init_app(app: Any) -> None:
    if not getattr(init_app, "_installed", False):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(sa.engine.Engine, "savepoint", _before_savepoint)
        event.listen(sa.engine.Engine, "rollback", _discard_pending)
        event.listen(sa.engine.Engine, "rollback_savepoint", _discard_pending)
        init_app._installed = True  # type: ignore[attr-defined]


def record(
    *, object_type: str, object_id: Any, action: str, changes: dict | None = None, organization_id: int | None = None
) -> None:
    """Record an event that is not a column change (a login, an export, a job retried)."""
    session = db.session()
    session.add(
        AuditEntry(
            actor_id=session.info.get("actor_id"),
            request_id=g.get("request_id") if has_request_context() else None,
            object_type=object_type,
            object_id=str(object_id),
            organization_id=organization_id,
            action=action,
            changes=_jsonable(changes or {}),
        )
    )


def query_entries(
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: int | None = None,
    organization_id: int | None = None,
    before_id: int | None = None,
    limit: int = 50,
):
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == str(object_id))
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if organization_id:
        stmt = stmt.where(AuditEntry.organization_id == organization_id)
    if before_id:
        stmt = stmt.where(AuditEntry.id < before_id)
    return list(db.session.scalars(stmt))


def audited_types() -> dict[str, str]:
    """Every audited table and the reader's name for it, sorted by that name (from the models: a
    DISTINCT over millions of audit rows would be a full scan)."""
    names = {
        m.class_.__tablename__: str(getattr(m.class_, "__audit_label__", m.class_.__tablename__))
        for m in db.Model.registry.mappers  # type: ignore[attr-defined]
        if getattr(m.class_, "__audit__", False)
    }
    return dict(sorted(names.items(), key=lambda kv: kv[1].casefold()))


def shown_value(object_type: str, field: str, value: Any) -> str:
    """A recorded value as people read it: an enum column's value by its label, the rest as stored."""
    from app.labels import label

    table = db.metadata.tables.get(object_type)
    column = table.columns.get(field) if table is not None else None
    enum_class = getattr(column.type, "enum_class", None) if column is not None else None
    if value is None:
        return "∅"
    if isinstance(value, bool):
        from flask_babel import gettext

        return gettext("sì") if value else gettext("no")
    if enum_class is not None:
        return label(value, enum_class)
    return str(value)

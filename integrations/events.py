"""Domain events for webhooks, captured without touching the services that cause them.

A module *registers* the events it can emit (``register_event``) and, for each model whose changes
mean an event, a *source* (``register_source(Model, func)``): after every flush ``func(obj, created)``
says which events a new or changed row means. Just before the transaction commits the events are
turned into deliveries for the endpoints that want them — written in the same transaction as the
change, so an event exists exactly when its change does. A service that has no row to watch (an
indicator crossing a threshold) calls ``emit(event, data)`` inside its transaction instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.extensions import db

# event name -> label (a lazy gettext string, shown on the admin page)
EVENTS: dict[str, Any] = {}
_SOURCES: dict[type, Callable[[Any, bool], list[tuple[str, str]]]] = {}
_SERIALIZERS: dict[str, Callable[[Any], dict[str, Any]]] = {}
_PENDING = "webhook_events"


@dataclasses.dataclass
class PendingEvent:
    event: str
    key: str  # the object ("ticket:5"): one event of a kind per object per transaction
    obj: Any = None
    data: dict[str, Any] | None = None
    at: dt.datetime | None = None


def register_event(name: str, label: Any, serializer: Callable[[Any], dict[str, Any]] | None = None) -> None:
    EVENTS[name] = label
    if serializer is not None:
        _SERIALIZERS[name] = serializer


def register_source(model: type, func: Callable[[Any, bool], list[tuple[str, str]]]) -> None:
    """``func(obj, created)`` returns ``[(event, object_key), ...]`` for a flushed row of ``model``."""
    _SOURCES[model] = func


def emit(event: str, data: dict[str, Any], *, key: str | None = None) -> None:
    """Record an event with its data in the current transaction (sent only if it commits)."""
    if event not in EVENTS:
        raise KeyError(f"unknown webhook event {event!r}")
    session = db.session()
    session.info.setdefault(_PENDING, []).append(
        PendingEvent(event, key or f"emit:{len(session.info.get(_PENDING, []))}", data=data, at=_now())
    )


def _now() -> dt.datetime:
    from app.db import utcnow

    return utcnow()


def _after_flush(session: Session, flush_context: Any) -> None:
    if not _SOURCES:
        return
    found: list[PendingEvent] = []
    for created, objs in ((True, session.new), (False, session.dirty)):
        for obj in objs:
            source = _SOURCES.get(type(obj))
            if source is None:
                continue
            if not created and not session.is_modified(obj, include_collections=False):
                continue
            for event, key in source(obj, created):
                found.append(PendingEvent(event, key, obj=obj, at=_now()))
    if found:
        session.info.setdefault(_PENDING, []).extend(found)


def _before_commit(session: Session) -> None:
    pending: list[PendingEvent] = session.info.pop(_PENDING, None) or []
    if not pending:
        return
    session.flush()  # rows flushed by this very flush may add events
    pending.extend(session.info.pop(_PENDING, None) or [])
    from integrations.delivery import write_deliveries

    seen: set[tuple[str, str]] = set()
    created_keys = {p.key for p in pending if p.event.endswith(".created")}
    ready: list[tuple[str, dt.datetime, dict[str, Any]]] = []
    for item in pending:
        if (item.event, item.key) in seen:
            continue
        seen.add((item.event, item.key))
        if item.obj is not None:
            state = sa.inspect(item.obj)
            if not state.persistent:  # rolled back with a savepoint, or deleted
                continue
            # A row created and then changed in one transaction is one "created" event.
            if item.event.endswith(".updated") and item.key in created_keys:
                continue
            serializer = _SERIALIZERS.get(item.event)
            data = serializer(item.obj) if serializer else {"id": getattr(item.obj, "id", None)}
        else:
            data = item.data or {}
        ready.append((item.event, item.at or _now(), data))
    if ready:
        write_deliveries(session, ready)


def _discard(session: Session, *args: Any) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    if getattr(install, "_installed", False):
        return
    sa_event.listen(Session, "after_flush", _after_flush)
    sa_event.listen(Session, "before_commit", _before_commit)
    sa_event.listen(Session, "after_rollback", _discard)
    install._installed = True  # type: ignore[attr-defined]

"""Reports read from a PostgreSQL read replica when one is configured.

``DATABASE_REPLICA_URL`` names a hot-standby copy of the primary (streaming replication). Views
marked ``@reads_replica`` (the SLA and time reports, receivables and exports, the audit log) run
their SELECTs there, so long report queries never compete with the operators' work on the primary.
The routing lives in the session (``ReplicaRoutingSession.get_bind``) and only ever sends plain
``SELECT`` statements without ``FOR UPDATE``: flushes, inserts, updates and deletes always go to the
primary, and the replica's connections are opened read-only besides.

When the replica does not answer, the request reads from the primary and a warning is logged; the
replica is tried again after ``REPLICA_RETRY_SECONDS``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.sql.selectable import GenerativeSelect

log = logging.getLogger(__name__)

SESSION_KEY = "replica_engine"
F = TypeVar("F", bound=Callable[..., Any])


def _is_plain_read(clause: Any) -> bool:
    return isinstance(clause, GenerativeSelect) and getattr(clause, "_for_update_arg", None) is None


class ReplicaRoutingSession(FlaskSession):
    """Flask-SQLAlchemy's session, sending plain SELECTs to the replica while a report asks for it."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        replica = self.info.get(SESSION_KEY)
        if replica is not None and bind is None and not self._flushing and _is_plain_read(clause):
            return replica
        return super().get_bind(mapper, clause=clause, bind=bind, **kwargs)


class _Replica:
    def __init__(self, url: str) -> None:
        target = make_url(url)
        connect_args: dict[str, Any] = {}
        if target.get_backend_name() == "postgresql":
            # Fail fast when the replica is down, and refuse writes at the server too.
            connect_args = {"connect_timeout": 3, "options": "-c default_transaction_read_only=on"}
        self.engine = sa.create_engine(target, pool_pre_ping=True, connect_args=connect_args)
        self.label = target.render_as_string(hide_password=True)
        self.retry_at = 0.0


def replica_engine(app: Flask | None = None) -> Engine | None:
    """The replica's engine when one is configured and answers; None means: read from the primary."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return None
    replicas: dict[str, _Replica] = app.extensions.setdefault("presidio_replicas", {})
    replica = replicas.get(url)
    if replica is None:
        replica = replicas[url] = _Replica(url)
    if time.monotonic() < replica.retry_at:
        return None
    try:
        with replica.engine.connect():
            pass
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        retry = float(app.config.get("REPLICA_RETRY_SECONDS", 30))
        replica.retry_at = time.monotonic() + retry
        log.warning(
            "read replica %s unreachable, reading from the primary (next try in %.0f s): %s",
            replica.label,
            retry,
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
        return None
    return replica.engine


@contextlib.contextmanager
def replica_reads() -> Iterator[bool]:
    """Inside the block, the session's plain SELECTs go to the replica (when it answers); yields
    whether they do. Writes in the block still go to the primary."""
    from app.extensions import db

    session = db.session()
    previous = session.info.get(SESSION_KEY)
    engine = replica_engine()
    if engine is not None:
        session.info[SESSION_KEY] = engine
    try:
        yield engine is not None
    finally:
        if previous is None:
            session.info.pop(SESSION_KEY, None)
        else:
            session.info[SESSION_KEY] = previous


def reads_replica(view: F) -> F:
    """Mark a report view: its reads go to the replica when one is configured."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

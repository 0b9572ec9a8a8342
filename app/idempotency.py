"""``Idempotency-Key`` for the API's creating POSTs: a retried request creates nothing new.

Decorate a route (under ``@bp.route``, above ``@bp.arguments``) with ``@idempotent``. The same key from
the same user within ``TTL`` answers the first response again (status and body, with the header
``Idempotent-Replayed: true``); the same key with a different request (method, path or body) is 422;
the same key while the first request is still running is 409. Only successful answers are kept: a
request that failed may be retried with the same key. Keys expire after 24 h (periodic purge).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, request
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from app.audit import JSONType
from app.db import UTCDateTime, utcnow
from app.errors import Conflict, Invalid
from app.extensions import Model, db
from app.jobs import periodic

HEADER = "Idempotency-Key"
TTL = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 200
KEY_PATTERN = re.compile(f"[\\x21-\\x7e]{{1,{MAX_KEY_LENGTH}}}")  # printable ASCII, no spaces

HEADER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "Any unique string (e.g. a UUID). Retrying with the same key within 24 h creates nothing "
    "new and answers the first response again; the same key with a different request is 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[\\x21-\\x7e]+$"},
}


class IdempotencyKey(Model):
    """One creating request per (user, key): what it asked (fingerprint) and what it was answered."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
        sa.Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_LENGTH), nullable=False)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(sa.Integer)  # None while the first request runs
    body: Mapped[Any | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    digest.update((request.mimetype or "").encode() + b"\n")
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"{name}={value}\n".encode())
        for name, storage in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            digest.update(f"{name}:{storage.filename}:".encode())
            digest.update(hashlib.sha256(storage.stream.read()).digest())
            storage.stream.seek(0)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _read_key() -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw
    if not KEY_PATTERN.fullmatch(key):
        raise Invalid("Idempotency-Key non valida", {HEADER: [f"da 1 a {MAX_KEY_LENGTH} caratteri stampabili"]})
    return key


def _claim(user_id: int, key: str, fingerprint: str, now: dt.datetime) -> IdempotencyKey | None:
    """Insert the key as running (committed at once), or return the row another request wrote first."""
    table: Any = IdempotencyKey.__table__
    db.session.execute(  # an expired key is free again
        sa.delete(table).where(table.c.user_id == user_id, table.c.key == key, table.c.created_at < now - TTL)
    )
    from sqlalchemy.dialects import postgresql, sqlite

    insert: Any = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(table)
        .values(user_id=user_id, key=key, fingerprint=fingerprint, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(table.c.id)
    )
    inserted = db.session.execute(stmt).scalar() is not None
    db.session.commit()
    if inserted:
        return None
    return db.session.scalar(
        sa.select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )


def _replay(row: IdempotencyKey, fingerprint: str) -> Response:
    if row.fingerprint != fingerprint:
        raise Invalid(
            "questa Idempotency-Key è già stata usata per una richiesta diversa",
            {HEADER: ["già usata per una richiesta diversa"]},
        )
    if row.status_code is None:
        raise Conflict("una richiesta con questa Idempotency-Key è ancora in corso")
    response = current_app.response_class(json.dumps(row.body), status=row.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _settle(user_id: int, key: str, response: Response | None) -> None:
    """Keep a successful answer for replay; forget the key of a failed request so it can be retried."""
    db.session.rollback()
    table: Any = IdempotencyKey.__table__
    where = (table.c.user_id == user_id, table.c.key == key, table.c.status_code.is_(None))
    if response is not None and 200 <= response.status_code < 300 and response.is_json:
        db.session.execute(
            sa.update(table).where(*where).values(status_code=response.status_code, body=response.get_json())
        )
    else:
        db.session.execute(sa.delete(table).where(*where))
    db.session.commit()


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Make a creating POST safe to retry with an ``Idempotency-Key`` header (see the module's doc)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = _read_key()
        if key is None:
            return view(*args, **kwargs)
        user_id = current_user.id
        fingerprint = _fingerprint()
        existing = _claim(user_id, key, fingerprint, utcnow())
        if existing is not None:
            return _replay(existing, fingerprint)
        response = None
        try:
            response = current_app.make_response(view(*args, **kwargs))
            return response
        finally:
            _settle(user_id, key, response)

    doc = dict(getattr(wrapper, "_apidoc", {}))
    doc["presidio"] = {**doc.get("presidio", {}), "parameters": [HEADER_DOC]}
    wrapper._apidoc = doc  # type: ignore[attr-defined]  # app.api documents the header
    return wrapper


def purge(now: dt.datetime | None = None) -> int:
    """Forget keys older than ``TTL``; returns how many."""
    now = now or utcnow()
    result = db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < now - TTL))
    db.session.commit()
    return getattr(result, "rowcount", 0) or 0


@periodic("api.purge_idempotency_keys", seconds=3600)
def _purge_job() -> None:
    purge()

"""Keyset pagination and its cursors (used by API lists, web lists and services alike).

A cursor is signed with the app's secret and the identity of the list it belongs to, so a malformed,
forged or foreign cursor is a clean 400 naming ``cursor`` — never a database error.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.errors import BadRequest
from app.extensions import db


def _cursor_serializer(scope: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"presidio.cursor:{scope}")


def _bad_cursor() -> BadRequest:
    return BadRequest("cursore non valido", {"cursor": ["cursore non valido: usa il next_cursor di questa lista"]})


def encode_cursor(values: Sequence[Any], scope: str = "") -> str:
    """An opaque cursor for ``values``, valid only for the list named by ``scope``."""

    def conv(v: Any) -> Any:
        if isinstance(v, dt.datetime | dt.date):
            return {"$dt": v.isoformat()}
        if isinstance(v, decimal.Decimal):
            return str(v)
        return v

    return _cursor_serializer(scope).dumps([conv(v) for v in values])


def decode_cursor(cursor: str, scope: str = "") -> list[Any]:
    """The values of a cursor made by ``encode_cursor`` for the same ``scope``; else 400."""
    try:
        values = _cursor_serializer(scope).loads(cursor)
        if not isinstance(values, list):
            raise ValueError
        out = []
        for v in values:
            if isinstance(v, dict):
                out.append(dt.datetime.fromisoformat(v["$dt"]))
            else:
                out.append(v)
        return out
    except (BadSignature, ValueError, TypeError, KeyError) as exc:
        raise _bad_cursor() from exc


def keyset_page(
    stmt: sa.Select,
    order: Sequence[Any],
    *,
    limit: int,
    cursor: str | None,
    descending: bool = True,
    scalars: bool = True,
) -> tuple[list[Any], str | None]:
    """Page ``stmt`` by the columns in ``order`` (all in one direction; the last must be unique).

    Returns the items and the cursor of the next page (None on the last page).
    """
    scope = "keyset:" + ",".join(str(c) for c in order)
    if cursor:
        values = decode_cursor(cursor, scope)
        if len(values) != len(order):
            raise _bad_cursor()
        key = sa.tuple_(*order) if len(order) > 1 else order[0]
        bound = sa.tuple_(*[sa.literal(v) for v in values]) if len(order) > 1 else values[0]
        stmt = stmt.where(key < bound if descending else key > bound)
    stmt = stmt.order_by(*[(c.desc() if descending else c.asc()) for c in order]).limit(limit + 1)
    result = db.session.execute(stmt)
    rows = list(result.scalars() if scalars else result.all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_key_value(last, c) for c in order], scope)
    return rows, next_cursor


def _key_value(row: Any, column: Any) -> Any:
    name = column.key if hasattr(column, "key") else str(column)
    if hasattr(row, "_mapping"):
        mapping = row._mapping
        if column in mapping:
            return mapping[column]
        return mapping[name]
    return getattr(row, name)

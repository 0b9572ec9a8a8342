"""COPY helpers: stream rows into a table in one transaction, columns and enum storage from the models."""

from __future__ import annotations

import enum
import json
import operator
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.extensions import db


@dataclass
class BulkResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [f"{k}={v:,}" for k, v in self.counts.items()]
        return "bulk load: " + ", ".join(parts) + f" in {sum(self.seconds.values()):.0f}s"


class Loader:
    """A psycopg 3 connection and what the generator needs from it."""

    def __init__(self, conn: Any, echo: Callable[[str], None]):
        self.conn = conn
        self.echo = echo
        self.meta = db.metadata
        self.superuser = bool(self.scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            row = cur.fetchone()
            return row[0] if row else None

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())

    def next_id(self, table: str) -> int:
        return int(self.scalar(f"SELECT coalesce(max(id), 0) + 1 FROM {table}"))  # noqa: S608

    def has_table(self, table: str) -> bool:
        return bool(self.scalar("SELECT to_regclass(%s) IS NOT NULL", (table,)))

    def has_column(self, table: str, column: str) -> bool:
        return bool(
            self.scalar(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                (table, column),
            )
        )

    def _model_table(self, table: str) -> sa.Table:
        model_table = self.meta.tables.get(table)
        if model_table is None:
            raise ValueError(f"seed bulk: no model for table {table}")
        return model_table

    def copy(
        self,
        table: str,
        rows: Iterable[Mapping[str, Any]],
        *,
        rebuild: bool = False,
        disable_triggers: bool = False,
        finish: Callable[[Any, str, list[str]], None] | None = None,
    ) -> int:
        """COPY ``rows`` (column name → value) into ``table`` in one transaction.

        The columns are the model's, in its order: those the first row names, plus the constant
        defaults of NOT NULL columns the generator does not know (added by a module later); a name
        the model does not have is refused. Enum columns take the member's value, stored as its name.
        ``rebuild``: drop the plain indexes first and build them again at the end (much faster than
        updating them row by row). ``disable_triggers``: the table's own triggers do not fire (the
        caller computes what they would have maintained). ``finish(cursor, table, columns)``: rows go
        to a temporary copy of the table instead, and ``finish`` moves them in (e.g. with a computed
        column); it runs before the indexes are built.
        """
        model_table = self._model_table(table)
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return 0
        unknown = set(first) - set(model_table.columns.keys())
        if unknown:
            raise ValueError(f"seed bulk: {table} has no column {', '.join(sorted(unknown))}")
        given = [c for c in model_table.columns if c.name in first]
        extra = _constant_defaults(model_table, first)
        cols = [c.name for c in given] + list(extra)
        values = operator.itemgetter(*[c.name for c in given])
        tail = tuple(extra.values())
        enums = [(i, {m.value: m.name for m in cls}) for i, c in enumerate(given) if (cls := _enum_class(c))]
        single = len(given) == 1
        started = time.monotonic()
        n = 0
        with self.conn.transaction(), self.conn.cursor() as cur:
            indexes: list[tuple[str, str]] = []
            user_triggers = self.scalar(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", (table,)
            )
            cur.execute("SET LOCAL lock_timeout = '60s'")  # fail clearly if a transaction holds the table
            if user_triggers and disable_triggers:
                cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            if (not user_triggers or disable_triggers) and self.superuser:
                cur.execute("SET LOCAL session_replication_role = replica")  # no per-row FK checks
            if rebuild:
                cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
                indexes = self.rows(
                    """SELECT i.relname, pg_get_indexdef(i.oid)
                       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                       WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
                         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""",
                    (table,),
                )
                for name, _ in indexes:
                    cur.execute(f'DROP INDEX "{name}"')
            target = table
            if finish is not None:
                target = f"bulk_{table}"
                cur.execute(f"CREATE TEMP TABLE {target} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
            with cur.copy(f"COPY {target} ({', '.join(cols)}) FROM STDIN") as cp:
                for row in _chain(first, rows):
                    out = values(row)
                    if single:
                        out = (out,)
                    if enums:
                        out = list(out)
                        for i, names in enums:
                            if out[i] is not None:
                                out[i] = names[out[i]]
                        out = tuple(out)
                    cp.write_row(out + tail if tail else out)
                    n += 1
            if finish is not None:
                finish(cur, target, cols)
            for _, ddl in indexes:
                cur.execute(ddl)
            if user_triggers and disable_triggers:
                cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        self.echo(f"  {table}: {n:,} rows in {time.monotonic() - started:.1f}s")
        return n

    def fix_sequence(self, table: str) -> None:
        self.scalar(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"  # noqa: S608
        )
        self.conn.commit()


def _chain(first: Mapping[str, Any], rest: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    yield first
    yield from rest


def _enum_class(col: sa.Column) -> type[enum.Enum] | None:
    """SQLAlchemy's ``Enum`` columns store the member names; the generator writes values."""
    return getattr(col.type, "enum_class", None)


def _constant_defaults(model_table: sa.Table, given: Iterable[str]) -> dict[str, Any]:
    """Values for NOT NULL columns the generator does not know (added by a module later)."""
    out: dict[str, Any] = {}
    for col in model_table.columns:
        if col.name in given or col.primary_key or col.server_default is not None or col.nullable:
            continue
        default: Any = col.default
        if default is None:
            continue
        if getattr(default, "is_scalar", False):
            value = default.arg
        elif getattr(default, "is_callable", False):
            try:
                value = default.arg(None)
            except TypeError:
                value = default.arg()
        else:
            continue
        if isinstance(value, enum.Enum):
            value = value.name  # SQLAlchemy stores an enum's name
        if isinstance(value, dict | list):
            value = json.dumps(value)
        out[col.name] = value
    return out

"""The benchmark database: created, schema kept in step with the models, loaded to the asked volume."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateIndex, CreateTable

from app.db import extra_ddl
from app.extensions import db


def ensure_database(url: str) -> None:
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def schema_fingerprint() -> str:
    """A hash of the DDL the models produce: when a module changes its tables, the bench DB is rebuilt."""
    dialect = db.engine.dialect
    parts = []
    for table in db.metadata.sorted_tables:
        parts.append(str(CreateTable(table).compile(dialect=dialect)))
        parts.extend(sorted(str(CreateIndex(ix).compile(dialect=dialect)) for ix in table.indexes))
    parts.extend(extra_ddl("postgresql"))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _meta(conn: Any, key: str) -> str | None:
    if not conn.scalar(sa.text("SELECT to_regclass('bench_meta') IS NOT NULL")):
        return None
    return conn.scalar(sa.text("SELECT value FROM bench_meta WHERE key = :k"), {"k": key})


def _set_meta(conn: Any, key: str, value: str) -> None:
    conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)"))
    conn.execute(
        sa.text("INSERT INTO bench_meta VALUES (:k, :v) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"),
        {"k": key, "v": value},
    )


def sync_schema(echo=print) -> bool:
    """Bring a loaded bench database up to the models without reloading it: new tables, new nullable
    (or server-defaulted) columns, new indexes and the registered DDL. False when that is not enough."""
    dialect = db.engine.dialect
    inspector = sa.inspect(db.engine)
    existing = set(inspector.get_table_names())
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if table.name not in existing:  # table by table: metadata.create_all would rerun the extra DDL
                echo(f"bench: CREATE TABLE {table.name}")
                table.create(conn)
                continue
            have_cols = {c["name"] for c in inspector.get_columns(table.name)}
            for col in table.columns:
                if col.name in have_cols:
                    continue
                if not col.nullable and col.server_default is None:
                    echo(f"bench: cannot add NOT NULL column {table.name}.{col.name} in place")
                    return False
                ddl = sa.schema.CreateColumn(col).compile(dialect=dialect)
                echo(f"bench: ALTER TABLE {table.name} ADD COLUMN {ddl}")
                conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))
            have_ix = {ix["name"] for ix in inspector.get_indexes(table.name)}
            for ix in table.indexes:
                if ix.name not in have_ix:
                    echo(f"bench: CREATE INDEX {ix.name}")
                    conn.execute(CreateIndex(ix, if_not_exists=True))
        for statement in extra_ddl("postgresql"):
            if statement.lstrip().upper().startswith("CREATE OR REPLACE"):
                conn.execute(sa.text(statement))
    return True


def prepare(*, tickets: int, orgs: int | None, reset: bool, echo=print) -> dict[str, Any]:
    """Schema current and ``tickets`` bulk tickets loaded (inside an app context)."""
    fingerprint = schema_fingerprint()
    with db.engine.begin() as conn:
        stale = reset or _meta(conn, "schema") != fingerprint
        loaded = int(_meta(conn, "tickets") or 0) if not stale else 0
    if stale and not reset and loaded == 0:
        with db.engine.connect() as conn:
            loaded = int(_meta(conn, "tickets") or 0)
        if loaded and sync_schema(echo):
            echo("bench: schema brought up to the models in place")
            with db.engine.begin() as conn:
                _set_meta(conn, "schema", fingerprint)
            stale = False
        else:
            loaded = 0
    with db.engine.begin() as conn:
        if stale:
            echo(f"bench: (re)creating the schema ({'asked' if reset else 'models changed'})")
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    if stale:
        db.create_all()
        with db.engine.begin() as conn:
            _set_meta(conn, "schema", fingerprint)
            _set_meta(conn, "tickets", "0")
    info: dict[str, Any] = {"schema": fingerprint, "load_seconds": None}
    if loaded < tickets:
        from app.bulk import load_bulk

        echo(f"bench: loading {tickets - loaded:,} tickets (seed bulk)…")
        started = time.monotonic()
        result = load_bulk(tickets=tickets - loaded, orgs=orgs if loaded == 0 else 1, echo=echo)
        info["load_seconds"] = round(time.monotonic() - started, 1)
        info["load_counts"] = result.counts
        with db.engine.begin() as conn:
            _set_meta(conn, "tickets", str(tickets))
            _set_meta(conn, "load_seconds", str(info["load_seconds"]))
            _set_meta(conn, "load_counts", repr(result.counts))
        echo(f"bench: loaded in {info['load_seconds']}s")
    else:
        with db.engine.connect() as conn:
            info["load_seconds"] = _meta(conn, "load_seconds")
            info["load_counts"] = _meta(conn, "load_counts")
    with db.engine.connect() as conn:
        info["sizes"] = {
            t: conn.scalar(sa.text(f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{t}'"))  # noqa: S608
            for t in ("organizations", "contacts", "tickets", "ticket_messages", "audit_entries", "inbound_items")
        }
        info["database_size"] = conn.scalar(sa.text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
    return info

"""Query plans of one request: every statement it sends, run again under EXPLAIN (ANALYZE, BUFFERS).

The request goes through the app in-process (test client) with a listener recording the SQL and
its parameters. Each SELECT is explained; a sequential scan of a big table is a finding. The number
of statements per request is the N+1 indicator.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from app.extensions import db

BIG_TABLE_ROWS = 50_000


@contextlib.contextmanager
def recording(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def big_tables() -> set[str]:
    rows = db.session.execute(
        sa.text("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > :n"), {"n": BIG_TABLE_ROWS}
    )
    return {r[0] for r in rows}


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []) or []:
        yield from _walk(child)


def explain(statements: list[tuple[str, Any]], big: set[str]) -> dict[str, Any]:
    raw = db.engine.raw_connection()
    plans: list[dict[str, Any]] = []
    seq_scans: list[str] = []
    try:
        cur = raw.cursor()
        for sql, params in statements:
            head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
            if head not in ("SELECT", "WITH"):
                continue
            try:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
                row = cur.fetchone()
                plan = row[0] if row else [{}]
                raw.rollback()
            except Exception as exc:  # noqa: BLE001 - a statement that cannot be replayed is noted
                raw.rollback()
                plans.append({"sql": sql, "error": str(exc).splitlines()[0]})
                continue
            top = plan[0]
            nodes = list(_walk(top["Plan"]))
            scans = [
                n["Relation Name"] for n in nodes if n.get("Node Type") == "Seq Scan" and n.get("Relation Name") in big
            ]
            seq_scans.extend(scans)
            plans.append(
                {
                    "sql": sql,
                    "execution_ms": round(top.get("Execution Time", 0.0), 2),
                    "planning_ms": round(top.get("Planning Time", 0.0), 2),
                    "seq_scans_on_big_tables": scans,
                    "indexes": sorted({n["Index Name"] for n in nodes if n.get("Index Name")}),
                    "plan": top["Plan"],
                }
            )
    finally:
        raw.close()
    return {
        "statements": len(statements),
        "selects_explained": sum(1 for p in plans if "plan" in p),
        "db_ms": round(sum(p.get("execution_ms", 0.0) for p in plans), 1),
        "slowest_ms": max((p.get("execution_ms", 0.0) for p in plans), default=0.0),
        "seq_scans_on_big_tables": sorted(set(seq_scans)),
        "plans": plans,
    }


def dump(path: str, data: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, default=str, ensure_ascii=False)

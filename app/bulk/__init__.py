"""`seed bulk`: realistic generated volume for benchmarks, loaded with PostgreSQL COPY.

Enti (comuni, unioni) with contacts and convenzioni, and tickets spread over several years with
3–8 Italian messages each, their status history, time entries, audit entries and a triage inbox.
Rows are generated in Python from a seeded random generator (the same arguments give the same
data) and streamed with ``COPY … FROM STDIN`` through psycopg 3. The plain indexes of the big
tables are dropped and rebuilt inside the same transaction (one pass instead of millions of
inserts into each b-tree or GIN index), and foreign keys are not re-checked row by row when the
table has no trigger of its own (the generator only writes ids it has just written).

One module a domain: ``crm`` (enti, contacts, convenzioni: cleaned by the CRM's own code),
``tickets``, ``contact_center`` (the triage inbox), ``copy`` (the COPY helpers: columns and enum
storage come from the models), ``vocabulary`` (the Italian words).

The load is additive: ids continue after what is already there, so it can run on top of the demo.
1,000,000 tickets take a few minutes on a small machine. PostgreSQL only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections.abc import Callable

from app.bulk.contact_center import load_inbound
from app.bulk.copy import BulkResult, Loader
from app.bulk.crm import load_crm
from app.bulk.tickets import ensure_operators, ensure_teams, load_tickets, plan_tickets
from app.extensions import db

__all__ = ["BulkResult", "load_bulk"]

VACUUMED = (
    "organizations",
    "contacts",
    "agreements",
    "tickets",
    "ticket_messages",
    "ticket_status_changes",
    "time_entries",
    "audit_entries",
    "inbound_items",
)


def load_bulk(
    *,
    tickets: int,
    orgs: int | None = None,
    years: int = 5,
    seed: int = 2026,
    now: dt.datetime | None = None,
    echo: Callable[[str], None] = print,
) -> BulkResult:
    """Generate and COPY ``tickets`` tickets (and ``orgs`` enti, default one per 125 tickets)."""
    if db.engine.dialect.name != "postgresql":
        raise RuntimeError("seed bulk needs PostgreSQL (DATABASE_URL=postgresql+psycopg://…)")
    if tickets < 0:
        raise ValueError("--tickets must be positive")
    orgs = orgs if orgs is not None else max(10, min(8000, tickets // 125))
    if orgs < 1:
        raise ValueError("--orgs must be at least 1")
    rnd = random.Random(seed)
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    result = BulkResult()
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.autocommit = False
        loader = Loader(conn, echo)
        t0 = time.monotonic()
        org_ids, org_weights, contacts_by_org = load_crm(loader, rnd, orgs, now, result)
        result.seconds["crm"] = time.monotonic() - t0
        t0 = time.monotonic()
        operator_ids = ensure_operators(loader, now)
        team_ids = ensure_teams(loader, now)
        service_ids = [r[0] for r in loader.rows("SELECT id FROM services ORDER BY id")]
        tks = plan_tickets(
            loader, rnd, tickets, years, now, org_ids, org_weights, contacts_by_org, operator_ids, service_ids
        )
        texts = load_tickets(loader, rnd, tks, team_ids, now, result)
        if loader.has_table("inbound_items"):
            load_inbound(loader, tks, texts, now, result)
        result.seconds["tickets"] = time.monotonic() - t0
        conn.commit()
        with conn.cursor() as cur:
            conn.autocommit = True
            for table in VACUUMED:
                if loader.has_table(table):
                    # sets the visibility map too (index-only scans), as autovacuum would later
                    cur.execute(f"VACUUM (ANALYZE) {table}")
    finally:
        with contextlib.suppress(Exception):
            conn.rollback()
            conn.autocommit = False  # the connection goes back to the app's pool
        raw.close()
    return result

"""The measured part of a run: gunicorn + load client + plans + ingestion + billing run."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from bench.client import Http, Request, Result, drive

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PASSWORD = "bench-password-2026"  # noqa: S105 - local benchmark accounts only
INBOUND_TOKEN = "bench-inbound-token"  # noqa: S105
SEARCH_WORDS = [
    "certificato",
    "pagoPA",
    "phishing",
    "anagrafe",
    "PEC protocollo",
    "VPN",
    "backup server",
    "TARI",
    "spid",
    "albo pretorio",
]


@dataclass
class Scenario:
    name: str
    label: str
    role: str  # admin, operator, referente, finance, api, none
    make: Callable[[int], Request]
    target_p95_ms: float | None = None
    explain_path: Callable[[], str] | None = None  # a representative GET for EXPLAIN


# --- fixtures of the run ----------------------------------------------------------------------


def ensure_users() -> dict[str, Any]:
    from app.auth.services import create_user, get_user_by_email, issue_token

    big_org = db.session.execute(
        sa.text("SELECT organization_id FROM tickets GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    ).scalar()
    users = {}
    for role in ("admin", "operator", "finance", "referente"):
        email = f"bench-{role}@presidio-bench.it"
        user = get_user_by_email(email)
        if user is None:
            user = create_user(
                email=email,
                role=role,
                name=f"Bench {role}",
                password=PASSWORD,
                organization_id=big_org if role == "referente" else None,
            )
        users[role] = user
    _, token = issue_token(user=users["operator"], name="bench")
    return {"users": {r: u.email for r, u in users.items()}, "token": token, "big_org": big_org}


def pools(rnd: random.Random) -> dict[str, Any]:
    lo, hi = db.session.execute(sa.text("SELECT min(id), max(id) FROM tickets")).one()
    org_lo, org_hi = db.session.execute(sa.text("SELECT min(id), max(id) FROM organizations")).one()
    services = [r[0] for r in db.session.execute(sa.text("SELECT id FROM services"))]
    numbers = [r[0] for r in db.session.execute(sa.text("SELECT number FROM tickets WHERE id % 997 = 0 LIMIT 200"))]
    contacts = [
        tuple(r)
        for r in db.session.execute(
            sa.text("SELECT c.email, c.name FROM contacts c WHERE c.email IS NOT NULL ORDER BY c.id LIMIT 2000")
        )
    ]
    return {
        "ticket_ids": [rnd.randint(lo, hi) for _ in range(5000)],
        "deep_ids": [rnd.randint(lo, lo + max(1, (hi - lo) // 10)) for _ in range(2000)],
        "org_ids": [rnd.randint(org_lo, org_hi) for _ in range(2000)],
        "services": services,
        "numbers": numbers or ["AST-2026-000001"],
        "contacts": contacts,
        "lo": lo,
        "hi": hi,
        "report_year": db.session.scalar(sa.text("SELECT extract(year FROM max(created_at))::int FROM tickets"))
        or dt.date.today().year,
    }


def scenarios(p: dict[str, Any], fx: dict[str, Any]) -> list[Scenario]:
    from app.api import encode_cursor

    rnd = random.Random(7)
    big = fx["big_org"]
    q = lambda w: w.replace(" ", "+")  # noqa: E731

    def get(path_fn: Callable[[int], str]) -> Callable[[int], Request]:
        return lambda i: ("GET", path_fn(i), None, {})

    def pick(seq: list[Any], i: int) -> Any:
        return seq[i % len(seq)]

    def api_create(i: int) -> Request:
        body = {
            "subject": f"Richiesta via API n. {i}: {rnd.choice(['stampante', 'PEC', 'VPN', 'pagoPA'])} non funziona",
            "description": "Segnalazione inviata dal gestionale del comune tramite API.",
            "organization_id": pick(p["org_ids"], i),
            "service_id": pick(p["services"], i),
            "priority": "normal",
        }
        return ("POST", "/api/v1/tickets", json.dumps(body).encode(), {"Content-Type": "application/json"})

    return [
        Scenario("hello", "bare Flask hello (baseline)", "none", get(lambda i: "/_bench/hello")),
        Scenario("queue", "operator queue, default view", "operator", get(lambda i: "/ticket/"), 100),
        Scenario(
            "queue_filtered",
            "queue filtered (status/priority/service)",
            "operator",
            get(
                lambda i: pick(
                    [
                        "/ticket/?status=open",
                        "/ticket/?status=open&priority=urgent",
                        f"/ticket/?status=pending&service_id={pick(p['services'], i)}",
                        "/ticket/?vista=unassigned",
                    ],
                    i,
                )
            ),
            100,
        ),
        Scenario(
            "queue_org", "queue of the biggest ente", "operator", get(lambda i: f"/ticket/?organization_id={big}"), 100
        ),
        Scenario(
            "queue_deep",
            "queue, deep keyset page (oldest 10%)",
            "operator",
            get(lambda i: f"/ticket/?cursor={encode_cursor([pick(p['deep_ids'], i)])}"),
            100,
        ),
        Scenario(
            "search",
            "full-text search (Italian)",
            "operator",
            get(lambda i: f"/ticket/?q={q(pick(SEARCH_WORDS, i))}"),
            100,
        ),
        Scenario(
            "search_number",
            "search by ticket number",
            "operator",
            get(lambda i: f"/ticket/?q={pick(p['numbers'], i)}"),
            100,
        ),
        Scenario("ticket_page", "ticket page", "operator", get(lambda i: f"/ticket/{pick(p['ticket_ids'], i)}"), 100),
        Scenario("org_360", "ente 360° page", "operator", get(lambda i: f"/crm/enti/{pick(p['org_ids'], i)}")),
        Scenario("org_360_big", "360° page of the biggest ente", "operator", get(lambda i: f"/crm/enti/{big}")),
        Scenario("org_list", "enti list", "operator", get(lambda i: "/crm/enti")),
        Scenario("portal", "referente portal list (biggest ente)", "referente", get(lambda i: "/portale")),
        Scenario("triage", "triage inbox", "operator", get(lambda i: "/inbound")),
        Scenario("invoices", "invoice list", "finance", get(lambda i: "/ragioneria/fatture")),
        Scenario("audit", "audit log", "admin", get(lambda i: "/admin/audit")),
        Scenario("api_list", "API ticket list (50)", "api", get(lambda i: "/api/v1/tickets?limit=50")),
        Scenario(
            "api_filtered",
            "API list filtered + deep cursor",
            "api",
            get(lambda i: f"/api/v1/tickets?status=closed&limit=50&cursor={encode_cursor([pick(p['deep_ids'], i)])}"),
        ),
        Scenario(
            "api_search", "API full-text search", "api", get(lambda i: f"/api/v1/tickets?q={q(pick(SEARCH_WORDS, i))}")
        ),
        Scenario("api_create", "API ticket creation", "api", api_create),
        Scenario(
            "report_overview",
            "reports: overview of the year (head of the center)",
            "admin",
            get(lambda i: f"/report/?from={p['report_year']}-01-01&to={p['report_year']}-12-31"),
            300,
        ),
        Scenario(
            "report_api",
            "reports: API tickets of the year by month",
            "api",
            get(
                lambda i: (
                    f"/api/v1/reports/tickets?from={p['report_year']}-01-01&to={p['report_year']}-12-31"
                    f"&group_by={pick(['month', 'channel', 'service', 'organization'], i)}"
                )
            ),
            300,
        ),
    ]


def report_facts(echo: Callable[[str], None]) -> dict[str, Any]:
    """The reports' fact table and its daily rollups brought up to date (the jobs do it incrementally in
    production; the first run here builds them all)."""
    from reports.facts import refresh_facts
    from reports.rollups import rollup

    started = time.monotonic()
    computed = refresh_facts()
    seconds = round(time.monotonic() - started, 1)
    echo(f"bench: report facts: {computed} tickets computed in {seconds}s")
    started = time.monotonic()
    rolled = rollup()
    rollup_seconds = round(time.monotonic() - started, 1)
    echo(f"bench: report rollups: {rolled['days']} days, {rolled['rows']} rows in {rollup_seconds}s")
    return {"computed": computed, "seconds": seconds, "rollup": rolled, "rollup_seconds": rollup_seconds}


# --- gunicorn -------------------------------------------------------------------------------------


def start_gunicorn(args: argparse.Namespace, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": args.database_url,
        "BENCH_REDIS_URL": args.redis_url,
        "BENCH_INBOUND_TOKEN": INBOUND_TOKEN,
        "PYTHONPATH": str(ROOT),
    }
    log = open(OUT / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "bench.wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    http = Http(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if http.request("GET", "/_bench/hello")[0] == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited; see bench/out/gunicorn.log")
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in 60 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the non-HTTP figures ------------------------------------------------------------------------


def billing_run(echo: Callable[[str], None]) -> dict[str, Any]:
    """The annual billing run of every convenzione, timed (the first year not billed yet). Its drafts,
    their audit entries and the run itself are removed afterwards, so the next bench bills the same
    year again and the figures compare."""
    try:
        from billing import services as billing
        from billing.models import BillingRun
    except ImportError:
        return {"skipped": "no billing module"}
    this_year = dt.date.today().year
    done = {r[0] for r in db.session.execute(sa.select(BillingRun.year))}
    year = next((y for y in range(this_year, this_year - 6, -1) if y not in done), None)
    if year is None:
        return {"skipped": "every recent year already billed in this database"}
    agreements = db.session.scalar(sa.text("SELECT count(*) FROM agreements"))
    echo(f"bench: billing run {year} for {agreements:,} convenzioni…")
    started = time.perf_counter()
    run = billing.run_now(year=year)
    seconds = time.perf_counter() - started
    result = {
        "year": year,
        "agreements": agreements,
        "drafts": run.created_count,
        "skipped": run.skipped_count,
        "seconds": round(seconds, 1),
        "per_second": round(run.created_count / seconds, 1) if seconds else None,
    }
    discard_bench_run(run.id)
    return result


def discard_bench_run(run_id: int) -> None:
    """Remove what a bench billing run wrote: its drafts (lines cascade), their audit entries, the run."""
    from app.audit import AuditEntry
    from billing.models import BillingRun, Invoice, InvoiceLine, InvoiceStatus

    db.session.rollback()
    drafts = sa.select(Invoice.id).where(Invoice.run_id == run_id, Invoice.status == InvoiceStatus.DRAFT)
    lines = sa.select(sa.cast(InvoiceLine.id, sa.String)).where(InvoiceLine.invoice_id.in_(drafts))
    for object_type, ids in (
        ("invoice_lines", lines),
        ("invoices", sa.select(sa.cast(Invoice.id, sa.String)).where(Invoice.id.in_(drafts))),
        ("billing_runs", sa.select(sa.literal(str(run_id)))),
    ):
        db.session.execute(
            sa.delete(AuditEntry).where(AuditEntry.object_type == object_type, AuditEntry.object_id.in_(ids))
        )
    db.session.execute(sa.delete(Invoice).where(Invoice.id.in_(drafts)))
    db.session.execute(
        sa.delete(BillingRun).where(BillingRun.id == run_id, ~sa.exists().where(Invoice.run_id == run_id))
    )
    db.session.commit()


def _raw_email(i: int, contact: tuple[str, str], tag: str) -> bytes:
    email, name = contact
    subject = random.Random(i).choice(
        ["PEC non funzionante", "Errore accesso SPID", "Richiesta nuova casella", "Sito lento", "Problema pagoPA"]
    )
    return (
        f"From: {name} <{email}>\r\n"
        "To: assistenza@presidio.local\r\n"
        f"Subject: {subject} ({tag}-{i})\r\n"
        f"Message-ID: <{tag}-{i}@bench.presidio.local>\r\n"
        f"Date: {dt.datetime.now(dt.UTC).strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        "Buongiorno,\r\nda questa mattina l'ufficio anagrafe non riesce ad accedere al servizio. "
        "Abbiamo già provato a riavviare il computer.\r\nCordiali saluti.\r\n"
    ).encode()


def ingestion(app: Any, http: Http, p: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Inbound email: the HTTP endpoint (stores and enqueues), then one worker drains the queue."""
    from rq import SimpleWorker

    from app.jobs import get_queue, redis_connection
    from app.jobs.runner import set_app

    n = max(50, min(args.requests, 400))
    tag = uuid.uuid4().hex[:8]
    headers = {"Authorization": f"Bearer {INBOUND_TOKEN}", "Content-Type": "message/rfc822"}
    post = drive(
        http,
        "ingest_http",
        lambda i: (
            "POST",
            "/contact-center/email/inbound",
            _raw_email(i, p["contacts"][i % len(p["contacts"])], tag),
            headers,
        ),
        concurrency=args.concurrency,
        max_requests=n,
        max_seconds=120,
    )
    set_app(app)
    queues = [get_queue(q) for q in ("default", "mail")]
    pending = sum(q.count for q in queues)
    started = time.perf_counter()
    SimpleWorker(queues, connection=redis_connection()).work(burst=True, logging_level="WARNING")
    seconds = time.perf_counter() - started
    landed = db.session.scalar(
        sa.text("SELECT count(*) FROM inbound_items WHERE dedupe_key LIKE :k OR subject LIKE :s"),
        {"k": f"%{tag}-%", "s": f"%({tag}-%"},
    )
    return {
        "http": post.summary(),
        "jobs_drained": pending,
        "messages": n,
        "inbound_items": landed,
        "worker_seconds": round(seconds, 2),
        "emails_per_second_per_worker": round(n / seconds, 1) if seconds else None,
    }


def drain_queues(app: Any) -> None:
    from rq import SimpleWorker

    from app.jobs import get_queue, redis_connection
    from app.jobs.runner import set_app

    set_app(app)
    SimpleWorker([get_queue(q) for q in ("default", "mail", "billing")], connection=redis_connection()).work(
        burst=True, logging_level="WARNING"
    )


# --- plans ---------------------------------------------------------------------------------------


def plans(app: Any, scs: list[Scenario], fx: dict[str, Any]) -> dict[str, Any]:
    from bench.explain import big_tables, dump, explain, recording

    (OUT / "explain").mkdir(exist_ok=True)
    out: dict[str, Any] = {}
    clients: dict[str, Any] = {}
    with app.app_context():  # requests below run in their own contexts (a shared `g` would share the login)
        big = big_tables()
        engine = db.engine
    for sc in scs:
        if sc.name == "hello":
            continue
        method, path, body, headers = sc.make(1)
        role = sc.role
        if role not in clients:
            client = app.test_client()
            if role == "api":
                clients[role] = (client, {"Authorization": f"Bearer {fx['token']}"})
            else:
                html = client.get("/login").get_data(as_text=True)
                found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
                    r'value="([^"]+)"[^>]*name="csrf_token"', html
                )
                token = found.group(1) if found else ""
                client.post("/login", data={"email": fx["users"][role], "password": PASSWORD, "csrf_token": token})
                clients[role] = (client, {})
        client, extra = clients[role]
        with recording(engine) as statements:
            resp = client.open(path, method=method, data=body, headers={**headers, **extra})
        with app.app_context():
            result = explain(statements, big)
            db.session.remove()
        result.update({"path": path, "status": resp.status_code})
        dump(str(OUT / "explain" / f"{sc.name}.json"), result)
        out[sc.name] = {k: v for k, v in result.items() if k != "plans"}
    return out


# --- report --------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def first(path: str, prefix: str) -> str:
        try:
            with open(path, encoding="utf-8") as fh:
                return next((line.split(":", 1)[1].strip() for line in fh if line.startswith(prefix)), "")
        except OSError:
            return ""

    cpu = first("/proc/cpuinfo", "model name")
    kib = first("/proc/meminfo", "MemTotal").split(" ")[0]
    mem = f"{int(kib) // 1024 // 1024} GiB" if kib.isdigit() else ""
    pg = db.session.scalar(sa.text("SHOW server_version"))
    sb = db.session.scalar(sa.text("SHOW shared_buffers"))
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "postgresql": pg,
        "shared_buffers": sb,
        "load_average_at_start": os.getloadavg(),
    }


def table(rows: list[dict[str, Any]], base_rps: float | None, explain: dict[str, Any]) -> str:
    head = (
        f"{'scenario':<16} {'what':<40} {'req':>5} {'ok':>5} {'rps':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'x hello':>8} {'SQL':>4} {'seq scans on big tables'}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        ex = explain.get(r["name"], {})
        ratio = f"{base_rps / r['throughput_rps']:.1f}" if base_rps and r.get("throughput_rps") else "-"
        lines.append(
            f"{r['name']:<16} {r['label'][:40]:<40} {r['requests']:>5} {r['ok']:>5} {r['throughput_rps'] or 0:>7} "
            f"{r['p50_ms']:>8} {r['p95_ms']:>8} {r['p99_ms']:>8} {ratio:>8} {ex.get('statements', '-'):>4} "
            f"{', '.join(ex.get('seq_scans_on_big_tables', [])) or '-'}"
        )
    return "\n".join(lines)


def measure(app: Any, args: argparse.Namespace, info: dict[str, Any]) -> int:
    OUT.mkdir(exist_ok=True)
    rnd = random.Random(2026)
    only = {s for s in args.only.split(",") if s}
    with app.app_context():
        fx = ensure_users()
        p = pools(rnd)
        mach = machine()
        billing = billing_run(print) if not only or "billing" in only else {"skipped": "--only"}
        facts = report_facts(print) if not only or any(n.startswith("report") for n in only) else {}
        scs = [s for s in scenarios(p, fx) if not only or s.name in only or s.name == "hello"]
        db.session.remove()
    port = free_port()
    proc = start_gunicorn(args, port)
    http = Http(f"http://127.0.0.1:{port}")
    rows: list[dict[str, Any]] = []
    ingest: dict[str, Any] = {}
    try:
        cookies = {}
        for role, email in fx["users"].items():
            cookies[role] = http.login(email, PASSWORD)
        for sc in scs:
            headers: dict[str, str] = {}
            if sc.role == "api":
                headers = {"Authorization": f"Bearer {fx['token']}"}
            elif sc.role in cookies:
                headers = {"Cookie": cookies[sc.role]}

            def make(i: int, sc: Scenario = sc, headers: dict[str, str] = headers) -> Request:
                method, path, body, h = sc.make(i)
                return method, path, body, {**h, **headers}

            drive(http, sc.name, make, concurrency=args.concurrency, max_requests=5, max_seconds=10)  # warm up
            res: Result = drive(
                http, sc.name, make, concurrency=args.concurrency, max_requests=args.requests, max_seconds=args.seconds
            )
            row = res.summary() | {"label": sc.label, "target_p95_ms": sc.target_p95_ms}
            rows.append(row)
            print(
                f"  {sc.name:<16} {row['requests']:>5} req {row['throughput_rps']:>7} rps  p50 {row['p50_ms']:>7} "
                f"p95 {row['p95_ms']:>7} p99 {row['p99_ms']:>7} ms  {row['statuses']}",
                flush=True,
            )
        with app.app_context():
            drain_queues(app)  # notifications of the tickets created above
            if not only or "ingest" in only:
                p_ctx = pools(random.Random(1))
                ingest = ingestion(app, http, p_ctx, args)
                print(f"  ingestion: {ingest}", flush=True)
            db.session.remove()
    finally:
        stop(proc)
    explain = plans(app, scs, fx)
    base = next((r["throughput_rps"] for r in rows if r["name"] == "hello"), None)
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": mach,
        "args": vars(args),
        "data": info,
        "http": rows,
        "explain": explain,
        "ingestion": ingest,
        "billing_run": billing,
        "report_facts": facts,
    }
    (OUT / "results.json").write_text(json.dumps(report, indent=1, default=str, ensure_ascii=False))
    text = table(rows, base, explain)
    print()
    print(text)
    print()
    if ingest:
        print(
            f"ingestion: {ingest['messages']} emails POSTed at {ingest['http']['throughput_rps']} rps "
            f"(p95 {ingest['http']['p95_ms']} ms); one worker processed them at "
            f"{ingest['emails_per_second_per_worker']} emails/s"
        )
    print(f"billing run: {billing}")
    from bench.report import write_results

    write_results(report, text)
    return 0

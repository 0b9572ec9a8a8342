"""bench/RESULTS.md: the figures of the last run, with the machine they were measured on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_results(report: dict[str, Any], table: str) -> None:
    m = report["machine"]
    data = report["data"]
    ing = report.get("ingestion") or {}
    bill = report.get("billing_run") or {}
    misses = [
        f"- `{r['name']}` p95 {r['p95_ms']} ms (target {r['target_p95_ms']:.0f} ms)"
        for r in report["http"]
        if r.get("target_p95_ms") and r["p95_ms"] > r["target_p95_ms"]
    ]
    create = next((r for r in report["http"] if r["name"] == "api_create"), None)
    if create and (create["throughput_rps"] or 0) < 300:
        misses.append(f"- `api_create` {create['throughput_rps']} tickets/s (target 300/s)")
    if ing.get("emails_per_second_per_worker") is not None and ing["emails_per_second_per_worker"] < 200:
        misses.append(f"- ingestion {ing['emails_per_second_per_worker']} emails/s per worker (target 200/s)")
    if bill.get("seconds") is not None and bill["seconds"] > 30:
        misses.append(f"- billing run {bill['seconds']} s (target 30 s)")
    lines = [
        "# Benchmark results",
        "",
        f'Last run: {report["when"]} — `make bench BENCH_ARGS="--tickets {report["args"]["tickets"]}"`.',
        "",
        f"Machine: {m['cpus']} vCPU ({m['cpu']}), {m['memory']} RAM, PostgreSQL {m['postgresql']} "
        f"(shared_buffers {m['shared_buffers']}), Python {m['python']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_at_start'])} (the cores are shared with other work, "
        "so read the figures as ratios to the `hello` baseline of the same run).",
        "",
        f"Data: {', '.join(f'{k} {v:,}' for k, v in (data.get('sizes') or {}).items() if v is not None)}; "
        f"database {data.get('database_size')}; bulk load {data.get('load_seconds')} s.",
        "",
        f"Load: gunicorn {report['args']['workers']} sync workers, {report['args']['concurrency']} concurrent "
        f"clients, at most {report['args']['requests']} requests or {report['args']['seconds']} s per scenario. "
        "`SQL` = statements per request; the plans are in `bench/out/explain/`.",
        "",
        "```",
        table,
        "```",
        "",
    ]
    if ing:
        lines += [
            f"Inbound email: {ing['messages']} messages POSTed to `/contact-center/email/inbound` at "
            f"{ing['http']['throughput_rps']} req/s (p95 {ing['http']['p95_ms']} ms); one worker processed the "
            f"queue at **{ing['emails_per_second_per_worker']} emails/s** ({ing['worker_seconds']} s).",
            "",
        ]
    if bill.get("seconds") is not None:
        lines += [
            f"Annual billing run {bill['year']}: {bill['agreements']:,} convenzioni → {bill['drafts']:,} drafts in "
            f"**{bill['seconds']} s** ({bill['per_second']}/s).",
            "",
        ]
    elif bill:
        lines += [f"Billing run: {bill}", ""]
    lines += ["## Targets missed", ""] + (misses or ["None."]) + [""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")

"""The annual billing run: a draft per convenzione in force during the year, never twice.

Every input is read up front in a few set-based queries (convenzioni, their service fees, the enti,
the billable minutes summed per ente), fees are computed in Python on Decimal, and the drafts are
written in batches of ``BATCH`` convenzioni, one transaction each: the progress moves per batch, and a
run that crashes resumes where it stopped (what is billed already is skipped by its ``billing_key``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.jobs import enqueue
from billing import fees, sources
from billing.invoices import SERIES_FOR_KIND, _set_totals, recipient_problems
from billing.models import (
    BillingRun,
    DocumentKind,
    DocumentType,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    RunStatus,
)
from billing.settings import default_vat_rate

D = decimal.Decimal
BATCH = 500  # convenzioni per transaction


def annual_key(agreement_id: int, year: int) -> str:
    return f"annual:{agreement_id}:{year}"


def _check_year(year: int) -> None:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise Invalid("anno non valido", {"year": ["anno tra 2000 e 2100"]})


def _period(terms: sources.AgreementTerms, year: int) -> tuple[dt.date, dt.date]:
    return max(terms.start_date, dt.date(year, 1, 1)), min(terms.end_date, dt.date(year, 12, 31))


@dataclasses.dataclass
class PreviewRow:
    agreement_id: int
    agreement_code: str
    organization_id: int
    organization_name: str
    kind: str
    fee: fees.FeeBreakdown
    state: str  # "new" | "billed" | "nothing"
    invoice_id: int | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Planned:
    """One convenzione of a run with everything its draft needs."""

    key: str
    terms: sources.AgreementTerms
    recipient: sources.Recipient | None
    fee: fees.FeeBreakdown


def compute_for(terms: sources.AgreementTerms, year: int, rec: sources.Recipient | None = None) -> fees.FeeBreakdown:
    """The fee of one convenzione for ``year`` (a few queries: for one document, not for a run)."""
    rec = rec or sources.recipient(terms.organization_id)
    lo, hi = _period(terms, year)
    minutes = sources.billable_minutes(terms.organization_id, lo, hi) if lo <= hi else 0
    return _fee(terms, year, rec, minutes, default_vat_rate())


def _fee(
    terms: sources.AgreementTerms, year: int, rec: sources.Recipient | None, minutes: int, vat_rate: D
) -> fees.FeeBreakdown:
    return fees.compute_fee(
        terms,
        year,
        population=rec.population if rec else None,
        population_year=rec.population_year if rec else None,
        billable_minutes=minutes,
        default_vat_rate=vat_rate,
    )


def plan(year: int) -> list[Planned]:
    """Every convenzione billable in ``year`` with its recipient and fee, by ente name: a handful of
    queries whatever the number of convenzioni."""
    agreements = sources.agreements_for_year(year)
    recipients = sources.recipients({t.organization_id for t in agreements})
    periods = [_period(t, year) for t in agreements]
    minutes = sources.billable_minutes_for(
        [(t.organization_id, lo, hi) for t, (lo, hi) in zip(agreements, periods, strict=True)], year
    )
    vat_rate = default_vat_rate()
    out = []
    for terms, used in zip(agreements, minutes, strict=True):
        rec = recipients.get(terms.organization_id)
        out.append(Planned(annual_key(terms.id, year), terms, rec, _fee(terms, year, rec, used, vat_rate)))
    return out


def _billed(keys: list[str]) -> dict[str, tuple[int, int | None, D]]:
    """The documents that already carry these keys: {key: (invoice id, run id, total)}."""
    out: dict[str, tuple[int, int | None, D]] = {}
    for i in range(0, len(keys), sources.CHUNK):
        rows = db.session.execute(
            sa.select(Invoice.billing_key, Invoice.id, Invoice.run_id, Invoice.total).where(
                Invoice.billing_key.in_(keys[i : i + sources.CHUNK])
            )
        )
        out.update({str(key): (invoice_id, run_id, total) for key, invoice_id, run_id, total in rows})
    return out


def preview_run(year: int) -> list[PreviewRow]:
    """What the run for ``year`` would bill, convenzione by convenzione; writes nothing."""
    _check_year(year)
    planned = plan(year)
    billed = _billed([p.key for p in planned])
    rows = []
    for p in planned:
        terms, rec, fee = p.terms, p.recipient, p.fee
        state = "billed" if p.key in billed else ("new" if fee.net_total > 0 else "nothing")
        warnings = [m for msgs in recipient_problems(rec, terms.billing_document).values() for m in msgs]
        if terms.fee_per_inhabitant and not fee.population:
            warnings.append("popolazione dell'ente non indicata: quota per abitante a zero")
        rows.append(
            PreviewRow(
                terms.id,
                terms.code,
                terms.organization_id,
                rec.name if rec else "?",
                terms.billing_document,
                fee,
                state,
                billed[p.key][0] if p.key in billed else None,
                warnings,
            )
        )
    return rows


def start_run(*, year: int, actor: Any) -> BillingRun:
    """Queue the run for ``year`` as a job; the page follows its progress."""
    _check_year(year)
    running = db.session.scalar(
        sa.select(BillingRun).where(
            BillingRun.year == year, BillingRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING])
        )
    )
    if running is not None:
        raise Conflict(f"la fatturazione {year} è già in corso (esecuzione #{running.id})")
    with transaction(actor=actor):
        run = BillingRun(
            year=year, total=sources.count_agreements_for_year(year), created_by_id=getattr(actor, "id", None)
        )
        db.session.add(run)
        db.session.flush()
        enqueue("billing.run", queue="billing", run_id=run.id)
    return run


def _batches(items: list[Planned], size: int) -> Iterator[list[Planned]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def execute_run(run_id: int, *, batch_size: int = BATCH) -> BillingRun:
    """Create the drafts of a run, ``batch_size`` convenzioni per transaction. Idempotent: a
    convenzione already billed for the year is skipped, and the unique ``billing_key`` stops a
    concurrent run from billing it twice. A failed run executed again resumes: its own drafts count
    as created, the rest are billed now."""
    run = db.session.get(BillingRun, run_id)
    if run is None:
        raise NotFound("esecuzione non trovata")
    if run.status == RunStatus.DONE:
        return run
    actor = run.created_by_id
    with transaction(actor=actor):
        run.status = RunStatus.RUNNING
        run.started_at = utcnow()
        run.processed = run.created_count = run.skipped_count = 0
        run.amount = D("0")
    try:
        planned = plan(run.year)
        billed = _billed([p.key for p in planned])
        with transaction(actor=actor):
            run.total = len(planned)
        for batch in _batches(planned, batch_size):
            with transaction(actor=actor):
                created, amount = _write_batch(batch, billed, run)
                run.created_count += created
                run.skipped_count += len(batch) - created
                run.amount += amount
                run.processed += len(batch)
        with transaction(actor=actor):
            run.status = RunStatus.DONE
            run.finished_at = utcnow()
    except Exception as exc:
        db.session.rollback()
        with transaction(actor=actor):
            run.status = RunStatus.FAILED
            run.error = str(exc)[:2000]
            run.finished_at = utcnow()
        raise
    return run


def _write_batch(batch: list[Planned], billed: dict[str, tuple[int, int | None, D]], run: BillingRun) -> tuple[int, D]:
    """Insert the drafts of one batch in one flush; (drafts of this run, their amount). When a
    concurrent run wrote some of the keys meanwhile, the batch is retried without them."""
    for _attempt in range(3):
        created, amount = 0, D("0")
        invoices = []
        for p in batch:
            if p.key in billed:
                _, run_id, total = billed[p.key]
                if run_id == run.id:  # resumed: billed by this very run before it stopped
                    created, amount = created + 1, amount + total
                continue
            invoice = build_draft(p, run.year, run.id)
            if invoice is not None:
                invoices.append(invoice)
                created, amount = created + 1, amount + invoice.total
        _give_ids(invoices)
        savepoint = db.session.begin_nested()
        try:
            db.session.add_all(invoices)
            db.session.flush()
        except IntegrityError:  # a concurrent run billed some of them first
            savepoint.rollback()
            billed.update(_billed([p.key for p in batch]))
            continue
        savepoint.commit()
        return created, amount
    raise Conflict("un'altra esecuzione sta fatturando le stesse convenzioni")


def _give_ids(invoices: list[Invoice]) -> None:
    """Take the ids of a batch's invoices and lines from their sequences in one query each, so the
    flush is a plain executemany (with RETURNING, psycopg re-parses one huge statement per 1,000 rows).
    PostgreSQL only: elsewhere the flush asks for the ids as usual."""
    if not invoices or db.session.get_bind().dialect.name != "postgresql":
        return
    lines = [line for invoice in invoices for line in invoice.lines]
    batches: list[tuple[list[Any], str]] = [(invoices, Invoice.__tablename__), (lines, InvoiceLine.__tablename__)]
    for objects, table in batches:
        ids = db.session.scalars(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table, "n": len(objects)},
        ).all()
        for obj, new_id in zip(objects, ids, strict=True):
            obj.id = new_id
    for invoice in invoices:
        for line in invoice.lines:
            line.invoice_id = invoice.id


def build_draft(p: Planned, year: int, run_id: int | None) -> Invoice | None:
    """The draft of a planned convenzione (not added to the session), or None when it owes nothing."""
    terms, rec, fee = p.terms, p.recipient, p.fee
    if not fee.lines or fee.net_total <= 0:
        return None
    kind = DocumentKind(terms.billing_document)
    title = "Quota annua" if kind == DocumentKind.FATTURA else "Richiesta di pagamento quota annua"
    lo, hi = _period(terms, year)
    invoice = Invoice(
        organization_id=terms.organization_id,
        agreement_id=terms.id,
        run_id=run_id,
        billing_key=p.key,
        kind=kind,
        doc_type=DocumentType.INVOICE,
        series=SERIES_FOR_KIND[kind],
        year=year,
        status=InvoiceStatus.DRAFT,
        period_start=lo,
        period_end=hi,
        description=f"{title} {year} — convenzione {terms.code}"[:500],
        split_payment=bool(rec and rec.is_public_administration and kind == DocumentKind.FATTURA),
        recipient=rec.snapshot() if rec else {},
        cig=terms.cig,
        cup=terms.cup,
        agreement_code=terms.code,
    )
    for position, line in enumerate(fee.lines, start=1):
        invoice.lines.append(
            InvoiceLine(
                position=position,
                code=line.code,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                vat_rate=line.vat_rate,
                vat_nature=line.vat_nature,
            )
        )
    _set_totals(invoice)
    return invoice


def run_now(*, year: int, actor: Any = None) -> BillingRun:
    """The run without the queue (the command line)."""
    _check_year(year)
    with transaction(actor=actor):
        run = BillingRun(year=year, created_by_id=getattr(actor, "id", None))
        db.session.add(run)
    return execute_run(run.id)


def create_annual_draft(*, terms: sources.AgreementTerms, year: int, run_id: int | None = None) -> Invoice | None:
    """The draft for one convenzione's year, or None when it is billed already or owes nothing."""
    key = annual_key(terms.id, year)
    if db.session.scalar(sa.select(Invoice.id).where(Invoice.billing_key == key)) is not None:
        return None
    rec = sources.recipient(terms.organization_id)
    invoice = build_draft(Planned(key, terms, rec, compute_for(terms, year, rec)), year, run_id)
    if invoice is None:
        return None
    savepoint = db.session.begin_nested()
    try:
        db.session.add(invoice)
        db.session.flush()
    except IntegrityError:  # a concurrent run billed it first
        savepoint.rollback()
        return None
    savepoint.commit()
    return invoice


def list_runs(limit: int = 20) -> list[BillingRun]:
    return list(db.session.scalars(sa.select(BillingRun).order_by(BillingRun.id.desc()).limit(limit)))


def get_run(run_id: int) -> BillingRun:
    run = db.session.get(BillingRun, run_id)
    if run is None:
        raise NotFound("esecuzione non trovata")
    return run


def draft_ids_of_run(run_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Invoice.id)
            .where(Invoice.run_id == run_id, Invoice.status == InvoiceStatus.DRAFT)
            .order_by(Invoice.id)
        )
    )

"""Billing rules: the annual run, drafts, issuing with gap-free numbers, credit notes.

Payments, reconciliation, receivables and reminders live in ``billing.collections``; both are plain
functions with keyword arguments and the acting user passed in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import os
import re
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import audit
from app.db import local_today, transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.jobs import enqueue
from billing import fees, pagopa, sources
from billing.models import (
    BillingRun,
    BillingSettings,
    DocumentKind,
    DocumentType,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceStatus,
    RunStatus,
    Series,
)

D = decimal.Decimal
SERIES_FOR_KIND = {DocumentKind.FATTURA: Series.FT, DocumentKind.RICHIESTA_PAGAMENTO: Series.RP}
SERIES_DIGIT = {Series.FT: 1, Series.RP: 2, Series.NC: 3}
SDI_CODE = re.compile(r"^[A-Z0-9]{6}$")


def setting(name: str, default: Any) -> Any:
    return current_app.config.get(name, default)


def get_settings() -> dict[str, Any]:
    """Reminder steps, payment terms and VAT rate: the settings row, else configuration defaults."""
    row = db.session.get(BillingSettings, 1)
    if row is not None:
        return {"reminder_days": row.reminder_days, "payment_days": row.payment_days, "vat_rate": D(row.vat_rate)}
    return {
        "reminder_days": str(
            setting("BILLING_REMINDER_DAYS", None) or os.environ.get("BILLING_REMINDER_DAYS") or "15,45"
        ),
        "payment_days": int(setting("BILLING_PAYMENT_DAYS", 30)),
        "vat_rate": D(str(setting("BILLING_VAT_RATE", "22"))),
    }


def parse_reminder_days(raw: str) -> list[int]:
    try:
        days = sorted({int(x) for x in str(raw).replace(" ", "").split(",") if x})
    except ValueError as exc:
        raise Invalid("giorni non validi", {"reminder_days": ["numeri interi separati da virgola, es. 15,45"]}) from exc
    if not days or days[0] <= 0 or len(days) > 5:
        raise Invalid("giorni non validi", {"reminder_days": ["da 1 a 5 valori positivi, es. 15,45"]})
    return days


def update_settings(*, reminder_days: str, payment_days: int, vat_rate: Any, actor: Any) -> BillingSettings:
    errors: dict[str, list[str]] = {}
    try:
        days = parse_reminder_days(reminder_days)
    except Invalid as exc:
        errors.update(exc.fields)
        days = []
    if not isinstance(payment_days, int) or not 0 <= payment_days <= 365:
        errors["payment_days"] = ["tra 0 e 365 giorni"]
    try:
        rate = D(str(vat_rate))
        if not D("0") <= rate <= D("100"):
            raise decimal.InvalidOperation
    except decimal.InvalidOperation:
        errors["vat_rate"] = ["aliquota tra 0 e 100"]
        rate = D("0")
    if errors:
        raise Invalid("impostazioni non valide", errors)
    with transaction(actor=actor):
        row = db.session.get(BillingSettings, 1)
        if row is None:
            row = BillingSettings(id=1)
            db.session.add(row)
        row.reminder_days = ",".join(str(d) for d in days)
        row.payment_days = payment_days
        row.vat_rate = rate
    return row


def default_vat_rate() -> D:
    return D(get_settings()["vat_rate"])


def annual_key(agreement_id: int, year: int) -> str:
    return f"annual:{agreement_id}:{year}"


# --- the annual run ------------------------------------------------------------------------------


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


def compute_for(terms: sources.AgreementTerms, year: int, rec: sources.Recipient | None = None) -> fees.FeeBreakdown:
    rec = rec or sources.recipient(terms.organization_id)
    lo = max(terms.start_date, dt.date(year, 1, 1))
    hi = min(terms.end_date, dt.date(year, 12, 31))
    minutes = sources.billable_minutes(terms.organization_id, lo, hi) if lo <= hi else 0
    return fees.compute_fee(
        terms,
        year,
        population=rec.population if rec else None,
        population_year=rec.population_year if rec else None,
        billable_minutes=minutes,
        default_vat_rate=default_vat_rate(),
    )


def recipient_problems(rec: sources.Recipient | None, kind: str) -> dict[str, list[str]]:
    """What stops a document from being issued to this ente (shown in the preview, enforced at issue)."""
    problems: dict[str, list[str]] = {}
    if rec is None:
        return {"organization_id": ["ente non trovato"]}
    if kind == DocumentKind.FATTURA:
        if not rec.sdi_code or not SDI_CODE.match(rec.sdi_code):
            problems["sdi_code"] = ["manca il codice univoco ufficio (6 caratteri) per la FatturaPA"]
        if not (rec.fiscal_code or rec.vat_number):
            problems["fiscal_code"] = ["manca il codice fiscale dell'ente"]
    return problems


def preview_run(year: int) -> list[PreviewRow]:
    """What the run for ``year`` would bill, convenzione by convenzione; writes nothing."""
    _check_year(year)
    keys = {annual_key(t.id, year): t for t in sources.agreements_for_year(year)}
    billed = dict(
        db.session.execute(sa.select(Invoice.billing_key, Invoice.id).where(Invoice.billing_key.in_(list(keys)))).all()
    )
    rows = []
    for key, terms in keys.items():
        rec = sources.recipient(terms.organization_id)
        fee = compute_for(terms, year, rec)
        state = "billed" if key in billed else ("new" if fee.net_total > 0 else "nothing")
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
                billed.get(key),
                warnings,
            )
        )
    return rows


def _check_year(year: int) -> None:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise Invalid("anno non valido", {"year": ["anno tra 2000 e 2100"]})


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
            year=year, total=len(sources.agreements_for_year(year)), created_by_id=getattr(actor, "id", None)
        )
        db.session.add(run)
        db.session.flush()
        enqueue("billing.run", queue="billing", run_id=run.id)
    return run


def execute_run(run_id: int) -> BillingRun:
    """Create the drafts of a run. Idempotent: a convenzione already billed for the year is skipped,
    and the unique ``billing_key`` stops a concurrent run from billing it twice."""
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
        agreements = sources.agreements_for_year(run.year)
        with transaction(actor=actor):
            run.total = len(agreements)
        for terms in agreements:
            with transaction(actor=actor):
                invoice = create_annual_draft(terms=terms, year=run.year, run_id=run.id)
                if invoice is None:
                    run.skipped_count += 1
                else:
                    run.created_count += 1
                    run.amount += invoice.total
                run.processed += 1
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


def run_now(*, year: int, actor: Any = None) -> BillingRun:
    """The run without the queue (the command line)."""
    _check_year(year)
    with transaction(actor=actor):
        run = BillingRun(year=year, created_by_id=getattr(actor, "id", None))
        db.session.add(run)
    return execute_run(run.id)


def create_annual_draft(*, terms: sources.AgreementTerms, year: int, run_id: int | None = None) -> Invoice | None:
    """The draft for a convenzione's year, or None when it is billed already or owes nothing."""
    key = annual_key(terms.id, year)
    if db.session.scalar(sa.select(Invoice.id).where(Invoice.billing_key == key)) is not None:
        return None
    rec = sources.recipient(terms.organization_id)
    fee = compute_for(terms, year, rec)
    if not fee.lines or fee.net_total <= 0:
        return None
    kind = DocumentKind(terms.billing_document)
    title = "Quota annua" if kind == DocumentKind.FATTURA else "Richiesta di pagamento quota annua"
    invoice = Invoice(
        organization_id=terms.organization_id,
        agreement_id=terms.id,
        run_id=run_id,
        billing_key=key,
        kind=kind,
        doc_type=DocumentType.INVOICE,
        series=SERIES_FOR_KIND[kind],
        year=year,
        status=InvoiceStatus.DRAFT,
        period_start=max(terms.start_date, dt.date(year, 1, 1)),
        period_end=min(terms.end_date, dt.date(year, 12, 31)),
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
    savepoint = db.session.begin_nested()
    try:
        db.session.add(invoice)
        db.session.flush()
    except IntegrityError:  # a concurrent run billed it first
        savepoint.rollback()
        return None
    savepoint.commit()
    return invoice


def _set_totals(invoice: Invoice) -> None:
    summary = fees.vat_summary(invoice.lines)
    invoice.net_total = fees.money(sum((s.taxable for s in summary), D("0")))
    invoice.vat_total = fees.money(sum((s.tax for s in summary), D("0")))
    invoice.total = fees.money(invoice.net_total + invoice.vat_total)
    # Virtual stamp duty on a fattura outside VAT above the threshold (declared, paid by the center).
    threshold = D(str(setting("BILLING_STAMP_DUTY_THRESHOLD", "77.47")))
    outside_vat = summary and all(s.vat_nature for s in summary)
    invoice.stamp_duty = (
        D(str(setting("BILLING_STAMP_DUTY", "2.00")))
        if invoice.kind == DocumentKind.FATTURA and outside_vat and invoice.net_total > threshold
        else D("0.00")
    )


# --- drafts ----------------------------------------------------------------------------------------


def get_invoice(invoice_id: int) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("documento non trovato")
    return invoice


def _lock(invoice_id: int) -> Invoice:
    invoice = db.session.scalar(
        sa.select(Invoice).where(Invoice.id == invoice_id).with_for_update().execution_options(populate_existing=True)
    )
    if invoice is None:
        raise NotFound("documento non trovato")
    return invoice


def add_line(
    *,
    invoice_id: int,
    description: str,
    quantity: D,
    unit_price: D,
    actor: Any,
    vat_rate: D | None = None,
    vat_nature: str | None = None,
) -> InvoiceLine:
    """An extra line on a draft (a one-off service, a correction before issue)."""
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not description:
        errors["description"] = ["descrizione obbligatoria"]
    if quantity is None or quantity <= 0:
        errors["quantity"] = ["quantità maggiore di zero"]
    if unit_price is None or unit_price <= 0:
        errors["unit_price"] = ["prezzo maggiore di zero"]
    if errors:
        raise Invalid("riga non valida", errors)
    with transaction(actor=actor):
        invoice = _lock(invoice_id)
        if invoice.status != InvoiceStatus.DRAFT:
            raise Conflict("un documento emesso non si modifica: emetti una nota di credito")
        if invoice.kind == DocumentKind.RICHIESTA_PAGAMENTO:
            vat_rate, vat_nature = D("0"), vat_nature or "N2.2"
        elif vat_nature:
            vat_rate = D("0")
        elif vat_rate is None:
            vat_rate = default_vat_rate()
        line = InvoiceLine(
            position=len(invoice.lines) + 1,
            code="manual",
            description=description[:1000],
            quantity=D(quantity).quantize(D("0.01")),
            unit_price=D(unit_price),
            amount=fees.money(D(quantity).quantize(D("0.01")) * D(unit_price)),
            vat_rate=vat_rate,
            vat_nature=vat_nature,
        )
        invoice.lines.append(line)
        _set_totals(invoice)
    return line


def discard_draft(*, invoice_id: int, actor: Any) -> None:
    """A draft (no number yet) may be thrown away; the next run creates it again."""
    with transaction(actor=actor):
        invoice = _lock(invoice_id)
        if invoice.status != InvoiceStatus.DRAFT:
            raise Conflict("un documento emesso non si cancella: emetti una nota di credito")
        db.session.delete(invoice)


# --- issuing -----------------------------------------------------------------------------------------


def next_number(series: Series, year: int) -> int:
    """The next progressive number of a series in a year, taken under a row lock on the counter
    (``SELECT … FOR UPDATE``): concurrent issuers queue on it, and a rolled-back issue gives its
    number back, so the series has no gaps and no duplicates."""
    session = db.session
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    session.execute(insert(InvoiceCounter).values(series=series, year=year, last=0).on_conflict_do_nothing())
    counter = session.scalar(
        sa.select(InvoiceCounter)
        .where(InvoiceCounter.series == series, InvoiceCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert counter is not None
    counter.last += 1
    session.flush()
    return counter.last


def format_number(series: Series, year: int, sequence: int) -> str:
    return f"{series.value}-{year}-{sequence:05d}"


def issue_invoice(*, invoice_id: int, actor: Any, issue_date: dt.date | None = None) -> Invoice:
    """Give a draft its number, due date and pagoPA notice; from now on it never changes."""
    with transaction(actor=actor):
        invoice = _lock(invoice_id)
        if invoice.status != InvoiceStatus.DRAFT:
            raise Conflict("il documento è già stato emesso")
        if not invoice.lines or invoice.total <= 0:
            raise Invalid("un documento senza importo non si emette", {"lines": ["nessuna riga con importo"]})
        rec = sources.recipient(invoice.organization_id)
        problems = recipient_problems(rec, invoice.kind)
        if problems:
            raise Invalid("dati dell'ente incompleti per l'emissione", problems)
        _assign_number(invoice, issue_date or local_today())
        invoice.recipient = rec.snapshot() if rec else invoice.recipient
        assert invoice.issue_date is not None
        invoice.due_date = invoice.issue_date + dt.timedelta(days=int(get_settings()["payment_days"]))
        invoice.status = InvoiceStatus.ISSUED
        if invoice.amount_due > 0:
            segregation = str(setting("PAGOPA_SEGREGATION_CODE", "01")).zfill(2)
            notice = pagopa.notice_code(
                segregation,
                pagopa.iuv_base(invoice.number_year or 0, SERIES_DIGIT[invoice.series], invoice.sequence or 0),
            )
            invoice.notice_code = notice
            invoice.iuv = pagopa.iuv_of(notice)
        audit.record(
            object_type="invoices",
            object_id=invoice.id,
            action="issue",
            changes={"number": invoice.number},
            organization_id=invoice.organization_id,
        )
    return invoice


def _assign_number(invoice: Invoice, issue_date: dt.date) -> None:
    invoice.issue_date = issue_date
    invoice.number_year = issue_date.year
    invoice.sequence = next_number(invoice.series, issue_date.year)
    invoice.number = format_number(invoice.series, issue_date.year, invoice.sequence)
    invoice.issued_at = utcnow()


def issue_drafts(*, invoice_ids: list[int], actor: Any) -> tuple[list[Invoice], dict[int, str]]:
    """Issue several drafts, each in its own transaction; returns the issued and the refused (why)."""
    issued, refused = [], {}
    for invoice_id in invoice_ids:
        try:
            issued.append(issue_invoice(invoice_id=invoice_id, actor=actor))
        except (Invalid, Conflict, NotFound) as exc:
            details = "; ".join(m for msgs in exc.fields.values() for m in msgs) if exc.fields else ""
            refused[invoice_id] = f"{exc.message}{': ' + details if details else ''}"
    return issued, refused


def create_credit_note(*, invoice_id: int, actor: Any, reason: str = "", issue_date: dt.date | None = None) -> Invoice:
    """Cancel an issued document with a credit note for its whole amount (documents are never
    deleted). A document with payments on it must have them refunded outside first."""
    with transaction(actor=actor):
        original = _lock(invoice_id)
        if original.doc_type != DocumentType.INVOICE or original.status in (
            InvoiceStatus.DRAFT,
            InvoiceStatus.CANCELLED,
        ):
            raise Conflict("si stornano solo documenti emessi e non già annullati")
        if original.paid_total > 0:
            raise Conflict("il documento ha incassi registrati: non si storna per intero")
        note = Invoice(
            organization_id=original.organization_id,
            agreement_id=original.agreement_id,
            kind=original.kind,
            doc_type=DocumentType.CREDIT_NOTE,
            series=Series.NC,
            year=original.year,
            status=InvoiceStatus.DRAFT,
            credit_of_id=original.id,
            period_start=original.period_start,
            period_end=original.period_end,
            description=(
                f"Nota di credito a storno di {original.number}" + (f": {reason.strip()}" if reason.strip() else "")
            )[:500],
            split_payment=original.split_payment,
            recipient=original.recipient,
            cig=original.cig,
            cup=original.cup,
            agreement_code=original.agreement_code,
            notes=reason.strip(),
        )
        for line in original.lines:
            note.lines.append(
                InvoiceLine(
                    position=line.position,
                    code=line.code,
                    description=f"Storno: {line.description}"[:1000],
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    amount=line.amount,
                    vat_rate=line.vat_rate,
                    vat_nature=line.vat_nature,
                )
            )
        _set_totals(note)
        db.session.add(note)
        _assign_number(note, issue_date or local_today())
        note.due_date = note.issue_date
        note.status = InvoiceStatus.ISSUED
        original.credited_total = original.amount_due
        original.status = InvoiceStatus.CANCELLED
        db.session.flush()
        audit.record(
            object_type="invoices",
            object_id=original.id,
            action="cancel",
            changes={"credit_note": note.number, "reason": reason},
            organization_id=original.organization_id,
        )
    return note


# --- queries ---------------------------------------------------------------------------------------


def invoice_query(
    *,
    organization_id: int | None = None,
    status: str | None = None,
    year: int | None = None,
    kind: str | None = None,
    doc_type: str | None = None,
    q: str | None = None,
    run_id: int | None = None,
) -> sa.Select:
    stmt = sa.select(Invoice)
    if organization_id:
        stmt = stmt.where(Invoice.organization_id == organization_id)
    if status:
        stmt = stmt.where(Invoice.status == InvoiceStatus(status))
    if year:
        stmt = stmt.where(Invoice.year == year)
    if kind:
        stmt = stmt.where(Invoice.kind == DocumentKind(kind))
    if doc_type:
        stmt = stmt.where(Invoice.doc_type == DocumentType(doc_type))
    if run_id:
        stmt = stmt.where(Invoice.run_id == run_id)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(
            sa.or_(Invoice.number.ilike(like), Invoice.notice_code.ilike(like), Invoice.description.ilike(like))
        )
    return stmt


def credit_notes_of(invoice_id: int) -> list[Invoice]:
    return list(db.session.scalars(sa.select(Invoice).where(Invoice.credit_of_id == invoice_id).order_by(Invoice.id)))


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


def seller() -> dict[str, str]:
    """The center as seller on every document (CENTER_* settings)."""
    cfg = current_app.config
    return {
        "name": cfg.get("CENTER_NAME") or "",
        "fiscal_code": cfg.get("CENTER_FISCAL_CODE") or "",
        "vat_number": cfg.get("CENTER_VAT_NUMBER") or "",
        "address": cfg.get("CENTER_ADDRESS") or "",
        "zip_code": cfg.get("CENTER_ZIP") or "",
        "city": cfg.get("CENTER_CITY") or "",
        "province": cfg.get("CENTER_PROVINCE") or "",
        "iban": cfg.get("CENTER_IBAN") or "",
    }


def notice_payload(invoice: Invoice) -> dict[str, Any] | None:
    """What the printable pagoPA notice shows (and its QR code encodes)."""
    if not invoice.notice_code:
        return None
    amount = invoice.balance if invoice.is_open else invoice.amount_due
    payload = pagopa.qr_payload(invoice.notice_code, seller()["fiscal_code"], amount)
    return {
        "notice_code": invoice.notice_code,
        "notice_code_grouped": pagopa.grouped(invoice.notice_code),
        "iuv": invoice.iuv,
        "creditor_fiscal_code": seller()["fiscal_code"],
        "amount": amount,
        "due_date": invoice.due_date,
        "qr_payload": payload,
    }

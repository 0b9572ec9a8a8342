"""Issuing: gap-free progressive numbers per series and year, the issue of a draft (number, due date,
pagoPA notice) and credit notes. An issued document never changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app import audit
from app.db import local_today, transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from billing import document_mail, pagopa, sdi, sources
from billing.invoices import _lock, _set_totals, recipient_problems
from billing.models import DocumentType, Invoice, InvoiceCounter, InvoiceLine, InvoiceStatus, Series
from billing.settings import get_settings, setting

SERIES_DIGIT = {Series.FT: 1, Series.RP: 2, Series.NC: 3}


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


def issue_invoice(*, invoice_id: int, actor: Any, issue_date: dt.date | None = None, email: bool = True) -> Invoice:
    """Give a draft its number, due date and pagoPA notice; from now on it never changes. The ente
    gets it by email unless ``email=False`` (the demo's backdated documents)."""
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
        sdi.on_issue(invoice)
        if email:
            document_mail.on_issue(invoice)
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
        sdi.on_issue(note)
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

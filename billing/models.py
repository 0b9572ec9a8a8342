"""Billing: invoices (fatture and richieste di pagamento), credit notes, their numbering counters,
payments, reconciliation imports, reminders and billing runs.

Other packages' rows are referred to by id (organizations, agreements, users): no relationship().
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import JSONType
from app.db import Money, TimestampMixin, UTCDateTime, utcnow
from app.extensions import Model
from app.labels import enum_labels

ZERO = decimal.Decimal("0.00")


class DocumentKind(enum.StrEnum):
    """What the convenzione bills with (``billing_document``); each has its own numbering series."""

    FATTURA = "fattura"
    RICHIESTA_PAGAMENTO = "richiesta_pagamento"


class DocumentType(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class Series(enum.StrEnum):
    FT = "FT"  # fatture
    RP = "RP"  # richieste di pagamento / note di addebito
    NC = "NC"  # note di credito


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"


OPEN_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.OVERDUE)


class PaymentMethod(enum.StrEnum):
    PAGOPA = "pagopa"
    BONIFICO = "bonifico"
    GIROFONDI = "girofondi"
    ALTRO = "altro"


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


enum_labels(DocumentKind, {"fattura": _l("Fattura"), "richiesta_pagamento": _l("Richiesta di pagamento")})
enum_labels(DocumentType, {"invoice": _l("Documento"), "credit_note": _l("Nota di credito")})
enum_labels(
    Series, {"FT": _l("Fatture"), "RP": _l("Richieste di pagamento"), "NC": _l("Note di credito")}, name="InvoiceSeries"
)
enum_labels(
    InvoiceStatus,
    {
        "draft": _l("Bozza"),
        "issued": _l("Emessa"),
        "partially_paid": _l("Pagata in parte"),
        "paid": _l("Pagata"),
        "overdue": _l("Scaduta"),
        "cancelled": _l("Annullata"),
    },
)
enum_labels(
    PaymentMethod,
    {
        "pagopa": _l("pagoPA"),
        "bonifico": _l("Bonifico"),
        "girofondi": _l("Girofondi (Tesoreria Unica)"),
        "altro": _l("Altro"),
    },
)
enum_labels(
    RunStatus,
    {"queued": _l("In coda"), "running": _l("In corso"), "done": _l("Completata"), "failed": _l("Fallita")},
    name="BillingRunStatus",
)


class InvoiceCounter(Model):
    """The last number given in a series and year. Locked (SELECT … FOR UPDATE) while issuing, so
    numbers are progressive with no gaps and no duplicates even when several people issue at once."""

    __tablename__ = "billing_counters"

    series: Mapped[Series] = mapped_column(sa.Enum(Series, native_enum=False, length=4), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class BillingRun(TimestampMixin, Model):
    """One execution of the annual billing run (the job reports its progress here)."""

    __tablename__ = "billing_runs"
    __audit__ = True
    __audit_label__ = _l("Fatturazione periodica")
    __table_args__ = (sa.Index("ix_billing_runs_year", "year", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    status: Mapped[RunStatus] = mapped_column(
        sa.Enum(RunStatus, native_enum=False, length=10), nullable=False, default=RunStatus.QUEUED
    )
    total: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    processed: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    created_count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    skipped_count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    amount: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False, default=ZERO)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(sa.Text)


class Invoice(TimestampMixin, Model):
    """A fattura, a richiesta di pagamento or a credit note. Drafts have no number; the number is
    given at issue and never reused; an issued document is immutable (cancel with a credit note)."""

    __tablename__ = "invoices"
    __audit__ = True
    __audit_label__ = _l("Documento di addebito")
    __table_args__ = (
        sa.UniqueConstraint("series", "number_year", "sequence", name="uq_invoices_series_year_sequence"),
        sa.Index("ix_invoices_org_id", "organization_id", "id"),
        sa.Index("ix_invoices_status_id", "status", "id"),
        sa.Index("ix_invoices_year_id", "year", "id"),
        sa.Index("ix_invoices_due_date", "due_date"),
        sa.Index("ix_invoices_agreement", "agreement_id"),
        sa.Index("ix_invoices_run", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False)
    agreement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agreements.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing_runs.id", ondelete="SET NULL"))
    # What the annual run bills once per convenzione and year ("annual:<agreement>:<year>"): running
    # it again finds the key and bills nothing twice.
    billing_key: Mapped[str | None] = mapped_column(sa.String(60), unique=True)
    kind: Mapped[DocumentKind] = mapped_column(sa.Enum(DocumentKind, native_enum=False, length=20), nullable=False)
    doc_type: Mapped[DocumentType] = mapped_column(
        sa.Enum(DocumentType, native_enum=False, length=12), nullable=False, default=DocumentType.INVOICE
    )
    series: Mapped[Series] = mapped_column(sa.Enum(Series, native_enum=False, length=4), nullable=False)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # the year billed (competenza)
    number_year: Mapped[int | None] = mapped_column(sa.Integer)  # the year of issue: numbers restart each year
    sequence: Mapped[int | None] = mapped_column(sa.Integer)
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    status: Mapped[InvoiceStatus] = mapped_column(
        sa.Enum(InvoiceStatus, native_enum=False, length=16), nullable=False, default=InvoiceStatus.DRAFT
    )
    credit_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    period_start: Mapped[dt.date | None] = mapped_column(sa.Date)
    period_end: Mapped[dt.date | None] = mapped_column(sa.Date)
    issue_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    due_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="")
    split_payment: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    net_total: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False, default=ZERO)
    vat_total: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False, default=ZERO)
    total: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False, default=ZERO)
    paid_total: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False, default=ZERO)
    credited_total: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False, default=ZERO)
    stamp_duty: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False, default=ZERO)
    iuv: Mapped[str | None] = mapped_column(sa.String(17), unique=True)
    notice_code: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    # The recipient and the convenzione as they were at issue: an issued document never changes.
    recipient: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    cig: Mapped[str | None] = mapped_column(sa.String(10))
    cup: Mapped[str | None] = mapped_column(sa.String(15))
    agreement_code: Mapped[str | None] = mapped_column(sa.String(40))
    reminder_level: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The Sistema di Interscambio (billing/sdi.py): the file name the FatturaPA travels under, and what
    # the SDI said about it. Not part of what the document says: they move after issue.
    sdi_file_name: Mapped[str | None] = mapped_column(sa.String(60), unique=True)
    sdi_status: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    sdi_identifier: Mapped[str | None] = mapped_column(sa.String(20))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )

    @property
    def amount_due(self) -> decimal.Decimal:
        """What the ente pays the center: with split payment the VAT goes to the Treasury instead."""
        return self.net_total if self.split_payment else self.total

    @property
    def balance(self) -> decimal.Decimal:
        if self.doc_type == DocumentType.CREDIT_NOTE or self.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
            return ZERO
        return max(self.amount_due - self.paid_total - self.credited_total, ZERO)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class InvoiceLine(Model):
    __tablename__ = "invoice_lines"
    __audit__ = True
    __audit_label__ = _l("Riga di documento")
    __table_args__ = (sa.Index("ix_invoice_lines_invoice", "invoice_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    code: Mapped[str] = mapped_column(sa.String(30), nullable=False, default="")  # fixed, per_inhabitant, …
    description: Mapped[str] = mapped_column(sa.String(1000), nullable=False)
    quantity: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(12, 2), nullable=False, default=decimal.Decimal("1"))
    unit_price: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(14, 4), nullable=False, default=ZERO)
    amount: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False, default=ZERO)
    vat_rate: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(5, 2), nullable=False, default=ZERO)
    vat_nature: Mapped[str | None] = mapped_column(sa.String(5))  # N1…N7 (FatturaPA "Natura") when outside VAT

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(TimestampMixin, Model):
    __tablename__ = "payments"
    __audit__ = True
    __audit_label__ = _l("Incasso")
    __table_args__ = (
        sa.Index("ix_payments_invoice", "invoice_id", "id"),
        sa.Index("ix_payments_org_paid_on", "organization_id", "paid_on"),
        sa.Index("ix_payments_paid_on", "paid_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="RESTRICT"), nullable=False)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False)
    amount: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False)
    paid_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    method: Mapped[PaymentMethod] = mapped_column(sa.Enum(PaymentMethod, native_enum=False, length=12), nullable=False)
    reference: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    # The bank's or pagoPA's id of the transaction: importing the same file twice applies it once.
    external_ref: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment_imports.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class PaymentImport(TimestampMixin, Model):
    """A reconciliation file (bank statement or pagoPA flow) and what became of it."""

    __tablename__ = "payment_imports"
    __audit__ = True
    __audit_label__ = _l("Importazione di incassi")

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False, default="")
    rows: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    applied: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    unmatched: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    report: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class UnmatchedPayment(TimestampMixin, Model):
    """A row of a reconciliation file that matched no invoice: waits for finance to assign it."""

    __tablename__ = "unmatched_payments"
    __audit__ = True
    __audit_label__ = _l("Incasso non abbinato")
    __table_args__ = (sa.Index("ix_unmatched_payments_resolved", "resolved", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment_imports.id", ondelete="SET NULL"), index=True)
    amount: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False)
    paid_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    method: Mapped[PaymentMethod] = mapped_column(sa.Enum(PaymentMethod, native_enum=False, length=12), nullable=False)
    reference: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    payer: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    external_ref: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    resolved: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id", ondelete="SET NULL"))


class Reminder(Model):
    """A sollecito sent for an invoice: one per step, never twice."""

    __tablename__ = "billing_reminders"
    __table_args__ = (
        sa.UniqueConstraint("invoice_id", "level", name="uq_billing_reminders_invoice_level"),
        sa.Index("ix_billing_reminders_org", "organization_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False)
    level: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    to_addr: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    via_pec: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    email_id: Mapped[int | None] = mapped_column(sa.Integer)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class BillingSettings(TimestampMixin, Model):
    """What finance may tune without a deploy (one row; CONFIG/env values are the defaults)."""

    __tablename__ = "billing_settings"
    __audit__ = True
    __audit_label__ = _l("Impostazioni di ragioneria")

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_days: Mapped[str] = mapped_column(sa.String(40), nullable=False, default="15,45")
    payment_days: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=30)
    vat_rate: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(5, 2), nullable=False, default=decimal.Decimal("22"))


class SdiCounter(Model):
    """The last progressive of the SDI transmission file names (one row, locked while taken): a file
    name is never given twice, not even after a rejection."""

    __tablename__ = "billing_sdi_counter"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class SdiEvent(Model):
    """Something that happened to an invoice's transmission: a file sent, or an SDI notification
    (RC, NS, MC, NE, DT, AT) with its XML kept as received."""

    __tablename__ = "billing_sdi_events"
    __audit__ = True
    __audit_label__ = _l("Evento SDI")
    __table_args__ = (sa.Index("ix_billing_sdi_events_invoice", "invoice_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False)
    type: Mapped[str] = mapped_column(sa.String(8), nullable=False)  # SENT, RC, NS, MC, NE, DT, AT
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    file_name: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    detail: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    xml: Mapped[str | None] = mapped_column(sa.Text)
    # The same notification twice is recognised by its digest and changes nothing.
    digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)


# --- an issued document never changes ------------------------------------------------------------------

IMMUTABLE_AFTER_ISSUE = (
    "organization_id", "kind", "doc_type", "series", "year", "number_year", "sequence", "number", "issue_date",
    "due_date", "net_total", "vat_total", "total", "split_payment", "notice_code", "iuv", "recipient", "description",
)  # fmt: skip


def _status_before(invoice: Invoice) -> InvoiceStatus | None:
    """The status as stored (before this flush's changes); loads it when expired."""
    from sqlalchemy import inspect as sa_inspect

    state = sa_inspect(invoice)
    if state.pending or state.transient:
        return None
    hist = state.attrs.status.history
    if hist.deleted:
        return hist.deleted[0]
    return invoice.status


def _guard_issued(session: Any, flush_context: Any, instances: Any) -> None:
    """Refuse, at flush, any change to what an issued document says (lines included): the only way
    to correct one is a credit note. Payments, status and reminders may still move."""
    from sqlalchemy import inspect as sa_inspect

    from app.errors import Conflict

    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Invoice):
            state = sa_inspect(obj)
            was = _status_before(obj)
            if was in (None, InvoiceStatus.DRAFT):
                continue
            if obj in session.deleted:
                raise Conflict("un documento emesso non si cancella: emetti una nota di credito")
            changed = [n for n in IMMUTABLE_AFTER_ISSUE if state.attrs[n].history.has_changes()]
            if changed:
                raise Conflict(
                    f"un documento emesso non si modifica ({', '.join(changed)}): emetti una nota di credito"
                )
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, InvoiceLine):
            invoice = obj.invoice if obj.invoice is not None else session.get(Invoice, obj.invoice_id)
            if invoice is None:
                continue
            was = _status_before(invoice)
            if was not in (None, InvoiceStatus.DRAFT) and (
                obj in session.deleted or sa_inspect(obj).modified or obj in session.new
            ):
                if obj in session.new and invoice in session.new:
                    continue
                raise Conflict("le righe di un documento emesso non si modificano")


sa.event.listen(sa.orm.Session, "before_flush", _guard_issued)

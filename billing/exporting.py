"""The rows of the finance exports (documents, payments, unmatched payments), read for the acting user.

Only staff with ``billing.dashboard`` export (admin, finance); a referente never reaches these rows.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.auth.permissions import org_scope, require
from app.extensions import db
from billing import collections, sources
from billing.invoices import invoice_query
from billing.models import DocumentKind, Invoice, InvoiceStatus, Payment, UnmatchedPayment

INVOICE_COLUMNS = [
    "numero",
    "tipo",
    "documento",
    "ente",
    "codice_fiscale_ente",
    "anno",
    "data_emissione",
    "scadenza",
    "stato",
    "imponibile",
    "iva",
    "totale",
    "split_payment",
    "da_incassare",
    "incassato",
    "saldo",
    "codice_avviso",
    "convenzione",
]
PAYMENT_COLUMNS = ["data", "importo", "metodo", "numero_documento", "ente", "riferimento", "id_transazione"]
# What a bank or pagoPA file brought that matched no document: its text comes from outside.
UNMATCHED_COLUMNS = ["data", "importo", "metodo", "riferimento", "pagatore", "id_transazione", "abbinato"]


def _require(actor: Any) -> None:
    require(actor, "billing.dashboard")


def invoice_rows(
    *,
    actor: Any,
    status: str | None = None,
    year: int | None = None,
    kind: str | None = None,
    organization_id: int | None = None,
) -> list[list[Any]]:
    """Issued documents (never drafts); an unknown ``kind`` is ignored like an unknown ``status``."""
    _require(actor)
    scope = org_scope(actor)
    stmt = invoice_query(
        status=status,
        year=year,
        kind=kind if kind in {k.value for k in DocumentKind} else None,
        organization_id=scope if scope is not None else organization_id,
    ).where(Invoice.status != InvoiceStatus.DRAFT)
    invoices = list(db.session.scalars(stmt.order_by(Invoice.series, Invoice.number_year, Invoice.sequence)))
    return [
        [
            i.number,
            i.kind.value,
            i.doc_type.value,
            i.recipient.get("name", ""),
            i.recipient.get("fiscal_code") or "",
            i.year,
            i.issue_date,
            i.due_date,
            i.status.value,
            i.net_total,
            i.vat_total,
            i.total,
            "S" if i.split_payment else "N",
            i.amount_due,
            i.paid_total,
            i.balance,
            i.notice_code or "",
            i.agreement_code or "",
        ]  # fmt: skip
        for i in invoices
    ]


def payment_rows(*, actor: Any, year: int | None = None) -> list[list[Any]]:
    _require(actor)
    rows = db.session.execute(
        collections.payment_query(year=year, organization_id=org_scope(actor))
        .with_only_columns(Payment, Invoice.number)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .order_by(Payment.paid_on, Payment.id)
    ).all()
    names = sources.organization_names({p.organization_id for p, _ in rows})
    return [
        [
            p.paid_on,
            p.amount,
            p.method.value,
            number,
            names.get(p.organization_id, ""),
            p.reference,
            p.external_ref or "",
        ]
        for p, number in rows
    ]


def unmatched_rows(*, actor: Any) -> list[list[Any]]:
    _require(actor)
    stmt = sa.select(UnmatchedPayment).order_by(UnmatchedPayment.paid_on, UnmatchedPayment.id)
    return [
        [u.paid_on, u.amount, u.method.value, u.reference, u.payer, u.external_ref or "", "S" if u.resolved else "N"]
        for u in db.session.scalars(stmt)
    ]

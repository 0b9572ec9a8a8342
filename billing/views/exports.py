"""Finance pages: CSV and spreadsheet exports of documents and payments."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, abort, request
from flask_login import login_required

from app.auth.permissions import permission_required
from app.db import local_today
from app.exports import csv_text, xlsx_bytes
from app.extensions import db
from app.replica import reads_replica
from billing import collections, services, sources
from billing.fees import fmt
from billing.models import DocumentKind, Invoice, InvoiceStatus, Payment, UnmatchedPayment
from billing.views import STATUS_LABELS, bp

# --- exports ----------------------------------------------------------------------------------------------

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


def _invoice_rows() -> list[list[Any]]:
    args = request.args
    stmt = services.invoice_query(
        status=args.get("status") if args.get("status") in STATUS_LABELS else None,
        year=args.get("year", type=int),
        kind=args.get("kind") if args.get("kind") in {k.value for k in DocumentKind} else None,
        organization_id=args.get("organization_id", type=int),
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


def _payment_rows() -> list[list[Any]]:
    year = request.args.get("year", type=int)
    rows = db.session.execute(
        collections.payment_query(year=year)
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


@bp.route("/esporta/<what>.<fmt_>")
@login_required
@permission_required("billing.dashboard")
@reads_replica
def export(what: str, fmt_: str):
    if what == "fatture":
        columns, rows = INVOICE_COLUMNS, _invoice_rows()
    elif what == "incassi":
        columns, rows = PAYMENT_COLUMNS, _payment_rows()
    elif what == "non-abbinati":
        columns, rows = UNMATCHED_COLUMNS, _unmatched_rows()
    else:
        abort(404)
    stamp = local_today().isoformat()
    if fmt_ == "csv":
        cells = ([fmt(v) if isinstance(v, services.D) else v for v in row] for row in rows)
        return Response(
            csv_text(columns, cells),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{what}-{stamp}.csv"'},
        )
    if fmt_ == "xlsx":
        # Decimal stays Decimal: a number cell, never through a float; text is always a string cell.
        return Response(
            xlsx_bytes(columns, rows, title=what),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{what}-{stamp}.xlsx"'},
        )
    abort(404)


def _unmatched_rows() -> list[list[Any]]:
    stmt = sa.select(UnmatchedPayment).order_by(UnmatchedPayment.paid_on, UnmatchedPayment.id)
    return [
        [u.paid_on, u.amount, u.method.value, u.reference, u.payer, u.external_ref or "", "S" if u.resolved else "N"]
        for u in db.session.scalars(stmt)
    ]

"""The finance view: hours against those included per convenzione, receivables ageing, collections by
month; and an ente's invoices and payments of a year (for the rendiconto). Reads billing's tables
through its models and services, never writes them."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.auth.permissions import require
from app.db import local_today
from app.extensions import db
from reports import hours

D = decimal.Decimal
ZERO = D("0.00")

AGEING_LABELS = {
    "not_due": _l("Non scaduto"),
    "d0_30": _l("Scaduto da 1–30 giorni"),
    "d31_60": _l("Scaduto da 31–60 giorni"),
    "d61_90": _l("Scaduto da 61–90 giorni"),
    "d90_plus": _l("Scaduto da oltre 90 giorni"),
}


def collections_by_month(year: int, organization_id: int | None = None) -> list[dict[str, Any]]:
    """Payments received per month of ``year``: twelve rows, empty months included."""
    from billing.models import Payment

    stmt = (
        sa.select(Payment.paid_on, sa.func.sum(Payment.amount), sa.func.count())
        .where(Payment.paid_on >= dt.date(year, 1, 1), Payment.paid_on <= dt.date(year, 12, 31))
        .group_by(Payment.paid_on)
    )
    if organization_id is not None:
        stmt = stmt.where(Payment.organization_id == organization_id)
    amounts = dict.fromkeys(range(1, 13), ZERO)
    counts = dict.fromkeys(range(1, 13), 0)
    for day, amount, n in db.session.execute(stmt):
        amounts[day.month] += D(amount or 0)
        counts[day.month] += int(n)
    return [
        {"month": f"{year:04d}-{m:02d}", "amount": amounts[m].quantize(D("0.01")), "payments": counts[m]}
        for m in range(1, 13)
    ]


def ageing_totals(today: dt.date) -> list[dict[str, Any]]:
    from billing.collections import BUCKETS, receivables

    totals = dict.fromkeys(BUCKETS, ZERO)
    for entry in receivables(today=today):
        for bucket in BUCKETS:
            totals[bucket] += entry[bucket]
    return [{"bucket": b, "label": str(AGEING_LABELS[b]), "amount": totals[b].quantize(D("0.01"))} for b in BUCKETS]


def finance_view(actor: Any, *, year: Any = None, today: dt.date | None = None) -> dict[str, Any]:
    require(actor, "reports.finance")
    today = today or local_today()
    y = hours.parse_year(year) if year not in (None, "") else today.year
    return {
        "year": y,
        "hours": hours.hours_rows(year=y, today=today),
        "warned": hours.warned_agreements(y),
        "ageing": ageing_totals(today),
        "collections": collections_by_month(y),
    }


def invoices_of(organization_id: int, year: int) -> dict[str, Any]:
    """The ente's issued documents of ``year`` (competenza) and the payments received on them."""
    from billing.models import DocumentType, Invoice, InvoiceStatus, Payment

    invoices = list(
        db.session.scalars(
            sa.select(Invoice)
            .where(
                Invoice.organization_id == organization_id,
                Invoice.year == year,
                Invoice.status != InvoiceStatus.DRAFT,
            )
            .order_by(Invoice.issue_date, Invoice.id)
        )
    )
    payments = list(
        db.session.scalars(
            sa.select(Payment)
            .where(Payment.organization_id == organization_id, Payment.invoice_id.in_([i.id for i in invoices] or [-1]))
            .order_by(Payment.paid_on, Payment.id)
        )
    )
    billed = sum((i.amount_due for i in invoices if i.doc_type == DocumentType.INVOICE), ZERO)
    credited = sum((i.amount_due for i in invoices if i.doc_type == DocumentType.CREDIT_NOTE), ZERO)
    paid = sum((p.amount for p in payments), ZERO)
    balance = sum((i.balance for i in invoices), ZERO)
    return {
        "invoices": invoices,
        "payments": payments,
        "billed": D(billed).quantize(D("0.01")),
        "credited": D(credited).quantize(D("0.01")),
        "paid": D(paid).quantize(D("0.01")),
        "balance": D(balance).quantize(D("0.01")),
    }

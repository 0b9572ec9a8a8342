"""Demo billing: last year billed, issued and mostly collected; this year half issued (some late,
with reminders), half still drafts to try the "issue" step; a credit note; an unmatched bank row.

Idempotent: does nothing once any billing document exists.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa

from app.db import local_today
from app.errors import DomainError
from app.extensions import db
from billing import collections, services
from billing.models import Invoice, InvoiceStatus

D = decimal.Decimal


def _demo_fiscal_code(istat: str) -> str:
    """A well-formed (Luhn) fictitious codice fiscale for a demo comune that has none."""
    from stdnum import luhn

    base = "8" + istat.zfill(6)[:6] + "072"
    return base + luhn.calc_check_digit(base)


def _complete_identities() -> None:
    """Demo comuni from the registry carry no codice fiscale: give them a fictitious one, through the
    CRM's own service, so their fatture can be issued."""
    from crm import services as crm_services
    from crm.models import Agreement, Organization

    rows = db.session.execute(
        sa.select(Organization.id, Organization.istat_code)
        .join(Agreement, Agreement.organization_id == Organization.id)
        .where(
            Organization.fiscal_code.is_(None), Organization.vat_number.is_(None), Organization.istat_code.is_not(None)
        )
        .distinct()
    ).all()
    for org_id, istat in rows:
        try:
            crm_services.update_organization(organization_id=org_id, fiscal_code=_demo_fiscal_code(istat or ""))
        except DomainError:  # demo data is best effort; the draft then shows what is missing
            db.session.rollback()


def load(ctx: dict[str, Any]) -> None:
    summary = ctx.setdefault("summary", {})
    if db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)):
        summary["billing"] = "already present"
        return
    _complete_identities()
    today = local_today()
    last, this = today.year - 1, today.year

    services.run_now(year=last)
    drafts = db.session.scalars(sa.select(Invoice.id).where(Invoice.year == last).order_by(Invoice.id)).all()
    for n, invoice_id in enumerate(drafts):
        try:
            services.issue_invoice(
                invoice_id=invoice_id, actor=None, issue_date=dt.date(last, 3, 1) + dt.timedelta(days=n), email=False
            )
        except DomainError:
            continue
    issued = db.session.scalars(
        sa.select(Invoice).where(Invoice.year == last, Invoice.status != InvoiceStatus.DRAFT).order_by(Invoice.id)
    ).all()
    for n, invoice in enumerate(issued):
        if n % 5 == 4:
            continue  # still open a year later: over 90 days
        pay_on = min(invoice.due_date + dt.timedelta(days=(n * 7) % 40), today)  # type: ignore[operator]
        method = "girofondi" if invoice.kind.value == "richiesta_pagamento" else "pagopa"
        amount = invoice.balance if n % 5 != 3 else (invoice.balance / 2).quantize(D("0.01"))
        collections.register_payment(
            invoice_id=invoice.id, amount=amount, paid_on=pay_on, method=method, actor=None, reference="demo"
        )

    services.run_now(year=this)
    drafts = db.session.scalars(sa.select(Invoice.id).where(Invoice.year == this).order_by(Invoice.id)).all()
    first_half = drafts[: len(drafts) // 2]
    for n, invoice_id in enumerate(first_half):
        issue_on = today - dt.timedelta(days=95 - n * 6)
        if issue_on.year != this:
            issue_on = dt.date(this, 1, 2)
        try:
            services.issue_invoice(invoice_id=invoice_id, actor=None, issue_date=issue_on, email=False)
        except DomainError:
            continue
    open_now = db.session.scalars(
        sa.select(Invoice).where(Invoice.year == this, Invoice.status == InvoiceStatus.ISSUED).order_by(Invoice.id)
    ).all()
    for n, invoice in enumerate(open_now):
        if n % 3 == 0:
            collections.register_payment(
                invoice_id=invoice.id,
                amount=invoice.balance,
                paid_on=min(invoice.issue_date + dt.timedelta(days=20), today),  # type: ignore[operator]
                method="pagopa",
                actor=None,
            )
    if open_now:
        target = open_now[-1]
        if target.paid_total == 0:
            services.create_credit_note(
                invoice_id=target.id, actor=None, reason="Quota ricalcolata dopo la revisione della popolazione"
            )
    csv_text = (
        "data;importo;causale;id_transazione;pagatore\n"
        f"{today:%d/%m/%Y};350,00;VERSAMENTO QUOTA ASSOCIATIVA SENZA RIFERIMENTI;DEMO-TRN-1;Tesoreria comunale\n"
    )
    collections.import_payments(data=csv_text, filename="giornale-di-cassa-demo.csv", actor=None)
    collections.send_reminders(today=today)
    summary["billing"] = {
        "documents": db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)),
        "drafts": db.session.scalar(
            sa.select(sa.func.count()).select_from(Invoice).where(Invoice.status == InvoiceStatus.DRAFT)
        ),
    }

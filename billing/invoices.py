"""Documents before and around issue: drafts and their lines, totals, the checks on the recipient,
the invoice list query and the pagoPA notice of an issued document."""

from __future__ import annotations

import decimal
import re
from typing import Any

import sqlalchemy as sa

from app.auth.permissions import check_org, org_scope
from app.db import transaction
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from billing import fees, pagopa, sources
from billing.models import DocumentKind, DocumentType, Invoice, InvoiceLine, InvoiceStatus, Series
from billing.settings import default_vat_rate, seller, setting

D = decimal.Decimal
SERIES_FOR_KIND = {DocumentKind.FATTURA: Series.FT, DocumentKind.RICHIESTA_PAGAMENTO: Series.RP}
SDI_CODE = re.compile(r"^[A-Z0-9]{6}$")


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


# --- drafts ---------------------------------------------------------------------------------------


def get_invoice(invoice_id: int) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("documento non trovato")
    return invoice


def invoice_for(user: Any, invoice_id: int) -> Invoice:
    """The document if ``user`` may see it, else NotFound: staff see every document; a referente only
    its own ente's, and only once issued (a draft answers 404 like a document that does not exist, on
    every route: detail, print, FatturaPA XML, pagoPA notice, API)."""
    invoice = get_invoice(invoice_id)
    check_org(user, invoice.organization_id, "documento non trovato")
    if org_scope(user) is not None and invoice.status == InvoiceStatus.DRAFT:
        raise NotFound("documento non trovato")
    return invoice


def visible_invoices(user: Any, stmt: sa.Select) -> sa.Select:
    """``stmt`` narrowed to the documents ``user`` may see (``invoice_for``'s rule, for lists)."""
    scope = org_scope(user)
    if scope is None:
        return stmt
    return stmt.where(Invoice.organization_id == scope, Invoice.status != InvoiceStatus.DRAFT)


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


def invoice_page(
    user: Any, *, cursor: str | None = None, limit: int = 50, **filters: Any
) -> tuple[list[Invoice], str | None]:
    """A page of the documents ``user`` may see, filtered; a stale or garbled cursor gives the first page."""
    from app.api import keyset_page

    stmt = visible_invoices(user, invoice_query(**filters))
    try:
        return keyset_page(stmt, [Invoice.id], limit=limit, cursor=cursor)
    except Invalid:
        return keyset_page(stmt, [Invoice.id], limit=limit, cursor=None)


def invoices_of_run(run_id: int) -> list[Invoice]:
    return list(db.session.scalars(invoice_query(run_id=run_id).order_by(Invoice.id)))

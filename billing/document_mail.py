"""The email that brings the ente its document when it is issued, with the pagoPA notice PDF to pay
with attached (the reminders attach it too). For a fattura it is a courtesy copy: the legal document
travels through the SDI. Queued as a job by the issue (``billing.document_email``), so issuing many
drafts does not wait for the PDFs; sent once per document."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from app.db import transaction
from app.extensions import db
from app.jobs import enqueue, job
from billing import pagopa, sources
from billing.fees import fmt
from billing.models import DocumentKind, Invoice, InvoiceStatus

CATEGORY = "billing_document"


def on_issue(invoice: Invoice) -> None:
    """Called in the issue's transaction: the email follows after commit."""
    if current_app.config.get("BILLING_EMAIL_ON_ISSUE", True):
        enqueue("billing.document_email", queue="billing", invoice_id=invoice.id)


def recipient_address(invoice: Invoice) -> tuple[str | None, bool]:
    """Whom the document goes to — the ente's ragioneria contact, its email, else its PEC — and
    whether that is the PEC."""
    rec = sources.recipient(invoice.organization_id)
    address = sources.finance_contact_email(invoice.organization_id) or (rec.email if rec else None)
    if address:
        return address, False
    pec = rec.pec if rec else None
    return pec, bool(pec)


def send_document_email(invoice_id: int) -> int | None:
    """Queue the document's email (once); returns the email's id, None when there is nobody to send to."""
    from app.mail import TRANSPORTS, OutboundEmail, queue_email
    from billing import notice_pdf

    with transaction():
        invoice = db.session.get(Invoice, invoice_id)
        if invoice is None or invoice.status == InvoiceStatus.DRAFT:
            return None
        sent = db.session.scalar(
            sa.select(OutboundEmail.id).where(
                OutboundEmail.category == CATEGORY,
                OutboundEmail.related_type == "invoice",
                OutboundEmail.related_id == invoice.id,
            )
        )
        if sent is not None:
            return sent
        address, via_pec = recipient_address(invoice)
        if not address:
            return None
        email = queue_email(
            to=address,
            subject=_subject(invoice),
            body_text=_body(invoice),
            category=CATEGORY,
            auto=False,
            transport="pec" if via_pec and "pec" in TRANSPORTS else "default",
            related_type="invoice",
            related_id=invoice.id,
            attachments=notice_pdf.email_attachment(invoice),
        )
        return email.id


def _subject(invoice: Invoice) -> str:
    what = "Fattura" if invoice.kind == DocumentKind.FATTURA else "Richiesta di pagamento"
    return f"{what} {invoice.number} — avviso di pagamento pagoPA"


def _body(invoice: Invoice) -> str:
    from billing.services import seller

    center = seller()
    rec = invoice.recipient or {}
    lines = [f"Spett.le {rec.get('name') or 'Ente'},", ""]
    if invoice.kind == DocumentKind.FATTURA:
        lines.append(
            f"le trasmettiamo in copia di cortesia la fattura n. {invoice.number} del {invoice.issue_date:%d/%m/%Y}, "
            "inviata tramite il Sistema di Interscambio."
        )
    else:
        lines.append(
            f"le trasmettiamo la richiesta di pagamento n. {invoice.number} del {invoice.issue_date:%d/%m/%Y}."
        )
    lines += ["", f"Importo da pagare: € {fmt(invoice.amount_due)}"]
    if invoice.due_date:
        lines.append(f"Scadenza: {invoice.due_date:%d/%m/%Y}")
    if invoice.notice_code:
        lines += [
            "",
            f"Può pagare con pagoPA usando il codice avviso {pagopa.grouped(invoice.notice_code)}: "
            "l'avviso di pagamento è allegato.",
        ]
    lines += ["", center["name"]]
    return "\n".join(lines)


@job("billing.document_email")
def document_email_job(invoice_id: int) -> None:
    send_document_email(invoice_id)

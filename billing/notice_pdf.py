"""The pagoPA *avviso di pagamento* as a PDF (WeasyPrint), in the layout of the official notice:
creditor and its fiscal code, the notice code in groups of four, amount, due date, the QR code
``PAGOPA|002|<notice>|<creditor fiscal code>|<cents>`` and, when ``PAGOPA_CBILL_CODE`` is set, the
CBILL code for home banking."""

from __future__ import annotations

import base64
import io
from typing import Any

from flask import current_app, has_request_context, render_template

from app.auth.permissions import check_org
from app.errors import Conflict, Forbidden, NotFound
from billing import services
from billing.models import InvoiceStatus

READERS = ("admin", "finance", "referente")


def qr_png(payload: str) -> bytes:
    """The QR code as a PNG (error correction M, as the pagoPA guidelines ask)."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return buf.getvalue()


def notice_pdf(*, invoice_id: int, actor: Any) -> tuple[bytes, str]:
    """The PDF and its file name. Finance, admin and the ente's own referente; a draft or another
    ente's document is not found for a referente."""
    role = str(getattr(getattr(actor, "role", None), "value", ""))
    if role not in READERS:
        raise Forbidden("avviso riservato all'amministrazione e all'ente")
    invoice = services.get_invoice(invoice_id)
    check_org(actor, invoice.organization_id, "documento non trovato")
    if role == "referente" and invoice.status == InvoiceStatus.DRAFT:
        raise NotFound("documento non trovato")
    pdf = render(invoice)
    if pdf is None:
        raise Conflict("il documento non ha un avviso pagoPA")
    return pdf, f"avviso-{invoice.notice_code}.pdf"


def render(invoice: Any) -> bytes | None:
    """The notice PDF of an invoice with a notice code (None without one)."""
    notice = services.notice_payload(invoice)
    if notice is None:
        return None
    from weasyprint import HTML

    context = {
        "invoice": invoice,
        "notice": notice,
        "seller": services.seller(),
        "cbill": current_app.config.get("PAGOPA_CBILL_CODE") or "",
        "qr": "data:image/png;base64," + base64.b64encode(qr_png(notice["qr_payload"])).decode(),
    }
    if has_request_context():
        html = render_template("billing/notice_pdf.html", **context)
    else:  # a job (the reminder email): the templates' context processors expect a request
        with current_app.test_request_context("/"):
            html = render_template("billing/notice_pdf.html", **context)
    from weasyprint.urls import URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def email_attachment(invoice: Any) -> list[dict[str, str]]:
    """The notice PDF as an attachment of an email about the invoice (kept in the file storage)."""
    pdf = render(invoice) if invoice.is_open else None
    if pdf is None:
        return []
    from app.storage import get_storage

    key = f"billing/notices/{invoice.notice_code}-{invoice.id}.pdf"
    get_storage().put(key, pdf, "application/pdf")
    return [{"key": key, "filename": f"avviso-{invoice.notice_code}.pdf", "type": "application/pdf"}]

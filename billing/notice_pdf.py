"""The pagoPA *avviso di pagamento* as a PDF (WeasyPrint), in the layout of the official notice:
creditor and its fiscal code, the notice code in groups of four, amount, due date, the QR code
``PAGOPA|002|<notice>|<creditor fiscal code>|<cents>`` and, when ``PAGOPA_CBILL_CODE`` is set, the
CBILL code for home banking."""

from __future__ import annotations

import base64
import io
from typing import Any

from flask import current_app, render_template

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
    notice = services.notice_payload(invoice)
    if notice is None:
        raise Conflict("il documento non ha un avviso pagoPA")
    from weasyprint import HTML

    html = render_template(
        "billing/notice_pdf.html",
        invoice=invoice,
        notice=notice,
        seller=services.seller(),
        cbill=current_app.config.get("PAGOPA_CBILL_CODE") or "",
        qr="data:image/png;base64," + base64.b64encode(qr_png(notice["qr_payload"])).decode(),
    )
    from weasyprint.urls import URLFetcher

    # Only the embedded QR (a data: URI) is read: nothing is fetched from outside.
    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    return pdf, f"avviso-{notice['notice_code']}.pdf"

"""API of the SDI lifecycle: notifications in, resend/sent actions (CONTRACT "SDI, pagoPA and IndicePA")."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api import API_PREFIX, register_api
from app.auth.permissions import permission_required
from billing import fdr, sdi
from billing import notice_pdf as notice_pdf_mod
from billing.api import InvoiceSchema


def _body() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is not None:
        return upload.read(), upload.filename or ""
    return request.get_data(), request.args.get("filename", "")


def blueprints() -> list[Blueprint]:
    sdi_bp = Blueprint("api_sdi", __name__, url_prefix=f"{API_PREFIX}/sdi", description="Notifiche SDI")
    inv_bp = Blueprint("api_invoices_sdi", __name__, url_prefix=f"{API_PREFIX}/invoices", description="SDI")

    @sdi_bp.route("/notifications", methods=["POST"])
    @sdi_bp.response(200)
    @permission_required("billing.write")
    def notification() -> dict[str, Any]:
        data, name = _body()
        invoice, event, new = sdi.receive(data=data, actor=current_user, filename=name)
        return {
            "invoice_id": invoice.id,
            "type": event.type,
            "sdi_status": invoice.sdi_status,
            "sdi_file_name": invoice.sdi_file_name,
            "applied": new,
            "detail": event.detail,
        }

    @inv_bp.route("/<int:invoice_id>/notice.pdf")
    @permission_required("billing.read")
    def notice_pdf(invoice_id: int) -> Response:
        pdf, name = notice_pdf_mod.notice_pdf(invoice_id=invoice_id, actor=current_user)
        return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})

    @inv_bp.route("/<int:invoice_id>/sdi/resend", methods=["POST"])
    @inv_bp.response(200, InvoiceSchema)
    @permission_required("billing.write")
    def resend(invoice_id: int):
        return sdi.resend(invoice_id=invoice_id, actor=current_user)

    @inv_bp.route("/<int:invoice_id>/sdi/sent", methods=["POST"])
    @inv_bp.response(200, InvoiceSchema)
    @permission_required("billing.write")
    def sent(invoice_id: int):
        return sdi.mark_sent(invoice_id=invoice_id, actor=current_user)

    pay_bp = Blueprint("api_payments_fdr", __name__, url_prefix=f"{API_PREFIX}/payments", description="Flussi pagoPA")

    @pay_bp.route("/import-fdr", methods=["POST"])
    @pay_bp.response(200)
    @permission_required("billing.write")
    def import_fdr() -> dict[str, Any]:
        data, name = _body()
        return fdr.import_flow(data=data, actor=current_user, filename=name)

    return [sdi_bp, inv_bp, pay_bp]


def init_api(app: Any) -> None:
    for bp in blueprints():
        register_api(app, bp)

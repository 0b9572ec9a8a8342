"""Finance pages of the SDI lifecycle and the pagoPA flows: the problems page (rejected, undelivered,
refused fatture), the upload of a notification or of a flow, resend and "sent" on the invoice page
(whose SDI timeline is ``templates/billing/_sdi_timeline.html``)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from app.auth.forms import EmptyForm
from app.auth.permissions import can, permission_required
from app.errors import Conflict, Invalid, NotFound
from billing import fdr, sdi
from billing.sdi_messages import error_meaning
from billing.views import _fail, bp

STATUS_LABELS = {
    "not_sent": _l("Da trasmettere"),
    "sent": _l("Trasmessa"),
    "delivered": _l("Consegnata"),
    "not_delivered": _l("Non consegnata"),
    "rejected": _l("Scartata"),
    "accepted": _l("Accettata"),
    "refused": _l("Rifiutata"),
    "expired": _l("Decorrenza termini"),
}
EVENT_LABELS = {
    "SENT": _l("File trasmesso"),
    "RESEND": _l("Nuovo file per la ritrasmissione"),
    "RC": _l("Ricevuta di consegna"),
    "NS": _l("Notifica di scarto"),
    "MC": _l("Mancata consegna"),
    "NE": _l("Esito del committente"),
    "DT": _l("Decorrenza termini"),
    "AT": _l("Attestazione di trasmissione"),
}


class NotificationForm(FlaskForm):
    file = FileField(_l("Notifica SDI (XML o .xml.p7m)"), validators=[FileRequired()])


class FlowForm(FlaskForm):
    file = FileField(_l("Flusso di rendicontazione pagoPA (XML)"), validators=[FileRequired()])


def _timeline(invoice_id: int) -> list[Any]:
    return sdi.events_of(invoice_id)


@bp.app_context_processor
def _sdi_globals() -> dict[str, Any]:
    return {
        "sdi_timeline": _timeline,
        "sdi_status_labels": STATUS_LABELS,
        "sdi_event_labels": EVENT_LABELS,
        "sdi_error_meaning": error_meaning,
        "sdi_notification_form": NotificationForm,
        "sdi_can_write": lambda: can(current_user, "billing.write"),
        "sdi_problem_count": lambda: len(sdi.problem_invoices(actor=current_user)),
    }


@bp.route("/sdi")
@login_required
@permission_required("billing.dashboard")
def sdi_page():
    return render_template(
        "billing/sdi.html",
        problems=sdi.problem_invoices(actor=current_user),
        notification_form=NotificationForm(),
        flow_form=FlowForm(),
    )


@bp.route("/sdi/notifiche", methods=["POST"])
@login_required
@permission_required("billing.write")
def sdi_upload():
    form = NotificationForm()
    if not form.validate_on_submit():
        flash(_("Scegli il file della notifica."), "error")
        return redirect(url_for("billing.sdi_page"))
    upload = form.file.data
    try:
        invoice, event, new = sdi.receive(data=upload.read(), actor=current_user, filename=upload.filename or "")
    except (Invalid, NotFound) as exc:
        _fail(exc)
        return redirect(url_for("billing.sdi_page"))
    if new:
        flash(_("Notifica %(t)s registrata.", t=event.type), "success")
    else:
        flash(_("Questa notifica era già registrata: nulla è cambiato."), "info")
    return redirect(url_for("billing.invoice_detail", invoice_id=invoice.id))


@bp.route("/fatture/<int:invoice_id>/sdi/ritrasmetti", methods=["POST"])
@login_required
@permission_required("billing.write")
def sdi_resend(invoice_id: int):
    if EmptyForm().validate_on_submit():
        try:
            invoice = sdi.resend(invoice_id=invoice_id, actor=current_user)
            if invoice.sdi_status == "sent":
                flash(_("Nuovo nome file: %(n)s, trasmesso allo SDI via PEC.", n=invoice.sdi_file_name), "success")
            else:
                flash(_("Nuovo nome file: %(n)s. Correggi e trasmetti il file.", n=invoice.sdi_file_name), "success")
        except Conflict as exc:
            _fail(exc)
    return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))


@bp.route("/fatture/<int:invoice_id>/sdi/trasmessa", methods=["POST"])
@login_required
@permission_required("billing.write")
def sdi_sent(invoice_id: int):
    if EmptyForm().validate_on_submit():
        try:
            sdi.mark_sent(invoice_id=invoice_id, actor=current_user)
        except Conflict as exc:
            _fail(exc)
    return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))


@bp.route("/incassi/flussi", methods=["POST"])
@login_required
@permission_required("billing.write")
def fdr_upload():
    form = FlowForm()
    if not form.validate_on_submit():
        flash(_("Scegli il file del flusso."), "error")
        return redirect(url_for("billing.sdi_page"))
    upload = form.file.data
    try:
        result = fdr.import_flow(data=upload.read(), actor=current_user, filename=upload.filename or "")
    except Invalid as exc:
        _fail(exc)
        return redirect(url_for("billing.sdi_page"))
    current_app.logger.info("FDR %s imported", result["flow_id"])
    return render_template("billing/fdr_result.html", result=result)


@bp.route("/fatture/<int:invoice_id>/avviso.pdf")
@login_required
@permission_required("billing.read")
def notice_pdf_page(invoice_id: int):
    from flask import Response

    from billing.notice_pdf import notice_pdf

    pdf, name = notice_pdf(invoice_id=invoice_id, actor=current_user)
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})

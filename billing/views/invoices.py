"""Finance pages: the dashboard and the documents (list, detail, issue, lines, credit notes, print, notice, XML)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.auth.permissions import can, org_scope, permission_required
from app.db import local_today
from app.errors import Conflict, Invalid, NotFound
from app.flashing import flashes_errors
from app.forms import error_summary
from billing import collections, fatturapa, pagopa, services, sources
from billing.forms import CreditNoteForm, LineForm, PaymentForm
from billing.models import DocumentKind, InvoiceStatus
from billing.views import STATUS_LABELS, _fail, _labels, _visible, bp

# --- dashboard ----------------------------------------------------------------------------------------


@bp.route("/")
@login_required
@permission_required("billing.dashboard")
def dashboard():
    return render_template(
        "billing/dashboard.html",
        data=collections.dashboard(),
        runs=services.list_runs(limit=5),
        labels=_labels(),
    )


# --- invoices -------------------------------------------------------------------------------------------


@bp.route("/fatture")
@login_required
@permission_required("billing.read")
def invoice_list():
    args = request.args
    scope = org_scope(current_user)
    filters = {
        "status": args.get("status") if args.get("status") in STATUS_LABELS else None,
        "year": args.get("year", type=int),
        "kind": args.get("kind") if args.get("kind") in {k.value for k in DocumentKind} else None,
        "organization_id": scope or args.get("organization_id", type=int),
        "q": (args.get("q") or "").strip()[:100] or None,
        "run_id": args.get("run_id", type=int),
    }
    invoices, cursor = services.invoice_page(current_user, cursor=args.get("cursor") or None, limit=50, **filters)
    next_url = (
        url_for("billing.invoice_list", **{**{k: v for k, v in args.items() if k != "cursor"}, "cursor": cursor})
        if cursor
        else None
    )
    names = sources.organization_names({i.organization_id for i in invoices})
    export_args = {k: v for k, v in args.items() if k != "cursor"}
    return render_template(
        "billing/invoice_list.html",
        invoices=invoices,
        names=names,
        next_url=next_url,
        filters=filters,
        org_filter=scope is None,
        labels=_labels(),
        export_args=export_args,
        years=list(range(local_today().year + 1, local_today().year - 6, -1)),
    )


@bp.route("/fatture/<int:invoice_id>")
@login_required
@permission_required("billing.read")
def invoice_detail(invoice_id: int):
    invoice = _visible(invoice_id)
    payments = collections.payments_of(invoice.id)
    return render_template(
        "billing/invoice_detail.html",
        invoice=invoice,
        org_name=sources.organization_names({invoice.organization_id}).get(invoice.organization_id, ""),
        payments=payments,
        reminders=collections.reminders_of(invoice.id),
        credit_notes=services.credit_notes_of(invoice.id),
        original=services.get_invoice(invoice.credit_of_id) if invoice.credit_of_id else None,
        summary=services.fees.vat_summary(invoice.lines),
        labels=_labels(),
        can_write=can(current_user, "billing.write"),
        payment_form=PaymentForm(),
        credit_form=CreditNoteForm(),
        line_form=LineForm(),
        form=EmptyForm(),
        problems=services.recipient_problems(sources.recipient(invoice.organization_id), invoice.kind)
        if invoice.status == InvoiceStatus.DRAFT
        else {},
    )


def _to_invoice(invoice_id: int, **_: object) -> str:
    return url_for("billing.invoice_detail", invoice_id=invoice_id)


@bp.route("/fatture/<int:invoice_id>/emetti", methods=["POST"])
@login_required
@permission_required("billing.write")
@flashes_errors(_to_invoice, catch=(Invalid, Conflict), report=_fail)
def invoice_issue(invoice_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    invoice = services.issue_invoice(invoice_id=invoice_id, actor=current_user)
    flash(_("Documento emesso con numero %(n)s.", n=invoice.number), "success")
    return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))


@bp.route("/fatture/<int:invoice_id>/elimina-bozza", methods=["POST"])
@login_required
@permission_required("billing.write")
@flashes_errors(_to_invoice, catch=(Conflict,), report=_fail)
def invoice_discard(invoice_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    services.discard_draft(invoice_id=invoice_id, actor=current_user)
    flash(_("Bozza eliminata."), "success")
    return redirect(url_for("billing.invoice_list"))


@bp.route("/fatture/<int:invoice_id>/riga", methods=["POST"])
@login_required
@permission_required("billing.write")
@flashes_errors(_to_invoice, catch=(Invalid, Conflict), report=_fail)
def invoice_add_line(invoice_id: int):
    form = LineForm()
    if not form.validate_on_submit():
        flash(_("Riga non valida: controlla descrizione, quantità e prezzo."), "error")
        return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))
    services.add_line(
        invoice_id=invoice_id,
        description=form.description.data,
        quantity=form.quantity.data,
        unit_price=form.unit_price.data,
        actor=current_user,
    )
    flash(_("Riga aggiunta."), "success")
    return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))


@bp.route("/fatture/<int:invoice_id>/nota-di-credito", methods=["POST"])
@login_required
@permission_required("billing.write")
@flashes_errors(_to_invoice, catch=(Conflict,), report=_fail)
def invoice_credit_note(invoice_id: int):
    form = CreditNoteForm()
    if not form.validate_on_submit():
        flash(_("Indica il motivo dello storno."), "error")
        return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))
    note = services.create_credit_note(invoice_id=invoice_id, actor=current_user, reason=form.reason.data)
    flash(_("Emessa la nota di credito %(n)s.", n=note.number), "success")
    return redirect(url_for("billing.invoice_detail", invoice_id=note.id))


@bp.route("/fatture/<int:invoice_id>/incasso", methods=["POST"])
@login_required
@permission_required("billing.write")
@flashes_errors(_to_invoice, catch=(Invalid, Conflict), report=_fail)
def invoice_payment(invoice_id: int):
    form = PaymentForm()
    if not form.validate_on_submit():
        flash(_("Incasso non valido: %(errors)s", errors=error_summary(form)), "error")
        return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))
    collections.register_payment(
        invoice_id=invoice_id,
        amount=form.amount.data,
        paid_on=form.paid_on.data,
        method=form.method.data,
        reference=form.reference.data or "",
        actor=current_user,
    )
    flash(_("Incasso registrato."), "success")
    return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))


@bp.route("/fatture/<int:invoice_id>/stampa")
@login_required
@permission_required("billing.read")
def invoice_print(invoice_id: int):
    invoice = _visible(invoice_id)
    return render_template(
        "billing/invoice_print.html",
        invoice=invoice,
        seller=services.seller(),
        summary=services.fees.vat_summary(invoice.lines),
        notice=services.notice_payload(invoice),
        labels=_labels(),
    )


@bp.route("/fatture/<int:invoice_id>/avviso")
@login_required
@permission_required("billing.read")
def invoice_notice(invoice_id: int):
    invoice = _visible(invoice_id)
    notice = services.notice_payload(invoice)
    if notice is None:
        raise NotFound(_("Il documento non ha un avviso pagoPA."))
    return render_template(
        "billing/notice.html",
        invoice=invoice,
        notice=notice,
        seller=services.seller(),
        qr=pagopa.qr_data_uri(notice["qr_payload"]),
    )


@bp.route("/fatture/<int:invoice_id>/fatturapa.xml")
@login_required
@permission_required("billing.read")
def invoice_xml(invoice_id: int):
    invoice = _visible(invoice_id)
    seller = services.seller()
    return Response(
        fatturapa.build(invoice, seller),
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{fatturapa.filename(invoice, seller)}"'},
    )

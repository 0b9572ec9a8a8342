"""Finance pages: payments and reconciliation imports, receivables, settings."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.api import keyset_page
from app.auth.permissions import permission_required
from app.db import local_today
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.replica import reads_replica
from billing import collections, services, sources
from billing.forms import AssignForm, ImportForm, SettingsForm
from billing.models import Invoice, Payment
from billing.views import _fail, _labels, bp

# --- payments -----------------------------------------------------------------------------------------


@bp.route("/incassi")
@login_required
@permission_required("billing.write")
def payments():
    stmt = collections.payment_query(year=request.args.get("year", type=int))
    try:
        items, cursor = keyset_page(stmt, [Payment.id], limit=50, cursor=request.args.get("cursor") or None)
    except Invalid:
        items, cursor = keyset_page(stmt, [Payment.id], limit=50, cursor=None)
    numbers = dict(
        db.session.execute(
            sa.select(Invoice.id, Invoice.number).where(Invoice.id.in_({p.invoice_id for p in items}))
        ).all()
    )
    return render_template(
        "billing/payments.html",
        payments=items,
        numbers=numbers,
        names=sources.organization_names({p.organization_id for p in items}),
        next_url=url_for("billing.payments", cursor=cursor) if cursor else None,
        unmatched=collections.unmatched_queue(),
        import_form=ImportForm(),
        assign_form=AssignForm(),
    )


@bp.route("/incassi/importa", methods=["POST"])
@login_required
@permission_required("billing.write")
def payments_import():
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Scegli un file CSV da importare."), "error")
        return redirect(url_for("billing.payments"))
    upload = form.file.data
    try:
        record = collections.import_payments(data=upload.read(), filename=upload.filename or "", actor=current_user)
    except Invalid as exc:
        _fail(exc)
        return redirect(url_for("billing.payments"))
    return render_template("billing/import_result.html", record=record)


@bp.route("/incassi/non-abbinati/<int:unmatched_id>", methods=["POST"])
@login_required
@permission_required("billing.write")
def payments_assign(unmatched_id: int):
    form = AssignForm()
    if not form.validate_on_submit():
        flash(_("Indica il documento a cui abbinare l'incasso."), "error")
        return redirect(url_for("billing.payments"))
    invoice = collections.find_invoice_by_reference(form.invoice.data)
    if invoice is None:
        flash(_("Nessun documento con numero o codice avviso %(r)s.", r=form.invoice.data), "error")
        return redirect(url_for("billing.payments"))
    try:
        collections.assign_unmatched(unmatched_id=unmatched_id, invoice_id=invoice.id, actor=current_user)
        flash(_("Incasso abbinato a %(n)s.", n=invoice.number), "success")
    except (Invalid, Conflict, NotFound) as exc:
        _fail(exc)
    return redirect(url_for("billing.payments"))


# --- receivables -----------------------------------------------------------------------------------------


@bp.route("/crediti")
@login_required
@permission_required("billing.dashboard")
@reads_replica
def receivables():
    today = local_today()
    overdue = collections.overdue_list(today=today)
    return render_template(
        "billing/receivables.html",
        rows=collections.receivables(today=today),
        overdue=overdue,
        names=sources.organization_names({inv.organization_id for inv, _ in overdue}),
        today=today,
        labels=_labels(),
    )


# --- settings ----------------------------------------------------------------------------------------------


@bp.route("/impostazioni", methods=["GET", "POST"])
@login_required
@permission_required("billing.write")
def settings():
    current = services.get_settings()
    form = SettingsForm(data=current if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_settings(
                reminder_days=form.reminder_days.data,
                payment_days=form.payment_days.data,
                vat_rate=form.vat_rate.data,
                actor=current_user,
            )
            flash(_("Impostazioni salvate."), "success")
            return redirect(url_for("billing.settings"))
        except Invalid as exc:
            for name, messages in exc.fields.items():
                getattr(form, name).errors = list(messages)
    return render_template(
        "billing/settings.html",
        form=form,
        seller=services.seller(),
        segregation=services.setting("PAGOPA_SEGREGATION_CODE", "01"),
    )

"""Finance pages: payments and reconciliation imports, receivables, settings."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import permission_required
from app.db import local_today
from app.errors import Conflict, Invalid
from app.flashing import submit
from app.replica import reads_replica
from billing import collections, services, sources
from billing.forms import AssignForm, ImportForm, SettingsForm
from billing.views import _fail, _labels, bp

# --- payments -----------------------------------------------------------------------------------------


@bp.route("/incassi")
@login_required
@permission_required("billing.write")
def payments():
    items, cursor = collections.payment_page(
        year=request.args.get("year", type=int), cursor=request.args.get("cursor") or None, limit=50
    )
    numbers = collections.invoice_numbers({p.invoice_id for p in items})
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
    record = submit(
        None,
        collections.import_payments,
        catch=(Invalid,),
        report=_fail,
        data=upload.read(),
        filename=upload.filename or "",
        actor=current_user,
    )
    if record is None:
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
    assigned = submit(
        None,
        collections.assign_unmatched,
        catch=(Invalid, Conflict),
        report=_fail,
        unmatched_id=unmatched_id,
        invoice_id=invoice.id,
        actor=current_user,
    )
    if assigned is not None:
        flash(_("Incasso abbinato a %(n)s.", n=invoice.number), "success")
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
        saved = submit(
            form,
            services.update_settings,
            catch=(Invalid,),
            reminder_days=form.reminder_days.data,
            payment_days=form.payment_days.data,
            vat_rate=form.vat_rate.data,
            actor=current_user,
        )
        if saved is not None:
            flash(_("Impostazioni salvate."), "success")
            return redirect(url_for("billing.settings"))
    return render_template(
        "billing/settings.html",
        form=form,
        seller=services.seller(),
        segregation=services.setting("PAGOPA_SEGREGATION_CODE", "01"),
    )

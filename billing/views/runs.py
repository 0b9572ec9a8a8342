"""Finance pages: the annual billing run (preview, start, progress, issue its drafts)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.auth.permissions import permission_required
from app.db import local_today
from app.errors import Invalid
from app.flashing import submit
from billing import services, sources
from billing.fees import fmt
from billing.forms import RunForm
from billing.views import _fail, _labels, bp

# --- the annual run ---------------------------------------------------------------------------------


@bp.route("/fatturazione", methods=["GET", "POST"])
@login_required
@permission_required("billing.write")
def run_page():
    form = RunForm(year=request.args.get("year", type=int) or local_today().year)
    if form.validate_on_submit():
        run = submit(None, services.start_run, report=_fail, year=form.year.data, actor=current_user)
        if run is None:
            return redirect(url_for("billing.run_page", year=form.year.data))
        flash(_("Fatturazione %(y)s avviata.", y=run.year), "success")
        return redirect(url_for("billing.run_detail", run_id=run.id))
    year = request.args.get("year", type=int)
    preview = None
    if year:
        preview = submit(None, services.preview_run, catch=(Invalid,), report=_fail, year=year)
    totals = None
    if preview is not None:
        new = [r for r in preview if r.state == "new"]
        totals = {
            "count": len(new),
            "net": sum((r.fee.net_total for r in new), services.D("0")),
            "vat": sum((r.fee.vat_total for r in new), services.D("0")),
            "total": sum((r.fee.total for r in new), services.D("0")),
        }
    return render_template(
        "billing/run.html",
        form=form,
        year=year,
        preview=preview,
        totals=totals,
        runs=services.list_runs(),
        labels=_labels(),
    )


@bp.route("/fatturazione/<int:run_id>")
@login_required
@permission_required("billing.write")
def run_detail(run_id: int):
    run = services.get_run(run_id)
    drafts = services.draft_ids_of_run(run.id)
    invoices = services.invoices_of_run(run.id)
    return render_template(
        "billing/run_detail.html",
        run=run,
        drafts=drafts,
        invoices=invoices,
        names=sources.organization_names({i.organization_id for i in invoices}),
        form=EmptyForm(),
        labels=_labels(),
    )


@bp.route("/fatturazione/<int:run_id>/stato")
@login_required
@permission_required("billing.write")
def run_status(run_id: int):
    run = services.get_run(run_id)
    return jsonify(
        {
            "id": run.id,
            "status": run.status.value,
            "total": run.total,
            "processed": run.processed,
            "created": run.created_count,
            "skipped": run.skipped_count,
            "amount": fmt(run.amount),
        }
    )


@bp.route("/fatturazione/<int:run_id>/emetti", methods=["POST"])
@login_required
@permission_required("billing.write")
def run_issue(run_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    issued, refused = services.issue_drafts(invoice_ids=services.draft_ids_of_run(run_id), actor=current_user)
    flash(_("Emessi %(n)d documenti.", n=len(issued)), "success")
    for invoice_id, reason in refused.items():
        flash(_("Documento #%(id)d non emesso: %(r)s", id=invoice_id, r=reason), "error")
    return redirect(url_for("billing.run_detail", run_id=run_id))

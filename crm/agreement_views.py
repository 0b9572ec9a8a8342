"""CRM web pages of the convenzioni: list and export, the forms, the status, the signed document,
the renewals due. Registered on the CRM blueprint (``crm.views`` imports this module).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.auth.permissions import permission_required
from app.db import local_today
from app.flashing import check_all
from app.replica import reads_replica
from app.storage import send_download
from crm import agreements as agr
from crm import csvio, forms, pages, services
from crm.models import AgreementStatus
from crm.web import PAGE_SIZE, bp, form_data, next_url, org_choices, org_picker, orgs_by_id, service_choices, submit


def _agreement_filters() -> dict[str, Any]:
    a = request.args
    return {
        "q": a.get("q") or None,
        "status": a.get("status") or None,
        "service_id": a.get("service_id", type=int),
        "expiring_within": a.get("expiring_within", type=int),
        "organization_id": a.get("organization_id", type=int),
    }


# the form sets everything but the status (a transition of its own)
AGREEMENT_FORM_FIELDS = [f for f in agr.AGREEMENT_FIELDS if f != "status"]


@bp.route("/convenzioni")
@login_required
@permission_required("crm.staff_read")
def agreement_list():
    filters = _agreement_filters()
    items, cursor = agr.list_agreements(
        user=current_user, limit=PAGE_SIZE, cursor=request.args.get("cursor"), **filters
    )
    orgs = orgs_by_id(x.organization_id for x in items)
    return render_template(
        "crm/agreement_list.html",
        agreements=items,
        orgs=orgs,
        filters=filters,
        statuses=forms.STATUS_CHOICES,
        services=services.list_services(active_only=False),
        next_url=next_url(cursor),
        today=local_today(),
    )


@bp.route("/convenzioni/esporta.csv")
@login_required
@permission_required("crm.staff_read")
@reads_replica
def agreement_export():
    stmt = agr.agreements_query(user=current_user, **_agreement_filters())
    return Response(
        "".join(csvio.export_agreements(stmt)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=convenzioni-{local_today():%Y%m%d}.csv"},
    )


def _agreement_form(form: forms.AgreementForm) -> None:
    if form.organization_id is not None:
        org_picker(form.organization_id, blank=_("— scegli l'ente —"))
    form.service_ids.choices = service_choices()


def _refused(form: forms.AgreementForm) -> None:
    """A refused form shows every error at once: the service's own check adds what the form's
    validators could not know (unknown ente or service, end before start, CIG, VAT nature...)."""
    if form.is_submitted():
        check_all(form, agr.check_agreement, **form_data(form, AGREEMENT_FORM_FIELDS))


@bp.route("/convenzioni/nuova", methods=["GET", "POST"])
@login_required
@permission_required("crm.agreements.write")
def agreement_new():
    form = forms.AgreementForm()
    _agreement_form(form)
    if request.method == "GET":
        form.organization_id.data = request.args.get("organization_id", type=int)
        today = local_today()
        form.start_date.data = dt.date(today.year, 1, 1)
        form.end_date.data = dt.date(today.year + 4, 12, 31)
    if form.validate_on_submit():
        agreement = submit(form, agr.create_agreement, actor=current_user, **form_data(form, AGREEMENT_FORM_FIELDS))
        if agreement is not None:
            flash(_("Convenzione %(code)s registrata in bozza.", code=agreement.code), "success")
            return redirect(url_for("crm.agreement_detail", agreement_id=agreement.id))
    else:
        _refused(form)
    return render_template("crm/agreement_form.html", form=form, agreement=None)


@bp.route("/convenzioni/multiple", methods=["GET", "POST"])
@login_required
@permission_required("crm.agreements.write")
def agreement_bulk():
    """The same convenzione for many enti at once (e.g. every comune of a province just imported)."""
    form = forms.BulkAgreementForm()
    _agreement_form(form)
    form.organization_ids.choices = org_choices()
    if request.method == "GET":
        today = local_today()
        form.start_date.data = dt.date(today.year, 1, 1)
        form.end_date.data = dt.date(today.year + 4, 12, 31)
        province = request.args.get("province")
        if province:
            form.organization_ids.data = pages.organization_ids(province=province, agreement_status="none", active=True)
    if form.validate_on_submit():
        terms = form_data(form, AGREEMENT_FORM_FIELDS)
        terms.pop("organization_id", None)
        terms.pop("code", None)
        terms["status"] = "active" if form.activate.data else "draft"
        result = submit(
            form,
            agr.create_agreements_for,
            organization_ids=form.organization_ids.data,
            actor=current_user,
            **terms,
        )
        if result is not None:
            created, skipped = result
            flash(_("%(n)d convenzioni create.", n=len(created)), "success")
            names = dict(org_choices())
            for org_id, reason in skipped.items():
                flash(f"{names.get(org_id, org_id)}: {reason}", "warning")
            return redirect(url_for("crm.agreement_list"))
    return render_template("crm/agreement_bulk.html", form=form)


@bp.route("/convenzioni/<int:agreement_id>")
@login_required
@permission_required("crm.read")
def agreement_detail(agreement_id: int):
    agreement = agr.load_agreement(agreement_id, current_user)
    org = services.load_organization(agreement.organization_id, current_user)
    status_form = forms.StatusForm()
    status_form.status.choices = [
        (s.value, label)
        for s, label in ((AgreementStatus(v), lab) for v, lab in forms.STATUS_CHOICES)
        if s in agr.TRANSITIONS[agreement.status]
    ]
    return render_template(
        "crm/agreement_detail.html",
        agreement=agreement,
        org=org,
        status_form=status_form,
        document_form=forms.DocumentForm(),
        today=local_today(),
        status_labels=dict(forms.STATUS_CHOICES),
    )


@bp.route("/convenzioni/<int:agreement_id>/modifica", methods=["GET", "POST"])
@login_required
@permission_required("crm.agreements.write")
def agreement_edit(agreement_id: int):
    agreement = agr.load_agreement(agreement_id, current_user)
    form = forms.AgreementForm(obj=agreement)
    _agreement_form(form)
    if request.method == "GET":
        form.service_ids.data = agreement.service_ids
        form.billing_document.data = agreement.billing_document.value
    if form.validate_on_submit():
        saved = submit(
            form,
            agr.update_agreement,
            agreement_id=agreement.id,
            actor=current_user,
            **form_data(form, AGREEMENT_FORM_FIELDS),
        )
        if saved is not None:
            flash(_("Convenzione aggiornata."), "success")
            return redirect(url_for("crm.agreement_detail", agreement_id=agreement.id))
    else:
        _refused(form)
    return render_template("crm/agreement_form.html", form=form, agreement=agreement)


@bp.route("/convenzioni/<int:agreement_id>/stato", methods=["POST"])
@login_required
@permission_required("crm.agreements.write")
def agreement_status(agreement_id: int):
    agreement = agr.load_agreement(agreement_id, current_user)
    form = forms.StatusForm()
    if form.validate_on_submit():
        saved = submit(
            form, agr.transition_agreement, agreement_id=agreement.id, status=form.status.data, actor=current_user
        )
        if saved is not None:
            flash(_("Stato della convenzione aggiornato."), "success")
        else:
            for message in form.status.errors:
                flash(message, "error")
    return redirect(url_for("crm.agreement_detail", agreement_id=agreement.id))


@bp.route("/convenzioni/<int:agreement_id>/documento", methods=["POST"])
@login_required
@permission_required("crm.agreements.write")
def agreement_document_upload(agreement_id: int):
    agreement = agr.load_agreement(agreement_id, current_user)
    form = forms.DocumentForm()
    if form.validate_on_submit():
        upload = form.document.data
        saved = submit(
            form,
            agr.attach_document,
            agreement_id=agreement.id,
            filename=upload.filename or "",
            data=upload.read(),
            content_type=upload.mimetype or "application/octet-stream",
            actor=current_user,
        )
        if saved is not None:
            flash(_("Documento firmato allegato."), "success")
        else:
            for message in form.document.errors:
                flash(message, "error")
    else:
        flash(_("Scegli un file da allegare."), "error")
    return redirect(url_for("crm.agreement_detail", agreement_id=agreement.id))


@bp.route("/convenzioni/<int:agreement_id>/documento")
@login_required
@permission_required("crm.read")
def agreement_document(agreement_id: int):
    agreement = agr.load_agreement(agreement_id, current_user)
    if not agreement.document_sha256:
        abort(404)
    return send_download(
        agr.document_key(agreement.document_sha256),
        mimetype=agreement.document_content_type or "application/octet-stream",
        filename=agreement.document_filename or "convenzione.pdf",
    )


@bp.route("/scadenze")
@login_required
@permission_required("crm.staff_read")
def renewals():
    items = agr.pending_alerts(limit=200)
    orgs = orgs_by_id(a.organization_id for a in items)
    return render_template("crm/renewals.html", agreements=items, orgs=orgs, today=local_today(), form=EmptyForm())

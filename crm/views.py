"""CRM web pages: enti and their 360° page, contacts, the service catalog, imports (the convenzioni's
pages are in ``crm.agreement_views``, on the same blueprint; what the pages share is in ``crm.web``).

Views only translate: parse a form, check the permission, call one service, render. A service's
``Invalid``/``Conflict`` is shown next to the field it names (``submit``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import panels
from app.auth.permissions import is_staff, permission_required
from app.db import local_today
from app.replica import reads_replica
from crm import csvio, forms, pages, registry, services
from crm import panels as crm_panels
from crm.models import OrgKind
from crm.web import PAGE_SIZE, bp, form_data, next_url, org_choices, org_picker, orgs_by_id, submit

# --- enti ------------------------------------------------------------------------------------


def _org_filters() -> dict[str, Any]:
    a = request.args
    active = {"1": True, "0": False}.get(a.get("active", ""))
    return {
        "q": a.get("q") or None,
        "kind": a.get("kind") or None,
        "province": a.get("province") or None,
        "agreement_status": a.get("agreement_status") or None,
        "active": active,
    }


@bp.route("/enti")
@login_required
@permission_required("crm.staff_read")
def organization_list():
    filters = _org_filters()
    items, cursor = services.list_organizations(
        user=current_user, limit=PAGE_SIZE, cursor=request.args.get("cursor"), **filters
    )
    current = services.current_agreements(o.id for o in items)
    summary = services.coverage_summary(services.organizations_query(user=current_user, **filters))
    return render_template(
        "crm/organization_list.html",
        summary=summary,
        organizations=items,
        current=current,
        filters=filters,
        next_url=next_url(cursor),
        kinds=forms.KIND_CHOICES,
        statuses=forms.STATUS_CHOICES,
        provinces=services.provinces(),
        today=local_today(),
    )


@bp.route("/enti/esporta.csv")
@login_required
@permission_required("crm.staff_read")
@reads_replica
def organization_export():
    stmt = services.organizations_query(user=current_user, **_org_filters())
    body = "".join(csvio.export_organizations(stmt))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=enti-{local_today():%Y%m%d}.csv"},
    )


@bp.route("/enti/nuovo", methods=["GET", "POST"])
@login_required
@permission_required("crm.write")
def organization_new():
    form = forms.OrganizationForm()
    if form.validate_on_submit():
        org = submit(form, services.create_organization, actor=current_user, **form_data(form, services.ORG_FIELDS))
        if org is not None:
            flash(_("Ente %(name)s registrato.", name=org.name), "success")
            return redirect(url_for("crm.organization_detail", organization_id=org.id))
    return render_template("crm/organization_form.html", form=form, org=None)


@bp.route("/enti/<int:organization_id>/modifica", methods=["GET", "POST"])
@login_required
@permission_required("crm.write")
def organization_edit(organization_id: int):
    org = services.load_organization(organization_id, current_user)
    form = forms.OrganizationForm(obj=org)
    if request.method == "GET":
        form.kind.data = org.kind.value
    if form.validate_on_submit():
        saved = submit(
            form,
            services.update_organization,
            organization_id=org.id,
            actor=current_user,
            **form_data(form, services.ORG_FIELDS),
        )
        if saved is not None:
            flash(_("Dati dell'ente aggiornati."), "success")
            return redirect(url_for("crm.organization_detail", organization_id=org.id))
    return render_template("crm/organization_form.html", form=form, org=org)


@bp.route("/enti/<int:organization_id>/membri", methods=["GET", "POST"])
@login_required
@permission_required("crm.write")
def union_members(organization_id: int):
    org = services.load_organization(organization_id, current_user)
    if not org.is_union:
        abort(404)
    form = forms.UnionMembersForm()
    form.member_ids.choices = [(i, n) for i, n in org_choices("comune") if i != org.id]
    if request.method == "GET":
        form.member_ids.data = [m.id for m in org.members]
    if form.validate_on_submit():
        saved = submit(
            form, services.set_union_members, union_id=org.id, member_ids=form.member_ids.data, actor=current_user
        )
        if saved is not None:
            flash(_("Comuni membri aggiornati."), "success")
            return redirect(url_for("crm.organization_detail", organization_id=org.id))
    return render_template("crm/union_members.html", form=form, org=org)


@bp.route("/enti/<int:organization_id>")
@login_required
@permission_required("crm.read")
def organization_detail(organization_id: int):
    """The 360° page: everything about one ente on one screen."""
    org = services.load_organization(organization_id, current_user)
    staff = is_staff(current_user)
    contacts = pages.contacts_of(org.id)
    agreements = pages.agreements_of(org.id)
    in_force = services.active_agreement(org.id)
    crm_panels.remember_page_rows(org.id, agreements=agreements, contacts=contacts)
    interactions = []
    interaction_form = None
    if staff:
        interactions = pages.recent_interactions(org.id, limit=20)
        interaction_form = forms.InteractionForm()
        interaction_form.contact_id.choices = [(0, _("— nessuno —"))] + [(c.id, c.name) for c in contacts]
    return render_template(
        "crm/organization_detail.html",
        org=org,
        contacts=contacts,
        agreements=agreements,
        in_force=in_force,
        interactions=interactions,
        interaction_form=interaction_form,
        contacts_by_id={c.id: c for c in contacts},
        org_panels=panels.org_panels(org.id, current_user),
        timeline=panels.org_timeline(org.id, current_user, limit=40),
        today=local_today(),
        staff=staff,
    )


@bp.route("/enti/<int:organization_id>/interazioni", methods=["POST"])
@login_required
@permission_required("crm.write")
def interaction_new(organization_id: int):
    org = services.load_organization(organization_id, current_user)
    form = forms.InteractionForm()
    form.contact_id.choices = [(0, "")] + [(c.id, c.name) for c in pages.contacts_of(org.id)]
    if form.validate_on_submit():
        occurred = None
        if form.occurred_at.data:
            tz = ZoneInfo(current_app.config["TIMEZONE"])
            occurred = form.occurred_at.data.replace(tzinfo=tz).astimezone(dt.UTC)
        item = submit(
            form,
            services.log_interaction,
            organization_id=org.id,
            kind=form.kind.data,
            contact_id=form.contact_id.data or None,
            occurred_at=occurred,
            subject=form.subject.data,
            body=form.body.data or "",
            actor=current_user,
        )
        if item is not None:
            flash(_("Interazione registrata."), "success")
    else:
        for field, messages in form.errors.items():
            flash(f"{getattr(form, field).label.text}: {' '.join(messages)}", "error")
    return redirect(url_for("crm.organization_detail", organization_id=org.id) + "#interazioni")


# --- contacts --------------------------------------------------------------------------------


def _contact_filters() -> dict[str, Any]:
    a = request.args
    return {
        "q": a.get("q") or None,
        "role": a.get("role") or None,
        "organization_id": a.get("organization_id", type=int),
    }


@bp.route("/contatti")
@login_required
@permission_required("crm.staff_read")
def contact_list():
    filters = _contact_filters()
    items, cursor = services.list_contacts(
        user=current_user, limit=PAGE_SIZE, cursor=request.args.get("cursor"), **filters
    )
    orgs = orgs_by_id(c.organization_id for c in items)
    return render_template(
        "crm/contact_list.html",
        contacts=items,
        orgs=orgs,
        filters=filters,
        roles=forms.ROLE_CHOICES,
        next_url=next_url(cursor),
    )


@bp.route("/contatti/esporta.csv")
@login_required
@permission_required("crm.staff_read")
@reads_replica
def contact_export():
    stmt = services.contacts_query(user=current_user, **_contact_filters())
    return Response(
        "".join(csvio.export_contacts(stmt)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=contatti-{local_today():%Y%m%d}.csv"},
    )


CONTACT_FORM_FIELDS = [
    "organization_id",
    "name",
    "role",
    "email",
    "phone",
    "fiscal_code",
    "portal_access",
    "only_own_requests",
    "sms_notifications",
    "consent",
    "active",
    "notes",
]


@bp.route("/contatti/nuovo", methods=["GET", "POST"])
@login_required
@permission_required("crm.write")
def contact_new():
    form = forms.ContactForm()
    org_picker(form.organization_id)
    if request.method == "GET" and request.args.get("organization_id", type=int):
        form.organization_id.data = request.args.get("organization_id", type=int)
    if form.validate_on_submit():
        contact = submit(form, services.create_contact, actor=current_user, **form_data(form, CONTACT_FORM_FIELDS))
        if contact is not None:
            flash(_("Contatto %(name)s registrato.", name=contact.name), "success")
            return redirect(url_for("crm.organization_detail", organization_id=contact.organization_id))
    return render_template("crm/contact_form.html", form=form, contact=None)


@bp.route("/contatti/<int:contact_id>/modifica", methods=["GET", "POST"])
@login_required
@permission_required("crm.write")
def contact_edit(contact_id: int):
    contact = services.load_contact(contact_id, current_user)
    form = forms.ContactForm(obj=contact)
    org_picker(form.organization_id)
    if request.method == "GET":
        form.role.data = contact.role.value
    if form.validate_on_submit():
        saved = submit(
            form,
            services.update_contact,
            contact_id=contact.id,
            actor=current_user,
            **form_data(form, CONTACT_FORM_FIELDS),
        )
        if saved is not None:
            flash(_("Contatto aggiornato."), "success")
            return redirect(url_for("crm.organization_detail", organization_id=saved.organization_id))
    return render_template("crm/contact_form.html", form=form, contact=contact)


# --- service catalog -------------------------------------------------------------------------


@bp.route("/servizi")
@login_required
@permission_required("crm.staff_read")
def service_list():
    items = pages.service_catalog()
    return render_template("crm/service_list.html", services=items)


@bp.route("/servizi/nuovo", methods=["GET", "POST"])
@login_required
@permission_required("crm.services.write")
def service_new():
    form = forms.ServiceForm()
    if form.validate_on_submit():
        service = submit(form, services.create_service, actor=current_user, **form_data(form, services.SERVICE_FIELDS))
        if service is not None:
            flash(_("Servizio %(name)s aggiunto al catalogo.", name=service.name), "success")
            return redirect(url_for("crm.service_list"))
    return render_template("crm/service_form.html", form=form, service=None)


@bp.route("/servizi/<int:service_id>/modifica", methods=["GET", "POST"])
@login_required
@permission_required("crm.services.write")
def service_edit(service_id: int):
    service = services.get_service(service_id)
    form = forms.ServiceForm(obj=service)
    if form.validate_on_submit():
        saved = submit(
            form,
            services.update_service,
            service_id=service.id,
            actor=current_user,
            **form_data(form, services.SERVICE_FIELDS),
        )
        if saved is not None:
            flash(_("Servizio aggiornato."), "success")
            return redirect(url_for("crm.service_list"))
    return render_template("crm/service_form.html", form=form, service=service)


# --- imports ---------------------------------------------------------------------------------


@bp.route("/importa", methods=["GET", "POST"])
@login_required
@permission_required("crm.write")
def import_page():
    comuni_form = forms.ImportComuniForm(prefix="comuni")
    csv_form = forms.CsvImportForm(prefix="csv")
    report = None
    if request.method == "POST" and "comuni-province" in request.form and comuni_form.validate_on_submit():
        counts = submit(comuni_form, registry.import_comuni, province=comuni_form.province.data, actor=current_user)
        if counts is not None:
            flash(
                _(
                    "Comuni della provincia %(p)s: %(c)d nuovi, %(u)d aggiornati, %(n)d invariati.",
                    p=comuni_form.province.data.upper(),
                    c=counts["created"],
                    u=counts["updated"],
                    n=counts["unchanged"],
                ),
                "success",
            )
            return redirect(url_for("crm.organization_list", province=comuni_form.province.data.upper()))
    elif request.method == "POST" and "csv-what" in request.form and csv_form.validate_on_submit():
        func = csvio.import_organizations if csv_form.what.data == "organizations" else csvio.import_contacts
        report = submit(
            csv_form, func, data=csv_form.file.data.read(), actor=current_user, dry_run=csv_form.dry_run.data
        )
    return render_template(
        "crm/import.html",
        comuni_form=comuni_form,
        csv_form=csv_form,
        report=report,
        org_columns=csvio.ORG_COLUMNS,
        contact_columns=csvio.CONTACT_COLUMNS,
    )


@bp.app_template_filter("org_kind")
def org_kind_label(value: Any) -> str:
    value = getattr(value, "value", value)
    return str(dict(forms.KIND_CHOICES).get(value, value))


@bp.app_template_filter("contact_role")
def contact_role_label(value: Any) -> str:
    value = getattr(value, "value", value)
    return str(dict(forms.ROLE_CHOICES).get(value, value))


@bp.app_template_filter("agreement_status")
def agreement_status_label(value: Any) -> str:
    value = getattr(value, "value", value)
    return str(dict(forms.STATUS_CHOICES).get(value, value))


@bp.app_template_filter("interaction_kind")
def interaction_kind_label(value: Any) -> str:
    value = getattr(value, "value", value)
    return str(dict(forms.INTERACTION_CHOICES).get(value, value))


__all__ = ["bp", "OrgKind"]


# --- typeahead lookups (session, for app/static/js/combobox.js; the API has /api/v1/lookup/…) ------


def _lookup_answer(items: list[dict[str, Any]]) -> Response:
    response = jsonify({"items": items})
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/cerca/enti.json")
@login_required
@permission_required("crm.read")
def lookup_organizations():
    """At most 20 enti whose name or code matches ``q`` (a referente: only its own)."""
    from app.api import parse_or_422
    from app.schemas import LookupArgs

    args = parse_or_422(LookupArgs(), request.args.to_dict())
    return _lookup_answer(services.lookup_organizations(user=current_user, q=args["q"]))


@bp.route("/cerca/contatti.json")
@login_required
@permission_required("crm.read")
def lookup_contacts():
    """At most 20 contacts whose name or email matches ``q``, of ``organization_id`` when given."""
    from app.api import parse_or_422
    from crm.api import ContactLookupArgs

    args = parse_or_422(ContactLookupArgs(), request.args.to_dict())
    items = services.lookup_contacts(user=current_user, q=args["q"], organization_id=args.get("organization_id"))
    return _lookup_answer(items)

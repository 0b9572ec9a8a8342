"""Web pages: the readable export (HTML, PDF, JSON), anonymization, retention settings, the privacy notice."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.auth.permissions import permission_required
from gdpr import retention, services
from gdpr.forms import RetentionForm

bp = Blueprint("gdpr", __name__)


def _download(document: dict, filename: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _pdf(html: str, filename: str) -> Response:
    from weasyprint import HTML

    response = Response(HTML(string=html, base_url=request.host_url).write_pdf(), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/privacy")
def privacy():
    """The privacy notice (art. 13 GDPR), public: every public form links here."""
    return render_template("gdpr/privacy.html", mail_from=current_app.config.get("MAIL_FROM"))


@bp.route("/gdpr/contatti/<int:contact_id>/esporta")
@login_required
@permission_required(services.PERM)
def contact_export(contact_id: int):
    document = services.export_contact(contact_id, actor=current_user)
    fmt = request.args.get("format", "html")
    if fmt == "json":
        return _download(document, f"contatto-{contact_id}.json")
    html = render_template("gdpr/export.html", doc=document, title=_("Dati personali del contatto"), button=EmptyForm())
    if fmt == "pdf":
        return _pdf(render_template("gdpr/export_print.html", doc=document), f"contatto-{contact_id}.pdf")
    return html


@bp.route("/gdpr/utenti/<int:user_id>/esporta")
@login_required
@permission_required(services.PERM)
def user_export(user_id: int):
    document = services.export_user(user_id, actor=current_user)
    fmt = request.args.get("format", "html")
    if fmt == "json":
        return _download(document, f"utente-{user_id}.json")
    if fmt == "pdf":
        return _pdf(render_template("gdpr/export_print.html", doc=document), f"utente-{user_id}.pdf")
    return render_template("gdpr/export.html", doc=document, title=_("Dati personali dell'utente"), button=EmptyForm())


@bp.route("/gdpr/contatti/<int:contact_id>/anonimizza", methods=["POST"])
@login_required
@permission_required(services.PERM)
def contact_anonymize(contact_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    services.anonymize_contact(contact_id, actor=current_user)
    flash(_("Contatto anonimizzato: richieste, documenti e cifre restano."), "success")
    return redirect(url_for("gdpr.contact_export", contact_id=contact_id))


@bp.route("/gdpr/conservazione", methods=["GET", "POST"])
@login_required
@permission_required(services.PERM)
def retention_settings():
    form = RetentionForm(data=retention.periods())
    if form.validate_on_submit():
        retention.set_periods(actor=current_user, values={k: getattr(form, k).data for k in retention.KINDS})
        flash(_("Periodi di conservazione salvati."), "success")
        return redirect(url_for("gdpr.retention_settings"))
    preview = retention.purge(dry_run=True) if request.args.get("anteprima") else None
    status = 422 if request.method == "POST" else 200
    return render_template(
        "gdpr/retention.html", form=form, kinds=retention.KINDS, preview=preview, default_days=retention.default_days()
    ), status

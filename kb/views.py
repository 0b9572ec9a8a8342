"""Knowledge-base pages: the public help center (/kb), the staff editor, deflection and ticket helpers.

Translation only: parse, check the permission, call one service, render. Domain errors are mapped
to pages once, in app.errors.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import can, permission_required
from kb import assist, drafts, llm, services
from kb import triage as triage_module
from kb.forms import ArticleForm, FeedbackForm
from kb.text import diff_lines

bp = Blueprint("kb", __name__)

BROWSER_COOKIE = "kb_browser"


def _service_choices() -> list[tuple[Any, str]]:
    from crm.services import list_services

    return [("", _("— nessuno —"))] + [(s.id, s.name) for s in list_services()]


def _service_names() -> dict[int, str]:
    from crm.services import list_services

    return {s.id: s.name for s in list_services(active_only=False)}


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) <= services.MAX_ID else None


# --- the public help center -----------------------------------------------------------------------


@bp.route("/kb")
def home():
    q = (request.args.get("q") or "").strip()[:300]
    service_id = _int_arg("servizio")
    if q:
        results = services.search_articles(current_user, q, service_id=service_id, published_only=True, limit=30)
        articles = [a for a, _score in results]
    else:
        articles, _cursor = services.list_articles(
            user=current_user, status="published", service_id=service_id, limit=200
        )
    return render_template(
        "kb/home.html", articles=articles, q=q, service_id=service_id, service_names=_service_names()
    )


@bp.route("/kb/<slug>")
def article(slug: str):
    item = services.article_by_slug(current_user, slug)
    services.record_view(item.id)
    response = render_template(
        "kb/article.html",
        article=item,
        canonical=services.public_url(item),
        translations=services.translations_of(item),
        attachments=services.attachments_of(item.id),
        service_names=_service_names(),
        form=FeedbackForm(),
        voted=request.args.get("grazie") == "1",
    )
    resp = make_response(response)
    if not request.cookies.get(BROWSER_COOKIE):
        resp.set_cookie(BROWSER_COOKIE, secrets.token_urlsafe(24), max_age=365 * 86400, httponly=True, samesite="Lax")
    return resp


@bp.route("/kb/<slug>/valuta", methods=["POST"])
def feedback(slug: str):
    form = FeedbackForm()
    if not form.validate_on_submit():
        abort(400)
    item = services.article_by_slug(current_user, slug)
    services.record_feedback(
        article_id=item.id,
        user=current_user,
        helpful=request.form.get("helpful") == "si",
        comment=form.comment.data or "",
        browser_id=request.cookies.get(BROWSER_COOKIE),
    )
    return redirect(url_for("kb.article", slug=item.slug, grazie=1) + "#feedback")


@bp.route("/kb/allegati/<int:attachment_id>")
def attachment(attachment_id: int):
    from app.storage import send_download

    row, key = services.attachment_for(current_user, attachment_id)
    return send_download(key, filename=row.filename, mimetype=row.content_type)


# --- deflection (the portal's and /assistenza's forms call these while the requester types) -------


@bp.route("/kb/suggerimenti")
def suggestions():
    q = (request.args.get("q") or "")[:1000]
    return jsonify({"items": services.suggest(current_user, q, limit=5)})


@bp.route("/kb/risolto", methods=["POST"])
def solved():
    data = request.get_json(silent=True) or request.form
    article_id = services.check_id(data.get("article_id"))
    services.record_deflection(
        article_id=article_id,
        user=current_user,
        source=str(data.get("source") or ""),
        query=str(data.get("query") or ""),
    )
    return jsonify({"deflected": True})


# --- staff: editor, versions, figures -------------------------------------------------------------


@bp.route("/kb/gestione")
@login_required
@permission_required("kb.staff")
def manage():
    status = request.args.get("stato") or None
    q = (request.args.get("q") or "").strip()[:300]
    articles, next_cursor = services.list_articles(
        user=current_user, q=q or None, status=status, limit=50, cursor=request.args.get("cursor")
    )
    next_url = url_for("kb.manage", **{**request.args.to_dict(), "cursor": next_cursor}) if next_cursor else None
    return render_template(
        "kb/manage.html",
        articles=articles,
        next_url=next_url,
        q=q,
        status=status,
        service_names=_service_names(),
        stats=services.deflection_stats(),
    )


def _form_values(form: ArticleForm) -> dict[str, Any]:
    return {
        "title": form.title.data,
        "summary": form.summary.data or "",
        "body": form.body.data or "",
        "service_id": form.service_id.data,
        "tags": form.tags.data or "",
        "status": form.status.data,
        "visibility": form.visibility.data,
        "language": form.language.data,
    }


@bp.route("/kb/gestione/nuovo", methods=["GET", "POST"])
@login_required
@permission_required("kb.write")
def new():
    form = ArticleForm()
    form.service_id.choices = _service_choices()
    original_id = _int_arg("traduzione_di")
    if request.method == "GET" and original_id:
        original = services.visible_article(current_user, original_id)
        form.service_id.data = original.service_id
        form.language.data = "en" if original.language.value == "it" else "it"
    if form.validate_on_submit():
        item = services.create_article(actor=current_user, translation_of_id=original_id, **_form_values(form))
        flash(_("Articolo creato."), "success")
        return redirect(url_for("kb.edit", article_id=item.id))
    return render_template("kb/edit.html", form=form, article=None, original_id=original_id)


@bp.route("/kb/gestione/<int:article_id>", methods=["GET", "POST"])
@login_required
@permission_required("kb.staff")
def edit(article_id: int):
    item = services.visible_article(current_user, article_id)
    form = ArticleForm(obj=None if request.method == "POST" else item)
    form.service_id.choices = _service_choices()
    if request.method == "GET":
        form.tags.data = ", ".join(item.tags or [])
        form.status.data, form.visibility.data = item.status.value, item.visibility.value
        form.language.data = item.language.value
    if form.validate_on_submit():
        if not can(current_user, "kb.write"):
            abort(403)
        services.update_article(article_id=item.id, actor=current_user, note=form.note.data or "", **_form_values(form))
        flash(_("Articolo salvato."), "success")
        return redirect(url_for("kb.edit", article_id=item.id))
    return render_template(
        "kb/edit.html",
        form=form,
        article=item,
        original_id=None,
        versions=services.list_versions(article_id=item.id, user=current_user),
        translations=services.translations_of(item),
        attachments=services.attachments_of(item.id),
        comments=services.feedback_comments(item.id),
    )


@bp.route("/kb/gestione/<int:article_id>/allegati", methods=["POST"])
@login_required
@permission_required("kb.write")
def upload(article_id: int):
    upload_file = request.files.get("file")
    services.add_attachment(
        article_id=article_id,
        filename=(upload_file.filename or "") if upload_file else "",
        data=upload_file.read() if upload_file else b"",
        content_type=upload_file.mimetype if upload_file else None,
        actor=current_user,
    )
    flash(_("Allegato caricato."), "success")
    return redirect(url_for("kb.edit", article_id=article_id))


@bp.route("/kb/gestione/<int:article_id>/versioni/<int:version>")
@login_required
@permission_required("kb.staff")
def version(article_id: int, version: int):
    item = services.visible_article(current_user, article_id)
    current, previous = services.get_version(article_id=item.id, version=version, user=current_user)
    lines = diff_lines(services.version_text(previous), services.version_text(current))
    return render_template("kb/version.html", article=item, current=current, previous=previous, lines=lines)


@bp.route("/kb/statistiche")
@login_required
@permission_required("kb.staff")
def stats():
    return render_template("kb/stats.html", stats=services.deflection_stats(), model=assist.latest_version())


# --- from the ticket page -------------------------------------------------------------------------


@bp.route("/ticket/<int:ticket_id>/kb/articolo", methods=["POST"])
@login_required
@permission_required("kb.write")
def ticket_to_article(ticket_id: int):
    item = drafts.draft_from_ticket(ticket_id=ticket_id, actor=current_user)
    flash(_("Bozza di articolo creata dal ticket: controllala prima di pubblicarla."), "success")
    return redirect(url_for("kb.edit", article_id=item.id))


@bp.route("/ticket/<int:ticket_id>/kb/applica", methods=["POST"])
@login_required
@permission_required("kb.assist")
def apply(ticket_id: int):
    service_id = request.form.get("service_id", "")
    triage_module.apply_suggestion(
        ticket_id=ticket_id,
        actor=current_user,
        service_id=services.check_id(service_id, "servizio non trovato") if service_id else None,
        priority=request.form.get("priority") or None,
    )
    flash(_("Suggerimento applicato."), "success")
    if request.form.get("ritorno") == "smistamento":
        return redirect(url_for("kb.triage"))
    return redirect(url_for("tickets.detail", ticket_id=ticket_id))


@bp.route("/kb/smistamento")
@login_required
@permission_required("kb.assist")
def triage():
    rows, next_cursor = triage_module.triage_queue(user=current_user, cursor=request.args.get("cursor"))
    next_url = url_for("kb.triage", cursor=next_cursor) if next_cursor else None
    return render_template("kb/triage.html", rows=rows, next_url=next_url, service_names=_service_names())


@bp.route("/ticket/<int:ticket_id>/kb/collega", methods=["POST"])
@login_required
@permission_required("kb.write")
def link(ticket_id: int):
    services.link_article(
        ticket_id=ticket_id, article_id=services.check_id(request.form.get("article_id")), actor=current_user
    )
    flash(_("Articolo collegato al ticket."), "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket_id))


@bp.route("/ticket/<int:ticket_id>/kb/<any(riassunto, bozza):kind>", methods=["POST"])
@login_required
@permission_required("kb.assist")
def language_model(ticket_id: int, kind: str):
    if kind == "riassunto":
        return jsonify({"text": llm.summarize_ticket(ticket_id=ticket_id, user=current_user)})
    return jsonify(llm.draft_reply(ticket_id=ticket_id, user=current_user))


def ticket_panel(ticket: Any) -> dict[str, Any] | None:
    """For the ticket page's include (kb/_ticket_panel.html): None for those who may not see it."""
    if ticket is None or not can(current_user, "kb.assist"):
        return None
    data = triage_module.ticket_suggestions(ticket_id=ticket.id, user=current_user)
    data["llm"] = llm.enabled()
    return data

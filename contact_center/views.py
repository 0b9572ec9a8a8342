"""Web pages of the contact center: the triage inbox, admin of mailboxes/rules/quarantine, the public
request form and the endpoint an MTA pipes mail into. Views only translate: parse, check, call one
service, render."""

from __future__ import annotations

import hmac
from typing import Any

from flask import (
    Blueprint,
    Flask,
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

from app.auth.forms import EmptyForm
from app.auth.permissions import permission_required
from app.errors import Invalid, NotFound, Unauthorized
from app.extensions import csrf
from app.routing import safe_redirect_target
from app.storage import send_download
from app.uploads import register_oversize_form
from contact_center import intake, services, sources
from contact_center.forms import (
    NONE_CHOICE,
    AssignForm,
    AttachForm,
    BulkForm,
    MailboxForm,
    RuleForm,
    TicketFromItemForm,
    WebRequestForm,
)
from contact_center.models import InboundChannel, InboundItem, InboundStatus, RawSource
from contact_center.web import page_or_400

bp = Blueprint("contact_center", __name__, static_folder="static", static_url_path="/contact-center/static")

PAGE_SIZE = 50


def _status_labels() -> dict[str, str]:
    return {
        "new": _("Da smistare"),
        "ticketed": _("Richiesta aperta"),
        "attached": _("Aggiunto a richiesta"),
        "spam": _("Spam"),
        "ignored": _("Automatico (ignorato)"),
        "quarantined": _("In quarantena"),
    }


def _channel_labels() -> dict[str, str]:
    return {"email": _("Email"), "pec": _("PEC"), "web": _("Modulo web"), "phone": _("Telefono"), "sms": _("SMS")}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"cc_status_labels": _status_labels, "cc_channel_labels": _channel_labels}


# --- triage inbox ---------------------------------------------------------------------------------


@bp.route("/inbound")
@login_required
@permission_required("contact_center.triage")
def inbox():
    args = request.args
    filters = {
        "status": args.get("status") or "new",
        "channel": args.get("channel") or None,
        "mailbox_id": args.get("mailbox_id", type=int),
        "claimed": args.get("claimed") or None,
        "q": (args.get("q") or "").strip() or None,
    }
    stmt = services.inbox_query(**filters, user_id=current_user.id)
    items, next_cursor = page_or_400(stmt, [InboundItem.id], limit=PAGE_SIZE, cursor=args.get("cursor"))
    org_names = sources.organization_names({i.organization_id for i in items if i.organization_id})
    next_url = (
        url_for("contact_center.inbox", **{k: v for k, v in args.items() if k != "cursor"}, cursor=next_cursor)
        if next_cursor
        else None
    )
    return render_template(
        "contact_center/inbox.html",
        items=items,
        org_names=org_names,
        filters=filters,
        counts=services.inbox_counts(),
        mailboxes=services.list_mailboxes(),
        next_url=next_url,
        bulk_form=BulkForm(),
        channels=[c.value for c in InboundChannel],
        statuses=[s.value for s in InboundStatus],
    )


def _ticket_form(item: InboundItem) -> TicketFromItemForm:
    form = TicketFromItemForm(prefix="t")
    form.organization_id.choices = [(0, _("— scegli —")), *sources.organization_choices()]
    form.service_id.choices = [NONE_CHOICE, *sources.service_choices()]
    form.team_id.choices = [NONE_CHOICE, *sources.team_choices()]
    if request.method == "GET":
        form.organization_id.data = item.organization_id or 0
        form.service_id.data = item.service_id or 0
        form.team_id.data = item.team_id or 0
        form.priority.data = item.priority or "normal"
        form.subject.data = item.subject
    return form


def _assign_form() -> AssignForm:
    form = AssignForm(prefix="a")
    form.organization_id.choices = [(0, _("— scegli —")), *sources.organization_choices()]
    return form


def _render_item(item: InboundItem, status: int = 200, **forms: Any):
    ticket = sources.get_ticket(item.ticket_id) if item.ticket_id else None
    return (
        render_template(
            "contact_center/item.html",
            item=item,
            ticket=ticket,
            org_name=sources.organization_name(item.organization_id),
            ticket_form=forms.get("ticket_form") or _ticket_form(item),
            attach_form=forms.get("attach_form") or AttachForm(prefix="x"),
            assign_form=forms.get("assign_form") or _assign_form(),
            form=EmptyForm(),
            open=item.status in (InboundStatus.NEW, InboundStatus.QUARANTINED),
        ),
        status,
    )


@bp.route("/inbound/<int:item_id>")
@login_required
@permission_required("contact_center.triage")
def item_detail(item_id: int):
    return _render_item(intake.get_item(item_id))


@bp.route("/inbound/<int:item_id>/ticket", methods=["POST"])
@login_required
@permission_required("contact_center.triage")
def item_ticket(item_id: int):
    item = intake.get_item(item_id)
    form = _ticket_form(item)
    if not form.validate_on_submit():
        return _render_item(item, 422, ticket_form=form)
    ticket = intake.create_ticket_from_inbound(
        item_id=item_id,
        actor=current_user,
        organization_id=form.organization_id.data or None,
        service_id=form.service_id.data or None,
        team_id=form.team_id.data or None,
        priority=form.priority.data,
        subject=form.subject.data or None,
    )
    flash(_("Creata la richiesta %(number)s.", number=ticket.number), "success")
    return redirect(url_for("contact_center.inbox"))


@bp.route("/inbound/<int:item_id>/attach", methods=["POST"])
@login_required
@permission_required("contact_center.triage")
def item_attach(item_id: int):
    item = intake.get_item(item_id)
    form = AttachForm(prefix="x")
    if not form.validate_on_submit():
        return _render_item(item, 422, attach_form=form)
    ticket = sources.find_ticket(form.ticket.data)
    if ticket is None:
        form.ticket.errors = [_("Nessuna richiesta con questo numero.")]
        return _render_item(item, 422, attach_form=form)
    message = intake.attach_inbound_to_ticket(item_id=item_id, ticket_id=ticket.id, actor=current_user)
    landed = sources.get_ticket(message.ticket_id)
    flash(_("Aggiunto alla richiesta %(number)s.", number=landed.number), "success")
    return redirect(url_for("contact_center.inbox"))


@bp.route("/inbound/<int:item_id>/assign", methods=["POST"])
@login_required
@permission_required("contact_center.triage")
def item_assign(item_id: int):
    item = intake.get_item(item_id)
    form = _assign_form()
    if not form.validate_on_submit():
        return _render_item(item, 422, assign_form=form)
    intake.assign_contact(
        item_id=item_id, organization_id=form.organization_id.data, contact_id=form.contact_id.data, actor=current_user
    )
    flash(_("Mittente assegnato: il messaggio è tornato da smistare."), "success")
    return redirect(url_for("contact_center.item_detail", item_id=item_id))


def _simple_action(item_id: int, func, message: str, **kw: Any):
    EmptyForm().validate_on_submit() or abort(400)
    func(item_id=item_id, actor=current_user, **kw)
    flash(message, "success")
    target = safe_redirect_target(request.form.get("next")) or ""
    return redirect(target if target.startswith("/inbound") else url_for("contact_center.inbox"))


@bp.route("/inbound/<int:item_id>/riprova", methods=["POST"])
@login_required
@permission_required("contact_center.triage")
def item_retry(item_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    item = intake.retry(item_id=item_id, actor=current_user)
    if item.status == InboundStatus.QUARANTINED:
        flash(_("L'elaborazione non è riuscita di nuovo: resta in quarantena."), "error")
    else:
        flash(_("Elaborato."), "success")
    return redirect(url_for("contact_center.item_detail", item_id=item_id))


@bp.route("/inbound/<int:item_id>/spam", methods=["POST"])
@login_required
@permission_required("contact_center.triage")
def item_spam(item_id: int):
    return _simple_action(item_id, intake.mark_spam, _("Segnato come spam."))


@bp.route("/inbound/<int:item_id>/claim", methods=["POST"])
@login_required
@permission_required("contact_center.triage")
def item_claim(item_id: int):
    release = request.form.get("release") == "1"
    return _simple_action(
        item_id, intake.claim, _("Rilasciato.") if release else _("Preso in carico."), release=release
    )


@bp.route("/inbound/bulk", methods=["POST"])
@login_required
@permission_required("contact_center.triage")
def inbox_bulk():
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    ids = request.form.getlist("ids", type=int)
    if not ids:
        flash(_("Nessun elemento selezionato."), "warning")
        return redirect(url_for("contact_center.inbox"))
    result = intake.bulk(item_ids=ids, action=form.action.data, actor=current_user)
    flash(_("Fatto su %(done)d elementi, %(skipped)d saltati.", **result), "success")
    return redirect(url_for("contact_center.inbox"))


@bp.route("/inbound/<int:item_id>/allegati/<sha>")
@login_required
@permission_required("contact_center.triage")
def item_attachment(item_id: int, sha: str):
    from tickets.services import attachment_key

    item = intake.get_item(item_id)
    files = list((item.meta or {}).get("attachments") or []) + list((item.meta or {}).get("evidence") or [])
    att = next((a for a in files if a.get("sha256") == sha), None)
    if att is None:
        raise NotFound(_("Allegato non trovato."))
    return send_download(attachment_key(sha), filename=att.get("filename") or "allegato")


# --- admin: mailboxes, rules, quarantine -------------------------------------------------------------


def _fill_mailbox_choices(form: MailboxForm) -> None:
    form.default_service_id.choices = [NONE_CHOICE, *sources.service_choices()]
    form.default_team_id.choices = [NONE_CHOICE, *sources.team_choices()]


@bp.route("/contact-center/caselle")
@login_required
@permission_required("contact_center.admin")
def mailboxes():
    return render_template("contact_center/mailboxes.html", mailboxes=services.list_mailboxes(), form=EmptyForm())


@bp.route("/contact-center/caselle/nuova", methods=["GET", "POST"])
@bp.route("/contact-center/caselle/<int:mailbox_id>", methods=["GET", "POST"])
@login_required
@permission_required("contact_center.admin")
def mailbox_edit(mailbox_id: int | None = None):
    mailbox = services.get_mailbox(mailbox_id) if mailbox_id else None
    form = MailboxForm(obj=mailbox)
    _fill_mailbox_choices(form)
    if request.method == "GET" and mailbox is not None:
        form.default_service_id.data = mailbox.default_service_id or 0
        form.default_team_id.data = mailbox.default_team_id or 0
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k not in ("csrf_token",)}
        saved = services.save_mailbox(data=data, mailbox_id=mailbox_id, actor=current_user)
        flash(_("Casella «%(name)s» salvata.", name=saved.name), "success")
        return redirect(url_for("contact_center.mailboxes"))
    status = 422 if request.method == "POST" else 200
    return render_template("contact_center/mailbox_form.html", form=form, mailbox=mailbox), status


@bp.route("/contact-center/caselle/<int:mailbox_id>/leggi", methods=["POST"])
@login_required
@permission_required("contact_center.admin")
def mailbox_poll(mailbox_id: int):
    from contact_center.channels.imap import poll_mailbox

    EmptyForm().validate_on_submit() or abort(400)
    services.get_mailbox(mailbox_id)
    result = poll_mailbox(mailbox_id)
    if result["error"]:
        flash(_("Lettura non riuscita: %(error)s", error=result["error"]), "error")
    else:
        flash(_("Letti %(fetched)d messaggi, %(new)d nuovi.", fetched=result["fetched"], new=result["new"]), "success")
    return redirect(url_for("contact_center.mailboxes"))


def _fill_rule_choices(form: RuleForm) -> None:
    form.mailbox_id.choices = [NONE_CHOICE, *[(m.id, m.name) for m in services.list_mailboxes()]]
    form.organization_id.choices = [NONE_CHOICE, *sources.organization_choices()]
    form.service_id.choices = [NONE_CHOICE, *sources.service_choices()]
    form.team_id.choices = [NONE_CHOICE, *sources.team_choices()]


@bp.route("/contact-center/regole")
@login_required
@permission_required("contact_center.admin")
def rules():
    rules = services.list_rules()
    names = sources.organization_names({r.organization_id for r in rules if r.organization_id})
    return render_template("contact_center/rules.html", rules=rules, org_names=names, form=EmptyForm())


@bp.route("/contact-center/regole/nuova", methods=["GET", "POST"])
@bp.route("/contact-center/regole/<int:rule_id>", methods=["GET", "POST"])
@login_required
@permission_required("contact_center.admin")
def rule_edit(rule_id: int | None = None):
    rule = services.get_rule(rule_id) if rule_id else None
    form = RuleForm(obj=rule)
    _fill_rule_choices(form)
    if request.method == "GET" and rule is not None:
        for key in ("mailbox_id", "organization_id", "service_id", "team_id"):
            getattr(form, key).data = getattr(rule, key) or 0
        form.priority.data = rule.priority or ""
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        problems = services.rule_problems(data)
        if not problems:
            services.save_rule(data=data, rule_id=rule_id, actor=current_user)
            flash(_("Regola salvata."), "success")
            return redirect(url_for("contact_center.rules"))
        for name, errors in problems.items():
            if hasattr(form, name):
                getattr(form, name).errors = list(errors)
    status = 422 if request.method == "POST" else 200
    return render_template("contact_center/rule_form.html", form=form, rule=rule), status


@bp.route("/contact-center/regole/<int:rule_id>/elimina", methods=["POST"])
@login_required
@permission_required("contact_center.admin")
def rule_delete(rule_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    services.delete_rule(rule_id=rule_id, actor=current_user)
    flash(_("Regola eliminata."), "success")
    return redirect(url_for("contact_center.rules"))


@bp.route("/contact-center/quarantena")
@login_required
@permission_required("contact_center.admin")
def quarantine():
    return render_template(
        "contact_center/quarantine.html",
        raws=services.failed_raw_messages(),
        items=intake.quarantined_items(),
        suppressed=services.suppressed_addresses(),
        form=EmptyForm(),
    )


@bp.route("/contact-center/quarantena/indirizzi/<int:suppression_id>/riattiva", methods=["POST"])
@login_required
@permission_required("contact_center.admin")
def unsuppress_address(suppression_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    address = services.reactivate_address(suppression_id=suppression_id, actor=current_user)
    flash(_("Indirizzo %(address)s riattivato: riceverà di nuovo le nostre email.", address=address), "success")
    return redirect(url_for("contact_center.quarantine"))


@bp.route("/contact-center/ricevute-pec")
@login_required
@permission_required("contact_center.triage")
def pec_receipts():
    return render_template(
        "contact_center/receipts.html", rows=services.recent_receipts(ticket_id=request.args.get("ticket_id", type=int))
    )


@bp.route("/contact-center/quarantena/<int:raw_id>/riprocessa", methods=["POST"])
@login_required
@permission_required("contact_center.admin")
def quarantine_reprocess(raw_id: int):
    from contact_center.mailflow import reprocess

    EmptyForm().validate_on_submit() or abort(400)
    item = reprocess(raw_id=raw_id, actor=current_user)
    if item is None:
        flash(_("L'elaborazione non è riuscita di nuovo: il messaggio resta in quarantena."), "error")
    else:
        flash(_("Messaggio elaborato."), "success")
    return redirect(url_for("contact_center.quarantine"))


@bp.route("/contact-center/messaggi/<int:raw_id>.eml")
@login_required
@permission_required("contact_center.admin")
def raw_download(raw_id: int):
    row = services.get_raw(raw_id)
    return Response(
        row.raw,
        mimetype="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="messaggio-{row.id}.eml"'},
    )


# --- inbound mail from an MTA (shared/CONTRACT.md) ----------------------------------------------------


@bp.route("/contact-center/email/inbound", methods=["POST"])
@csrf.exempt
def email_inbound():
    token = current_app.config.get("INBOUND_TOKEN")
    if not token:
        raise NotFound(_("Endpoint non attivo."))
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Unauthorized(_("Token non valido."))
    raw = request.get_data(cache=False)
    if not raw or not raw.strip():
        raise Invalid(_("Messaggio vuoto."), {"body": [_("Serve un messaggio RFC 822 nel corpo della richiesta.")]})
    from contact_center.mailflow import schedule_processing, store_raw

    row, created = store_raw(raw, source=RawSource.PIPE)
    if row.status.value == "pending":
        schedule_processing()
    return jsonify({"id": row.id, "duplicate": not created, "status": row.status.value}), 202


# --- the public form ---------------------------------------------------------------------------------


def _client_ip() -> str:
    return (request.remote_addr or "unknown")[:64]


def _web_request_form() -> WebRequestForm:
    form = WebRequestForm()
    form.organization_id.choices = [(0, _("— scegli il tuo ente —")), *sources.organization_choices()]
    form.service_id.choices = [(0, _("— non so / altro —")), *sources.service_choices()]
    return form


def _render_public_form(form: WebRequestForm, status: int = 200) -> Any:
    from contact_center import webform

    return render_template("contact_center/public_form.html", form=form, upload_limit=webform.upload_limits()), status


def _public_form_too_large() -> Any:
    """Files over the request limit: the form again with what was typed and the limits stated."""
    from contact_center import webform

    form = _web_request_form()
    form.validate()
    limits = webform.upload_limits()
    form.attachments.errors = [
        _(
            "I file superano il limite di %(mb)s MB in tutto e non sono stati caricati: il testo è stato "
            "conservato, scegli file più piccoli (massimo %(file)s MB ciascuno).",
            mb=limits["total_mb"],
            file=limits["file_mb"],
        )
    ]
    return _render_public_form(form, 413)


register_oversize_form("contact_center.public_form", _public_form_too_large)


@bp.route("/assistenza", methods=["GET", "POST"])
def public_form():
    from contact_center import webform

    form = _web_request_form()
    if request.method == "GET":
        form.nonce.data = webform.new_nonce()
        return _render_public_form(form)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400, description="CSRF token missing or invalid")
        return _render_public_form(form, 422)
    item = webform.submit(
        client_ip=_client_ip(),
        organization_id=form.organization_id.data,
        name=form.name.data.strip(),
        email=form.email.data.strip().lower(),
        phone=(form.phone.data or "").strip() or None,
        service_id=form.service_id.data or None,
        subject=form.subject.data.strip(),
        description=form.description.data,
        files=[f for f in (form.attachments.data or []) if getattr(f, "filename", "")],
        nonce=form.nonce.data or "",
        honeypot=bool((form.website.data or "").strip()),
    )
    ticket = sources.get_ticket(item.ticket_id) if item is not None and item.ticket_id else None
    return render_template("contact_center/public_thanks.html", ticket=ticket, email=form.email.data)


def init_views(app: Flask) -> None:
    app.register_blueprint(bp)

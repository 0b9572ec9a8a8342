"""The operator's ticket page and what it posts: reply, status, assignment, properties, merge, link, files."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import can, permission_required
from app.errors import Invalid
from app.flashing import flashes_errors
from app.storage import send_download
from tickets import services
from tickets.forms import (
    ApplyMacroForm,
    AssignForm,
    NumberForm,
    PropertiesForm,
    ReplyForm,
    StatusForm,
)
from tickets.models import TicketStatus
from tickets.views.helpers import (
    _back,
    _by_number,
    _files,
    _operator_choices,
    _service_choices,
    _sla_fields,
    _team_choices,
    _timeline,
    bp,
)
from tickets.views.labels import status_label
from tickets.views.workspace import workspace_form


@bp.route("/ticket/<int:ticket_id>")
@login_required
@permission_required("tickets.work")
def detail(ticket_id: int):
    """The operator's ticket page. Each list is read once and serves every panel that needs it (the
    operator list names the assignee and the status changes' actors, the status history feeds the
    timeline and the SLA clock): a page of a long ticket stays at a fixed number of statements."""
    ticket = services.ticket_for(current_user, ticket_id)
    page = services.ticket_page(ticket)
    operators, teams, service_list = page["operators"], page["teams"], page["services"]
    users, tags, history = page["users"], page["tags"], page["history"]

    reply_form = ReplyForm()
    canned = services.list_canned()
    reply_form.canned_id.choices = [("", _("— nessuna —"))] + [(c.id, c.title) for c in canned]
    values = services.placeholders(ticket, current_user) if canned else {}
    canned_texts = {c.id: services.fill_canned(c, values) for c in canned}
    status_form = StatusForm()
    allowed = services.allowed_transitions(ticket)
    status_form.status.choices = [(s.value, status_label(s)) for s in allowed]
    assign_form = AssignForm(assignee_id=ticket.assignee_id, team_id=ticket.team_id)
    assign_form.assignee_id.choices = [("", _("— nessuno —"))] + [(u.id, u.display_name) for u in operators]
    assign_form.team_id.choices = [("", _("— nessuno —"))] + [(t.id, t.name) for t in teams]
    props_form = PropertiesForm(priority=ticket.priority.value, service_id=ticket.service_id, tags=", ".join(tags))
    props_form.service_id.choices = [("", _("— non indicato —"))] + [(s.id, s.name) for s in service_list]
    requesters = []
    if ticket.organization_id:
        from crm.services import list_contacts

        requesters = list_contacts(organization_id=ticket.organization_id, limit=200)[0]
    timeline = _timeline(ticket, staff=True, history=history, actors=users)
    return render_template(
        "tickets/detail.html",
        ticket=ticket,
        timeline=timeline,
        status_history=history,
        org=page["org"],
        contact=page["contact"],
        service=page["service"],
        names={"user": users, "team": page["team_names"]},
        tags=tags,
        ccs=page["ccs"],
        linked=page["linked"],
        merged_into=page["merged_into"],
        follow_up_of=page["follow_up_of"],
        merged_here=page["merged_here"],
        reply_form=reply_form,
        canned_texts=canned_texts,
        status_form=status_form,
        assign_form=assign_form,
        props_form=props_form,
        merge_form=NumberForm(prefix="merge"),
        link_form=NumberForm(prefix="link"),
        sla_fields=_sla_fields(ticket),
        panel_form=workspace_form(ticket, tags),
        requesters=requesters,
        macro_form=_macro_form(),
        last_message_id=max((e["message"].id for e in timeline if e["kind"] == "message"), default=0),
    )


def _macro_form() -> ApplyMacroForm | None:
    """The ticket page's "apply a macro" control; none when no macro is active."""
    macros = services.list_macros()
    if not macros:
        return None
    form = ApplyMacroForm(prefix="macro")
    form.macro_id.choices = [(m.id, m.name) for m in macros]
    return form


def _to_ticket(ticket_id: int, **_: object) -> str:
    return url_for("tickets.detail", ticket_id=ticket_id)


@bp.route("/ticket/<int:ticket_id>/risposta", methods=["POST"])
@login_required
@permission_required("tickets.work")
@flashes_errors(_to_ticket)
def reply(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = ReplyForm()
    canned = services.list_canned()
    form.canned_id.choices = [("", "")] + [(c.id, c.title) for c in canned]
    if not form.validate_on_submit():
        flash(_("Il messaggio non è valido."), "error")
        return _back(ticket.id)
    body = (form.body.data or "").strip()
    if not body and form.canned_id.data:
        chosen = next((c for c in canned if c.id == form.canned_id.data), None)
        body = services.render_canned(chosen, ticket, current_user) if chosen else ""
    message = services.reply(
        ticket_id=ticket.id,
        body=body,
        internal=bool(form.internal.data),
        status=form.status.data or None,
        files=_files(),
        actor=current_user,
    )
    flash(_("Nota interna aggiunta.") if message.internal else _("Risposta inviata."), "success")
    return _back(message.ticket_id)


@bp.route("/ticket/<int:ticket_id>/macro", methods=["POST"])
@login_required
@permission_required("tickets.work")
@flashes_errors(_to_ticket)
def apply_macro(ticket_id: int):
    """Apply the chosen macro to this ticket: every action or none."""
    form = ApplyMacroForm(prefix="macro")
    form.macro_id.choices = [(m.id, m.name) for m in services.list_macros()]
    if not form.validate_on_submit():
        raise Invalid(_("Scegli una macro."), {"macro_id": [_("obbligatorio")]})
    done = services.apply_macro(macro_id=form.macro_id.data, ticket_id=ticket_id, actor=current_user)
    if done["changed"] or done["message_id"]:
        flash(_("Macro applicata."), "success")
    else:
        flash(_("Macro applicata: il ticket era già così."), "info")
    return _back(ticket_id)


@bp.route("/ticket/<int:ticket_id>/stato", methods=["POST"])
@login_required
@permission_required("tickets.work")
@flashes_errors(_to_ticket)
def set_status(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = StatusForm()
    form.status.choices = [(s.value, s.value) for s in TicketStatus]
    if not form.validate_on_submit():
        abort(400)
    services.change_status(ticket_id=ticket.id, status=form.status.data, actor=current_user)
    flash(_("Stato aggiornato: %(status)s.", status=status_label(form.status.data)), "success")
    return _back(ticket.id)


@bp.route("/ticket/<int:ticket_id>/assegna", methods=["POST"])
@login_required
@permission_required("tickets.work")
@flashes_errors(_to_ticket)
def assign(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = AssignForm()
    form.assignee_id.choices = _operator_choices()
    form.team_id.choices = _team_choices()
    if not form.validate_on_submit():
        abort(400)
    services.assign(
        ticket_id=ticket.id, assignee_id=form.assignee_id.data, team_id=form.team_id.data, actor=current_user
    )
    flash(_("Assegnazione aggiornata."), "success")
    return _back(ticket.id)


@bp.route("/ticket/<int:ticket_id>/prendi", methods=["POST"])
@login_required
@permission_required("tickets.work")
@flashes_errors(_to_ticket)
def take(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    services.assign(ticket_id=ticket.id, assignee_id=current_user.id, actor=current_user)
    flash(_("Ora il ticket è assegnato a te."), "success")
    return _back(ticket.id)


@bp.route("/ticket/<int:ticket_id>/proprieta", methods=["POST"])
@login_required
@permission_required("tickets.work")
@flashes_errors(_to_ticket)
def properties(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = PropertiesForm()
    form.service_id.choices = _service_choices()
    if not form.validate_on_submit():
        abort(400)
    services.update_ticket(
        ticket_id=ticket.id,
        priority=form.priority.data,
        service_id=form.service_id.data,
        tags=form.tags.data,
        actor=current_user,
    )
    flash(_("Ticket aggiornato."), "success")
    return _back(ticket.id)


@bp.route("/ticket/<int:ticket_id>/unisci", methods=["POST"])
@login_required
@permission_required("tickets.work")
@flashes_errors(_to_ticket)
def merge(ticket_id: int):
    """Merge this ticket (the duplicate) into the one whose number is given."""
    ticket = services.ticket_for(current_user, ticket_id)
    form = NumberForm(prefix="merge")
    if not form.validate_on_submit():
        abort(400)
    target = _by_number(form.number.data)
    services.merge_tickets(source_id=ticket.id, target_id=target.id, actor=current_user)
    flash(_("Ticket %(a)s unito a %(b)s.", a=ticket.number, b=target.number), "success")
    return _back(target.id)


@bp.route("/ticket/<int:ticket_id>/collega", methods=["POST"])
@login_required
@permission_required("tickets.work")
@flashes_errors(_to_ticket)
def link(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = NumberForm(prefix="link")
    if not form.validate_on_submit():
        abort(400)
    other = _by_number(form.number.data)
    services.link_tickets(ticket_id=ticket.id, other_id=other.id, actor=current_user)
    flash(_("Ticket collegato."), "success")
    return _back(ticket.id)


def _after_upload(ticket_id: int, **_: object) -> str:
    if can(current_user, "tickets.work"):
        return url_for("tickets.detail", ticket_id=ticket_id)
    return url_for("tickets.portal_detail", ticket_id=ticket_id)


@bp.route("/ticket/<int:ticket_id>/allegati", methods=["POST"])
@login_required
@permission_required("tickets.reply")
@flashes_errors(_after_upload)
def attach(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    files = _files()
    if not files:
        raise Invalid(_("Scegli un file."), {"file": [_("obbligatorio")]})
    for name, data, ctype in files:
        services.upload_attachment(
            ticket_id=ticket.id, filename=name, data=data, content_type=ctype, actor=current_user
        )
    flash(_("Allegato caricato."), "success")
    return redirect(_after_upload(ticket.id))


SAFE_INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain", "text/csv"}


@bp.route("/ticket/allegati/<int:attachment_id>")
@login_required
@permission_required("tickets.read")
def download(attachment_id: int):
    att = services.attachment_for(current_user, attachment_id)
    mimetype = att.content_type if att.content_type in SAFE_INLINE_TYPES else "application/octet-stream"
    response = send_download(services.attachment_key(att.sha256), filename=att.filename, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

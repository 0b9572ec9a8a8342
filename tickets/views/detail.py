"""The operator's ticket page and what it posts: reply, status, assignment, properties, merge, link, files."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import can, permission_required
from app.errors import DomainError, Invalid
from app.extensions import db
from app.storage import send_download
from tickets import services
from tickets.forms import (
    AssignForm,
    NumberForm,
    PropertiesForm,
    ReplyForm,
    StatusForm,
)
from tickets.models import Team, Ticket, TicketStatus
from tickets.views.helpers import (
    _back,
    _by_number,
    _files,
    _flash_error,
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
    from app.auth.models import User
    from crm.models import Contact, Organization, Service
    from crm.services import list_services

    operators = services.list_operators()
    teams = services.list_teams()
    service_list = list_services()
    users = {u.id: u.display_name for u in operators}
    team_names = {t.id: t.name for t in teams}
    # An inactive assignee or team is not among the choices but is still named.
    if ticket.assignee_id and ticket.assignee_id not in users:
        assignee = db.session.get(User, ticket.assignee_id)
        if assignee is not None:
            users[assignee.id] = assignee.display_name
    if ticket.team_id and ticket.team_id not in team_names:
        team = db.session.get(Team, ticket.team_id)
        if team is not None:
            team_names[team.id] = team.name
    org = db.session.get(Organization, ticket.organization_id) if ticket.organization_id else None
    contact = db.session.get(Contact, ticket.requester_contact_id) if ticket.requester_contact_id else None
    service = db.session.get(Service, ticket.service_id) if ticket.service_id else None
    tags = services.ticket_tags(ticket.id)
    history = services.status_history(ticket.id)

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
    cc_ids = services.ticket_ccs(ticket.id)
    ccs = []
    if cc_ids:
        ccs = list(db.session.scalars(sa.select(Contact).where(Contact.id.in_(cc_ids)).order_by(Contact.id)))
    timeline = _timeline(ticket, staff=True, history=history, actors=users)
    return render_template(
        "tickets/detail.html",
        ticket=ticket,
        timeline=timeline,
        status_history=history,
        org=org,
        contact=contact,
        service=service,
        names={"user": users, "team": team_names},
        tags=tags,
        ccs=ccs,
        linked=services.linked_tickets(ticket.id),
        merged_into=db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None,
        follow_up_of=db.session.get(Ticket, ticket.follow_up_of_id) if ticket.follow_up_of_id else None,
        merged_here=list(db.session.scalars(sa.select(Ticket).where(Ticket.merged_into_id == ticket.id))),
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
        last_message_id=max((e["message"].id for e in timeline if e["kind"] == "message"), default=0),
    )


@bp.route("/ticket/<int:ticket_id>/risposta", methods=["POST"])
@login_required
@permission_required("tickets.work")
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
    try:
        message = services.reply(
            ticket_id=ticket.id,
            body=body,
            internal=bool(form.internal.data),
            status=form.status.data or None,
            files=_files(),
            actor=current_user,
        )
    except DomainError as exc:
        _flash_error(exc)
        return _back(ticket.id)
    flash(_("Nota interna aggiunta.") if message.internal else _("Risposta inviata."), "success")
    return _back(message.ticket_id)


@bp.route("/ticket/<int:ticket_id>/stato", methods=["POST"])
@login_required
@permission_required("tickets.work")
def set_status(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = StatusForm()
    form.status.choices = [(s.value, s.value) for s in TicketStatus]
    if not form.validate_on_submit():
        abort(400)
    try:
        services.change_status(ticket_id=ticket.id, status=form.status.data, actor=current_user)
        flash(_("Stato aggiornato: %(status)s.", status=status_label(form.status.data)), "success")
    except DomainError as exc:
        _flash_error(exc)
    return _back(ticket.id)


@bp.route("/ticket/<int:ticket_id>/assegna", methods=["POST"])
@login_required
@permission_required("tickets.work")
def assign(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = AssignForm()
    form.assignee_id.choices = _operator_choices()
    form.team_id.choices = _team_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.assign(
            ticket_id=ticket.id, assignee_id=form.assignee_id.data, team_id=form.team_id.data, actor=current_user
        )
        flash(_("Assegnazione aggiornata."), "success")
    except DomainError as exc:
        _flash_error(exc)
    return _back(ticket.id)


@bp.route("/ticket/<int:ticket_id>/prendi", methods=["POST"])
@login_required
@permission_required("tickets.work")
def take(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    try:
        services.assign(ticket_id=ticket.id, assignee_id=current_user.id, actor=current_user)
        flash(_("Ora il ticket è assegnato a te."), "success")
    except DomainError as exc:
        _flash_error(exc)
    return _back(ticket.id)


@bp.route("/ticket/<int:ticket_id>/proprieta", methods=["POST"])
@login_required
@permission_required("tickets.work")
def properties(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = PropertiesForm()
    form.service_id.choices = _service_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.update_ticket(
            ticket_id=ticket.id,
            priority=form.priority.data,
            service_id=form.service_id.data,
            tags=form.tags.data,
            actor=current_user,
        )
        flash(_("Ticket aggiornato."), "success")
    except DomainError as exc:
        _flash_error(exc)
    return _back(ticket.id)


@bp.route("/ticket/<int:ticket_id>/unisci", methods=["POST"])
@login_required
@permission_required("tickets.work")
def merge(ticket_id: int):
    """Merge this ticket (the duplicate) into the one whose number is given."""
    ticket = services.ticket_for(current_user, ticket_id)
    form = NumberForm(prefix="merge")
    if not form.validate_on_submit():
        abort(400)
    try:
        target = _by_number(form.number.data)
        services.merge_tickets(source_id=ticket.id, target_id=target.id, actor=current_user)
    except DomainError as exc:
        _flash_error(exc)
        return _back(ticket.id)
    flash(_("Ticket %(a)s unito a %(b)s.", a=ticket.number, b=target.number), "success")
    return _back(target.id)


@bp.route("/ticket/<int:ticket_id>/collega", methods=["POST"])
@login_required
@permission_required("tickets.work")
def link(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = NumberForm(prefix="link")
    if not form.validate_on_submit():
        abort(400)
    try:
        other = _by_number(form.number.data)
        services.link_tickets(ticket_id=ticket.id, other_id=other.id, actor=current_user)
        flash(_("Ticket collegato."), "success")
    except DomainError as exc:
        _flash_error(exc)
    return _back(ticket.id)


@bp.route("/ticket/<int:ticket_id>/allegati", methods=["POST"])
@login_required
@permission_required("tickets.reply")
def attach(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    files = _files()
    try:
        if not files:
            raise Invalid(_("Scegli un file."), {"file": [_("obbligatorio")]})
        for name, data, ctype in files:
            services.upload_attachment(
                ticket_id=ticket.id, filename=name, data=data, content_type=ctype, actor=current_user
            )
        flash(_("Allegato caricato."), "success")
    except DomainError as exc:
        _flash_error(exc)
    if can(current_user, "tickets.work"):
        return _back(ticket.id)
    return redirect(url_for("tickets.portal_detail", ticket_id=ticket.id))


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

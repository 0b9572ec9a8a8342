"""The referente's portal and the satisfaction survey by signed link."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import can, permission_required
from app.errors import DomainError, Invalid
from app.extensions import db
from tickets import services
from tickets.forms import (
    PortalReplyForm,
    PortalRequestForm,
    RatingForm,
    StatusForm,
)
from tickets.models import Channel, Ticket, TicketStatus
from tickets.views.helpers import _files, _flash_error, _names, _service_choices, _timeline, bp


@bp.route("/portale")
@login_required
@permission_required("tickets.portal")
def portal_home():
    args = request.args
    status = args.get("stato") or None
    q = (args.get("q") or "").strip()
    try:
        stmt = services.search_stmt(current_user, q=q, status="aperti" if status == "aperti" else status)
        tickets, next_cursor = services.page_tickets(stmt, sort="aggiornati", limit=25, cursor=args.get("cursor"))
    except Invalid as exc:
        _flash_error(exc)
        tickets, next_cursor = [], None
    next_url = url_for("tickets.portal_home", **{**args.to_dict(), "cursor": next_cursor}) if next_cursor else None
    return render_template(
        "tickets/portal_home.html", tickets=tickets, names=_names(tickets), next_url=next_url, q=q, status=status
    )


@bp.route("/portale/nuova", methods=["GET", "POST"])
@login_required
@permission_required("tickets.portal")
def portal_new():
    form = PortalRequestForm()
    form.service_id.choices = _service_choices()
    if form.validate_on_submit():
        files = _files()
        try:
            for name, data, ctype in files:
                services.check_upload(name, data, ctype)
            ticket = services.open_ticket(
                subject=form.subject.data,
                description=form.description.data,
                organization_id=current_user.organization_id,
                requester_contact_id=current_user.contact_id,
                service_id=form.service_id.data,
                priority=form.priority.data,
                channel=Channel.PORTAL,
                actor=current_user,
            )
            for name, data, ctype in files:
                services.add_attachment(
                    ticket_id=ticket.id, filename=name, data=data, content_type=ctype, actor=current_user
                )
        except DomainError as exc:
            _flash_error(exc)
        else:
            flash(
                _("Richiesta %(number)s inviata. Ti abbiamo scritto una email di conferma.", number=ticket.number),
                "success",
            )
            return redirect(url_for("tickets.portal_detail", ticket_id=ticket.id))
    return render_template("tickets/portal_new.html", form=form)


@bp.route("/portale/richieste/<int:ticket_id>")
@login_required
@permission_required("tickets.read")
def portal_detail(ticket_id: int):
    if can(current_user, "tickets.work"):
        return redirect(url_for("tickets.detail", ticket_id=ticket_id))
    ticket = services.ticket_for(current_user, ticket_id)
    return render_portal_detail(ticket)


def render_portal_detail(ticket: Ticket, reply_form: PortalReplyForm | None = None) -> str:
    """The referente's page of a request (also shown again, with what was typed, after a refused upload)."""
    from crm.models import Service

    return render_template(
        "tickets/portal_detail.html",
        ticket=ticket,
        timeline=_timeline(ticket, staff=False),
        service=db.session.get(Service, ticket.service_id) if ticket.service_id else None,
        reply_form=reply_form or PortalReplyForm(),
        rating_form=RatingForm(rating=str(ticket.rating or 5), comment=ticket.rating_comment or ""),
        action_form=StatusForm(),
        merged_into=db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None,
        follow_up_of=db.session.get(Ticket, ticket.follow_up_of_id) if ticket.follow_up_of_id else None,
    )


@bp.route("/portale/richieste/<int:ticket_id>/risposta", methods=["POST"])
@login_required
@permission_required("tickets.portal")
def portal_reply(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = PortalReplyForm()
    if not form.validate_on_submit():
        flash(_("Scrivi un messaggio."), "error")
        return redirect(url_for("tickets.portal_detail", ticket_id=ticket.id))
    try:
        message = services.reply(ticket_id=ticket.id, body=form.body.data, files=_files(), actor=current_user)
    except DomainError as exc:
        _flash_error(exc)
        return redirect(url_for("tickets.portal_detail", ticket_id=ticket.id))
    if message.ticket_id != ticket.id:
        flash(_("La richiesta era chiusa: abbiamo aperto una nuova richiesta collegata."), "info")
    else:
        flash(_("Messaggio inviato."), "success")
    return redirect(url_for("tickets.portal_detail", ticket_id=message.ticket_id))


@bp.route("/portale/richieste/<int:ticket_id>/<any(conferma, riapri):action>", methods=["POST"])
@login_required
@permission_required("tickets.portal")
def portal_action(ticket_id: int, action: str):
    ticket = services.ticket_for(current_user, ticket_id)
    if ticket.status != TicketStatus.RESOLVED:
        flash(_("Questa azione vale solo per le richieste risolte."), "error")
        return redirect(url_for("tickets.portal_detail", ticket_id=ticket.id))
    target = TicketStatus.CLOSED if action == "conferma" else TicketStatus.OPEN
    try:
        services.change_status(ticket_id=ticket.id, status=target, actor=current_user)
        flash(_("Grazie: richiesta chiusa.") if action == "conferma" else _("Richiesta riaperta."), "success")
    except DomainError as exc:
        _flash_error(exc)
    return redirect(url_for("tickets.portal_detail", ticket_id=ticket.id))


@bp.route("/portale/richieste/<int:ticket_id>/valuta", methods=["POST"])
@login_required
@permission_required("tickets.portal")
def portal_rate(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = RatingForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.rate_ticket(
            ticket_id=ticket.id, rating=form.rating.data, comment=form.comment.data, actor=current_user
        )
        flash(_("Grazie per la valutazione."), "success")
    except DomainError as exc:
        _flash_error(exc)
    return redirect(url_for("tickets.portal_detail", ticket_id=ticket.id))


@bp.route("/valutazione/<token>", methods=["GET", "POST"])
def survey(token: str):
    ticket = services.ticket_from_survey_token(token)
    form = RatingForm()
    done = False
    if form.validate_on_submit():
        try:
            services.rate_ticket(ticket_id=ticket.id, rating=form.rating.data, comment=form.comment.data)
            done = True
        except DomainError as exc:
            _flash_error(exc)
    return render_template("tickets/survey.html", ticket=ticket, form=form, done=done or ticket.rating is not None)

"""The referente's portal and the satisfaction survey by signed link."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import can, permission_required
from app.flashing import flashes_errors, submit
from tickets import services
from tickets.forms import (
    PortalReplyForm,
    PortalRequestForm,
    RatingForm,
    StatusForm,
)
from tickets.models import Channel, Ticket, TicketStatus
from tickets.views.helpers import _files, _names, _service_choices, _timeline, bp


@bp.route("/portale")
@login_required
@permission_required("tickets.portal")
def portal_home():
    args = request.args
    status = args.get("stato") or None
    q = (args.get("q") or "").strip()
    found = submit(
        None,
        services.queue_page,
        user=current_user,
        q=q,
        status="aperti" if status == "aperti" else status,
        sort="aggiornati",
        limit=25,
        cursor=args.get("cursor"),
    )
    tickets, next_cursor = found or ([], None)
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
        ticket = submit(
            None,
            services.open_with_files,
            files=_files(),
            subject=form.subject.data,
            description=form.description.data,
            service_id=form.service_id.data,
            priority=form.priority.data,
            channel=Channel.PORTAL,
            actor=current_user,
        )
        if ticket is not None:
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
    around = services.related(ticket)
    return render_template(
        "tickets/portal_detail.html",
        ticket=ticket,
        timeline=_timeline(ticket, staff=False),
        service=around["service"],
        reply_form=reply_form or PortalReplyForm(),
        rating_form=RatingForm(rating=str(ticket.rating or 5), comment=ticket.rating_comment or ""),
        action_form=StatusForm(),
        merged_into=around["merged_into"],
        follow_up_of=around["follow_up_of"],
    )


def _to_request(ticket_id: int, **_: object) -> str:
    return url_for("tickets.portal_detail", ticket_id=ticket_id)


@bp.route("/portale/richieste/<int:ticket_id>/risposta", methods=["POST"])
@login_required
@permission_required("tickets.portal")
@flashes_errors(_to_request)
def portal_reply(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = PortalReplyForm()
    if not form.validate_on_submit():
        flash(_("Scrivi un messaggio."), "error")
        return redirect(url_for("tickets.portal_detail", ticket_id=ticket.id))
    message = services.reply(ticket_id=ticket.id, body=form.body.data, files=_files(), actor=current_user)
    if message.ticket_id != ticket.id:
        flash(_("La richiesta era chiusa: abbiamo aperto una nuova richiesta collegata."), "info")
    else:
        flash(_("Messaggio inviato."), "success")
    return redirect(url_for("tickets.portal_detail", ticket_id=message.ticket_id))


@bp.route("/portale/richieste/<int:ticket_id>/<any(conferma, riapri):action>", methods=["POST"])
@login_required
@permission_required("tickets.portal")
@flashes_errors(_to_request)
def portal_action(ticket_id: int, action: str):
    ticket = services.ticket_for(current_user, ticket_id)
    if ticket.status != TicketStatus.RESOLVED:
        flash(_("Questa azione vale solo per le richieste risolte."), "error")
        return redirect(url_for("tickets.portal_detail", ticket_id=ticket.id))
    target = TicketStatus.CLOSED if action == "conferma" else TicketStatus.OPEN
    services.change_status(ticket_id=ticket.id, status=target, actor=current_user)
    flash(_("Grazie: richiesta chiusa.") if action == "conferma" else _("Richiesta riaperta."), "success")
    return redirect(url_for("tickets.portal_detail", ticket_id=ticket.id))


@bp.route("/portale/richieste/<int:ticket_id>/valuta", methods=["POST"])
@login_required
@permission_required("tickets.portal")
@flashes_errors(_to_request)
def portal_rate(ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    form = RatingForm()
    if not form.validate_on_submit():
        abort(400)
    services.rate_ticket(ticket_id=ticket.id, rating=form.rating.data, comment=form.comment.data, actor=current_user)
    flash(_("Grazie per la valutazione."), "success")
    return redirect(url_for("tickets.portal_detail", ticket_id=ticket.id))


@bp.route("/valutazione/<token>", methods=["GET", "POST"])
def survey(token: str):
    ticket = services.ticket_from_survey_token(token)
    form = RatingForm()
    done = False
    if form.validate_on_submit():
        rated = submit(
            None, services.rate_ticket, ticket_id=ticket.id, rating=form.rating.data, comment=form.comment.data
        )
        done = rated is not None
    return render_template("tickets/survey.html", ticket=ticket, form=form, done=done or ticket.rating is not None)

"""The operator's dashboard and queue, bulk changes, a new ticket."""

from __future__ import annotations

import contextlib

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import permission_required
from app.flashing import submit
from app.forms import lookup_attrs
from tickets import choices, services
from tickets.forms import (
    BulkForm,
    TicketForm,
)
from tickets.models import Channel, Priority, SlaState, TicketStatus
from tickets.views.helpers import (
    _files,
    _names,
    _operator_choices,
    _org_choices,
    _service_choices,
    _team_choices,
    _today_start,
    bp,
)


@bp.route("/ticket/dashboard")
@login_required
@permission_required("tickets.work")
def dashboard():
    figures = services.dashboard_figures(current_user, today_start=_today_start())
    mine, _c = services.page_tickets(services.search_stmt(current_user, view="mine"), sort="scadenza", limit=10)
    at_risk, _c = services.page_tickets(services.search_stmt(current_user, view="at_risk"), sort="scadenza", limit=10)
    unassigned, _c = services.page_tickets(services.search_stmt(current_user, view="unassigned"), limit=10)
    tickets = mine + at_risk + unassigned
    return render_template(
        "tickets/dashboard.html",
        figures=figures,
        mine=mine,
        at_risk=at_risk,
        unassigned=unassigned,
        names=_names(tickets),
        channels=list(Channel),
    )


@bp.route("/ticket/")
@login_required
@permission_required("tickets.work")
def queue():
    args = request.args
    filters = {k: args.get(k) for k in services.FILTERS if args.get(k)}
    view = args.get("vista") or None
    sort = args.get("ordine") if args.get("ordine") in services.SORTS else "recenti"
    q = (args.get("q") or "").strip()
    found = submit(
        None,
        services.queue_page,
        user=current_user,
        q=q,
        view=view,
        sort=sort,
        limit=50,
        cursor=args.get("cursor"),
        **filters,
    )
    tickets, next_cursor = found or ([], None)
    next_url = url_for("tickets.queue", **{**args.to_dict(), "cursor": next_cursor}) if next_cursor else None
    lists = choices.current()
    return render_template(
        "tickets/queue.html",
        tickets=tickets,
        names=_names(tickets, lists.names),
        next_url=next_url,
        args=args,
        view=view,
        q=q,
        sort=sort,
        bulk=_bulk_form(),
        statuses=list(TicketStatus),
        priorities=list(Priority),
        channels=list(Channel),
        sla_states=list(SlaState),
        choices=lists,
    )


@bp.route("/ticket/opzioni/<any(organizations, operators, teams, services):kind>")
@login_required
@permission_required("tickets.work")
def list_options(kind: str):
    """The ``<option>``s of a long filter list, for ``tickets.js``; revalidated by ETag."""
    lists = choices.current()
    response = current_app.response_class(str(lists.options(kind)), mimetype="text/html")
    response.set_etag(f"{kind}-{lists.etag}")
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


def _bulk_form() -> BulkForm:
    form = BulkForm()
    form.assignee_id.choices = _operator_choices()
    form.macro_id.choices = [("", _("— nessuna —"))] + [(m.id, m.name) for m in services.list_macros()]
    return form


@bp.route("/ticket/bulk", methods=["POST"])
@login_required
@permission_required("tickets.work")
def bulk():
    form = _bulk_form()
    if not form.validate_on_submit():
        abort(400)
    raw = request.form.getlist("ticket_ids")
    if not all(i.isdigit() for i in raw):
        abort(400)
    ids = [int(i) for i in raw]
    if not ids:
        flash(_("Seleziona almeno un ticket."), "warning")
        return redirect(request.referrer or url_for("tickets.queue"))
    if form.action.data == "macro":
        return _bulk_macro(form, ids)
    kwargs = {}
    if form.action.data == "assign_me":
        kwargs["assignee_id"] = current_user.id
    elif form.action.data == "assign":
        kwargs["assignee_id"] = form.assignee_id.data
    elif form.action.data == "unassign":
        kwargs["assignee_id"] = None
    elif form.action.data == "status":
        kwargs["status"] = form.status.data
    result = services.bulk_update(ticket_ids=ids, actor=current_user, **kwargs)
    flash(_("Aggiornati %(n)d ticket.", n=len(result["updated"])), "success")
    for ticket_id, message in result["errors"].items():
        flash(_("Ticket %(id)s non aggiornato: %(msg)s", id=ticket_id, msg=message), "error")
    return redirect(request.referrer or url_for("tickets.queue"))


def _bulk_macro(form: BulkForm, ids: list[int]):
    """The queue's "apply a macro": each ticket all or nothing, a message for each one refused."""
    back = redirect(request.referrer or url_for("tickets.queue"))
    if not form.macro_id.data:
        flash(_("Scegli la macro da applicare."), "warning")
        return back
    result = submit(None, services.apply_macro_bulk, macro_id=form.macro_id.data, ticket_ids=ids, actor=current_user)
    if result is None:
        return back
    flash(_("Macro applicata a %(n)d ticket.", n=len(result["applied"])), "success")
    for ticket_id, message in result["errors"].items():
        flash(_("Ticket %(id)s: macro non applicata (%(msg)s)", id=ticket_id, msg=message), "error")
    return back


@bp.route("/ticket/nuovo", methods=["GET", "POST"])
@login_required
@permission_required("tickets.work")
def new():
    form = TicketForm()
    form.organization_id.choices = _org_choices()
    if len(form.organization_id.choices) > 100:  # a long select becomes a typeahead (combobox.js)
        form.organization_id.render_kw = lookup_attrs(url_for("crm.lookup_organizations"))
    form.service_id.choices = _service_choices()
    form.team_id.choices = _team_choices()
    form.assignee_id.choices = _operator_choices()
    if request.method == "GET" and request.args.get("organization_id"):
        with contextlib.suppress(ValueError):
            form.organization_id.data = int(request.args["organization_id"])
    if form.validate_on_submit():
        ticket = submit(
            None,
            services.open_with_files,
            files=_files(),
            requester_email=form.requester_email.data or None,
            subject=form.subject.data,
            description=form.description.data,
            organization_id=form.organization_id.data,
            service_id=form.service_id.data,
            channel=form.channel.data,
            priority=form.priority.data,
            team_id=form.team_id.data,
            assignee_id=form.assignee_id.data,
            tags=form.tags.data,
            actor=current_user,
        )
        if ticket is not None:
            flash(_("Ticket %(number)s aperto.", number=ticket.number), "success")
            return redirect(url_for("tickets.detail", ticket_id=ticket.id))
    return render_template("tickets/new.html", form=form)

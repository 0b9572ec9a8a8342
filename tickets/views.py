"""Web pages: the operator queue and ticket page, the referente portal, the survey link."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from app.auth.permissions import can, permission_required
from app.errors import DomainError, Invalid
from app.extensions import db
from app.i18n import fmt_datetime
from app.storage import send_download
from tickets import choices, services
from tickets.forms import (
    AssignForm,
    BulkForm,
    CannedForm,
    NumberForm,
    PortalReplyForm,
    PortalRequestForm,
    PropertiesForm,
    RatingForm,
    ReplyForm,
    StatusForm,
    TeamForm,
    TicketForm,
)
from tickets.models import Channel, Priority, SlaState, Team, Ticket, TicketStatus

bp = Blueprint("tickets", __name__, static_folder="static", static_url_path="/ticket/static")

OPEN_STATES = services.OPEN_STATES
SLA_FIELDS = (
    "sla_state",
    "first_response_due",
    "first_responded_at",
    "resolution_due",
    "resolved_at",
    "sla_policy_id",
    "sla_paused_seconds",
)


# --- helpers ------------------------------------------------------------------------------------


def _files() -> list[tuple[str, bytes, str]]:
    out = []
    for storage in request.files.getlist("files") + request.files.getlist("file"):
        if storage and storage.filename:
            out.append((storage.filename, storage.read(), storage.mimetype or "application/octet-stream"))
    return out


def _flash_error(exc: DomainError) -> None:
    details = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in (exc.fields or {}).items())
    flash(f"{exc.message}" + (f" ({details})" if details else ""), "error")


def _org_choices() -> list[tuple[Any, str]]:
    from crm.models import Organization

    orgs = db.session.execute(
        sa.select(Organization.id, Organization.name).where(Organization.active.is_(True)).order_by(Organization.name)
    ).all()
    return [("", _("— nessuno —"))] + [(o.id, o.name) for o in orgs]


def _service_choices() -> list[tuple[Any, str]]:
    from crm.services import list_services

    return [("", _("— non indicato —"))] + [(s.id, s.name) for s in list_services()]


def _operator_choices() -> list[tuple[Any, str]]:
    return [("", _("— nessuno —"))] + [(u.id, u.display_name) for u in services.list_operators()]


def _team_choices() -> list[tuple[Any, str]]:
    return [("", _("— nessuno —"))] + [(t.id, t.name) for t in services.list_teams()]


def _names(tickets: list[Ticket], known: dict[str, dict[int, str]] | None = None) -> dict[str, dict[int, str]]:
    """Organization, assignee, team and service names for a page of tickets: from ``known`` (the cached
    pick lists) and, for ids not there (an inactive ente, a former operator), one query per kind."""
    from app.auth.models import User
    from crm.models import Organization, Service

    known = known or {}

    def lookup(kind: str, id_col: Any, name_col: Any, ids: set[Any]) -> dict[int, str]:
        ids.discard(None)
        have = known.get(kind, {})
        found = {pk: have[pk] for pk in ids if pk in have}
        missing = ids - found.keys()
        if missing:
            found.update(
                (row[0], row[1]) for row in db.session.execute(sa.select(id_col, name_col).where(id_col.in_(missing)))
            )
        return found

    display = sa.func.coalesce(sa.func.nullif(User.name, ""), User.email)  # User.display_name
    return {
        "org": lookup("org", Organization.id, Organization.name, {t.organization_id for t in tickets}),
        "user": lookup("user", User.id, display, {t.assignee_id for t in tickets}),
        "team": lookup("team", Team.id, Team.name, {t.team_id for t in tickets}),
        "service": lookup("service", Service.id, Service.name, {t.service_id for t in tickets}),
    }


# Lazy strings built once: a queue page renders hundreds of labels, one gettext each (not 21).
_LABELS = {
    "new": _l("Nuovo"),
    "open": _l("Aperto"),
    "pending": _l("In attesa"),
    "resolved": _l("Risolto"),
    "closed": _l("Chiuso"),
    "low": _l("Bassa"),
    "normal": _l("Normale"),
    "high": _l("Alta"),
    "urgent": _l("Urgente"),
    "ok": _l("In regola"),
    "at_risk": _l("A rischio"),
    "breached": _l("Scaduto"),
    "paused": _l("In pausa"),
    "met": _l("Rispettato"),
    "portal": _l("Portale"),
    "email": _l("Email"),
    "pec": _l("PEC"),
    "phone": _l("Telefono"),
    "sms": _l("SMS"),
    "web": _l("Web"),
    "api": _l("API"),
}


def status_label(value: Any) -> str:
    key = getattr(value, "value", value)
    label = _LABELS.get(key)
    return str(label) if label is not None else str(key)


@bp.app_template_filter("ticket_label")
def _ticket_label_filter(value: Any) -> str:
    return status_label(value)


BADGE_COLORS = {
    "new": "primary",
    "open": "info",
    "pending": "warning",
    "resolved": "success",
    "closed": "secondary",
    "ok": "success",
    "at_risk": "warning",
    "breached": "danger",
    "paused": "secondary",
    "met": "success",
    "low": "secondary",
    "normal": "primary",
    "high": "warning",
    "urgent": "danger",
}


class TicketRow(NamedTuple):
    """One line of a ticket table, every cell already a string (``_ticket_rows.html``)."""

    id: int
    number: str
    url: str
    subject: str
    organization: str
    status: Markup
    priority: Markup
    sla: Markup
    due: str
    assignee: str
    team: str
    updated: str
    select_label: str


@bp.app_template_global("ticket_rows")
def ticket_rows(tickets: list[Ticket], names: dict[str, dict[int, str]]) -> list[TicketRow]:
    """The cells of a ticket table in one pass. A queue page has fifty rows of ten cells: a badge macro,
    a gettext and a URL build per cell cost more than the rest of the page, so labels and badges are
    translated once per distinct value and the detail URL is built once."""
    badges: dict[Any, Markup] = {}

    def badge(value: Any) -> Markup:
        html = badges.get(value)
        if html is None:
            key = getattr(value, "value", value)
            html = badges[value] = Markup('<span class="badge bg-{}">{}</span>').format(
                BADGE_COLORS.get(key, "secondary"), status_label(key)
            )
        return html

    url_marker = 2_147_483_647
    url_head, url_tail = url_for("tickets.detail", ticket_id=url_marker).split(str(url_marker), 1)
    select = _("Seleziona %(n)s", n="\x00")
    nobody, dash = _("non assegnato"), "—"
    orgs, users, teams = names.get("org", {}), names.get("user", {}), names.get("team", {})
    rows = []
    for t in tickets:
        rows.append(
            TicketRow(
                id=t.id,
                number=t.number,
                url=f"{url_head}{t.id}{url_tail}",
                subject=t.subject,
                organization=orgs.get(t.organization_id, dash),  # type: ignore[arg-type]
                status=badge(t.status),
                priority=badge(t.priority),
                sla=badge(t.sla_state),
                due=fmt_datetime(t.resolution_due) if t.resolution_due else dash,
                assignee=users.get(t.assignee_id, nobody),  # type: ignore[arg-type]
                team=teams.get(t.team_id, "") if t.team_id else "",
                updated=fmt_datetime(t.updated_at),
                select_label=select.replace("\x00", t.number),
            )
        )
    return rows


def _timeline(
    ticket: Ticket,
    *,
    staff: bool,
    history: list[Any] | None = None,
    actors: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """Messages (with their attachments), status changes and loose attachments, oldest first.

    ``history`` (the status changes, when the caller already has them) and ``actors`` (user names by
    id) spare their queries."""
    from app.auth.models import User

    messages = services.messages_for(ticket.id, include_internal=staff)
    attachments = services.attachments_for(ticket.id, include_internal=staff)
    by_message: dict[int | None, list[Any]] = {}
    for att in attachments:
        by_message.setdefault(att.message_id, []).append(att)
    events: list[dict[str, Any]] = []
    for m in messages:
        events.append({"kind": "message", "at": m.created_at, "message": m, "attachments": by_message.get(m.id, [])})
    for att in by_message.get(None, []):
        events.append({"kind": "attachment", "at": att.created_at, "attachment": att})
    names: dict[int, str] = dict(actors or {})
    changes = history if history is not None else services.status_history(ticket.id)
    missing = {c.actor_id for c in changes if c.actor_id and c.actor_id not in names}
    if missing:
        names.update({u.id: u.display_name for u in db.session.scalars(sa.select(User).where(User.id.in_(missing)))})
    for change in changes:
        actor = names.get(change.actor_id, "") if change.actor_id else ""
        events.append({"kind": "status", "at": change.at, "change": change, "actor": actor})
    order = {"status": 0, "message": 1, "attachment": 2}
    events.sort(key=lambda e: (e["at"], order[e["kind"]]))
    return events


def _sla_fields(ticket: Ticket) -> list[tuple[str, Any]]:
    labels = {
        "sla_state": _("Stato SLA"),
        "first_response_due": _("Prima risposta entro"),
        "first_responded_at": _("Prima risposta data il"),
        "resolution_due": _("Risoluzione entro"),
        "resolved_at": _("Risolto il"),
        "sla_policy_id": _("Politica SLA"),
        "sla_paused_seconds": _("Tempo in pausa (secondi)"),
    }
    return [(labels[f], getattr(ticket, f)) for f in SLA_FIELDS if hasattr(ticket, f)]


def _today_start() -> dt.datetime:
    tz = ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Rome"))
    local = dt.datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.astimezone(dt.UTC)


# --- operator pages -------------------------------------------------------------------------------


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
    try:
        stmt = services.search_stmt(current_user, q=q, view=view, **filters)
        tickets, next_cursor = services.page_tickets(
            stmt, sort=sort, limit=50, cursor=args.get("cursor"), windowed=services.is_text_search(q)
        )
    except Invalid as exc:
        _flash_error(exc)
        tickets, next_cursor = [], None
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
        bulk=BulkForm(),
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


@bp.route("/ticket/bulk", methods=["POST"])
@login_required
@permission_required("tickets.work")
def bulk():
    form = BulkForm()
    form.assignee_id.choices = _operator_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        ids = [int(i) for i in request.form.getlist("ticket_ids")]
    except ValueError:
        abort(400)
    if not ids:
        flash(_("Seleziona almeno un ticket."), "warning")
        return redirect(request.referrer or url_for("tickets.queue"))
    visible = set(
        db.session.scalars(services.visible_stmt(current_user, sa.select(Ticket.id)).where(Ticket.id.in_(ids)))
    )
    kwargs = {}
    if form.action.data == "assign_me":
        kwargs["assignee_id"] = current_user.id
    elif form.action.data == "assign":
        kwargs["assignee_id"] = form.assignee_id.data
    elif form.action.data == "unassign":
        kwargs["assignee_id"] = None
    elif form.action.data == "status":
        kwargs["status"] = form.status.data
    result = services.bulk_update(ticket_ids=[i for i in ids if i in visible], actor=current_user, **kwargs)
    flash(_("Aggiornati %(n)d ticket.", n=len(result["updated"])), "success")
    for ticket_id, message in result["errors"].items():
        flash(_("Ticket %(id)s non aggiornato: %(msg)s", id=ticket_id, msg=message), "error")
    return redirect(request.referrer or url_for("tickets.queue"))


@bp.route("/ticket/nuovo", methods=["GET", "POST"])
@login_required
@permission_required("tickets.work")
def new():
    form = TicketForm()
    form.organization_id.choices = _org_choices()
    form.service_id.choices = _service_choices()
    form.team_id.choices = _team_choices()
    form.assignee_id.choices = _operator_choices()
    if request.method == "GET" and request.args.get("organization_id"):
        with contextlib.suppress(ValueError):
            form.organization_id.data = int(request.args["organization_id"])
    if form.validate_on_submit():
        org_id = form.organization_id.data
        contact_id = None
        if form.requester_email.data:
            from crm.services import match_email

            match = match_email(form.requester_email.data)
            contact_id = match.contact_id
            if org_id is None:
                org_id = match.organization_id
            if contact_id is not None and org_id is not None and match.organization_id != org_id:
                contact_id = None
        files = _files()
        try:
            for name, data, ctype in files:
                services.check_upload(name, data, ctype)
            ticket = services.open_ticket(
                subject=form.subject.data,
                description=form.description.data,
                organization_id=org_id,
                requester_contact_id=contact_id,
                service_id=form.service_id.data,
                channel=form.channel.data,
                priority=form.priority.data,
                team_id=form.team_id.data,
                assignee_id=form.assignee_id.data,
                tags=form.tags.data,
                actor=current_user,
            )
            for name, data, ctype in files:
                services.add_attachment(
                    ticket_id=ticket.id, filename=name, data=data, content_type=ctype, actor=current_user
                )
        except DomainError as exc:
            _flash_error(exc)
        else:
            flash(_("Ticket %(number)s aperto.", number=ticket.number), "success")
            return redirect(url_for("tickets.detail", ticket_id=ticket.id))
    return render_template("tickets/new.html", form=form)


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
    cc_ids = services.ticket_ccs(ticket.id)
    ccs = []
    if cc_ids:
        ccs = list(db.session.scalars(sa.select(Contact).where(Contact.id.in_(cc_ids)).order_by(Contact.id)))
    return render_template(
        "tickets/detail.html",
        ticket=ticket,
        timeline=_timeline(ticket, staff=True, history=history, actors=users),
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
    )


def _back(ticket_id: int):
    return redirect(url_for("tickets.detail", ticket_id=ticket_id))


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


def _by_number(number: str) -> Ticket:
    other = services.find_ticket_by_number(number or "")
    if other is None:
        raise Invalid(_("Nessun ticket con questo numero."), {"number": [number]})
    return services.ticket_for(current_user, other.id)


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


# --- canned responses and teams (admin) -------------------------------------------------------------


@bp.route("/ticket/risposte-predefinite", methods=["GET", "POST"])
@bp.route("/ticket/risposte-predefinite/<int:canned_id>", methods=["GET", "POST"])
@login_required
@permission_required("tickets.admin")
def canned(canned_id: int | None = None):
    from tickets.models import CannedResponse

    item = db.session.get(CannedResponse, canned_id) if canned_id else None
    if canned_id and item is None:
        abort(404)
    form = CannedForm(obj=item)
    if form.validate_on_submit():
        try:
            services.save_canned(
                title=form.title.data,
                body=form.body.data,
                active=form.active.data,
                canned_id=canned_id,
                actor=current_user,
            )
            flash(_("Risposta predefinita salvata."), "success")
            return redirect(url_for("tickets.canned"))
        except DomainError as exc:
            _flash_error(exc)
    return render_template("tickets/canned.html", form=form, item=item, items=services.list_canned(active_only=False))


@bp.route("/ticket/risposte-predefinite/<int:canned_id>/elimina", methods=["POST"])
@login_required
@permission_required("tickets.admin")
def canned_delete(canned_id: int):
    services.delete_canned(canned_id=canned_id, actor=current_user)
    flash(_("Risposta predefinita eliminata."), "success")
    return redirect(url_for("tickets.canned"))


@bp.route("/ticket/gruppi", methods=["GET", "POST"])
@login_required
@permission_required("tickets.admin")
def teams():
    form = TeamForm()
    if form.validate_on_submit():
        try:
            services.create_team(name=form.name.data, email=form.email.data, actor=current_user)
            flash(_("Gruppo creato."), "success")
            return redirect(url_for("tickets.teams"))
        except DomainError as exc:
            _flash_error(exc)
    return render_template("tickets/teams.html", form=form, teams=services.list_teams(active_only=False))


# --- referente portal -------------------------------------------------------------------------------


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
    from crm.models import Service

    return render_template(
        "tickets/portal_detail.html",
        ticket=ticket,
        timeline=_timeline(ticket, staff=False),
        service=db.session.get(Service, ticket.service_id) if ticket.service_id else None,
        reply_form=PortalReplyForm(),
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


# --- satisfaction survey by signed link (no login) ---------------------------------------------------


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

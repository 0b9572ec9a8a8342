"""The ticket workspace's own endpoints: the properties panel, who else has the ticket open, next ticket."""

from __future__ import annotations

from flask import flash, jsonify, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import permission_required
from app.errors import Invalid
from tickets import services
from tickets.forms import STATUS_CHOICES, WorkspaceForm
from tickets.views.helpers import _back, _operator_choices, _service_choices, _team_choices, bp


@bp.app_context_processor
def _upload_limits() -> dict:
    """``upload_limits()`` in every template: the limits shown next to file fields (workspace.js checks them)."""
    from tickets import choices

    return {"upload_limits": services.upload_limits, "ticket_choices": choices.current}


def workspace_form(ticket=None, tags: list[str] | None = None) -> WorkspaceForm:
    """The panel, filled from the ticket (GET) or from the post; choices from the pick lists."""
    if ticket is not None:
        form = WorkspaceForm(
            prefix="prop",
            status=ticket.status.value,
            priority=ticket.priority.value,
            service_id=ticket.service_id,
            assignee_id=ticket.assignee_id,
            team_id=ticket.team_id,
            organization_id=ticket.organization_id,
            requester_contact_id=ticket.requester_contact_id,
            tags=", ".join(tags or []),
        )
        allowed = {s.value for s in services.allowed_transitions(ticket)} | {ticket.status.value}
        form.status.choices = [(v, label) for v, label in STATUS_CHOICES if v in allowed]
    else:
        form = WorkspaceForm(prefix="prop")
    form.service_id.choices = _service_choices()
    form.assignee_id.choices = _operator_choices()
    form.team_id.choices = _team_choices()
    return form


@bp.route("/ticket/<int:ticket_id>/pannello", methods=["POST"])
@login_required
@permission_required("tickets.work")
def save_panel(ticket_id: int):
    """Every property of the ticket saved together (one service call, one transaction)."""
    form = workspace_form()
    if not form.validate_on_submit():
        raise Invalid(_("Proprietà non valide."), {k: [str(e) for e in v] for k, v in form.errors.items()})
    _ticket, changed = services.save_properties(
        ticket_id=ticket_id,
        actor=current_user,
        values={
            "status": form.status.data,
            "priority": form.priority.data,
            "service_id": form.service_id.data,
            "assignee_id": form.assignee_id.data,
            "team_id": form.team_id.data,
            "organization_id": form.organization_id.data,
            "requester_contact_id": form.requester_contact_id.data,
            "tags": form.tags.data,
        },
    )
    flash(_("Ticket aggiornato.") if changed else _("Nessuna modifica."), "success" if changed else "info")
    return _back(ticket_id)


@bp.route("/ticket/<int:ticket_id>/presenza.json")
@login_required
@permission_required("tickets.work")
def presence(ticket_id: int):
    """Polled by workspace.js every ~15 s: who else has this ticket open, the newest message."""
    data = services.touch_presence(ticket_id=ticket_id, actor=current_user)
    response = jsonify(data)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/ticket/<int:ticket_id>/successivo")
@login_required
@permission_required("tickets.work")
def next_ticket(ticket_id: int):
    """The ``j`` shortcut: the next open ticket, or the queue when there is none."""
    found = services.next_ticket_id(actor=current_user, after_id=ticket_id)
    if found is None:
        return redirect(url_for("tickets.queue", vista="open"))
    return _back(found)

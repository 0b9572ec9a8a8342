"""Canned responses and teams (administrators)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import permission_required
from app.flashing import submit
from tickets import services
from tickets.forms import (
    CannedForm,
    MacroForm,
    TeamForm,
)
from tickets.views.helpers import _operator_choices, _team_choices, bp


@bp.route("/ticket/risposte-predefinite", methods=["GET", "POST"])
@bp.route("/ticket/risposte-predefinite/<int:canned_id>", methods=["GET", "POST"])
@login_required
@permission_required("tickets.admin")
def canned(canned_id: int | None = None):
    item = services.get_canned(canned_id) if canned_id else None
    form = CannedForm(obj=item)
    if form.validate_on_submit():
        saved = submit(
            None,
            services.save_canned,
            title=form.title.data,
            body=form.body.data,
            active=form.active.data,
            canned_id=canned_id,
            actor=current_user,
        )
        if saved is not None:
            flash(_("Risposta predefinita salvata."), "success")
            return redirect(url_for("tickets.canned"))
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
        team = submit(None, services.create_team, name=form.name.data, email=form.email.data, actor=current_user)
        if team is not None:
            flash(_("Gruppo creato."), "success")
            return redirect(url_for("tickets.teams"))
    return render_template("tickets/teams.html", form=form, teams=services.list_teams(active_only=False))


def _macro_form(item=None) -> MacroForm:
    if item is not None:
        form = MacroForm(
            obj=item,
            status=item.status.value if item.status else "",
            priority=item.priority.value if item.priority else "",
            assign=item.assign.value,
            add_tags=item.add_tags.replace(",", ", "),
            remove_tags=item.remove_tags.replace(",", ", "),
        )
    else:
        form = MacroForm()
    form.assignee_id.choices = _operator_choices()
    form.team_id.choices = [("", _("non cambiare"))] + _team_choices()[1:]
    form.canned_id.choices = [("", _("— nessuna —"))] + [(c.id, c.title) for c in services.list_canned()]
    return form


@bp.route("/ticket/macro", methods=["GET", "POST"])
@bp.route("/ticket/macro/<int:macro_id>", methods=["GET", "POST"])
@login_required
@permission_required("tickets.admin")
def macros(macro_id: int | None = None):
    """The macros: the list, and a new one or the one being changed next to it."""
    item = services.get_macro(macro_id) if macro_id else None
    form = _macro_form(item)
    if form.validate_on_submit():
        saved = submit(
            form,
            services.save_macro,
            macro_id=macro_id,
            name=form.name.data,
            active=form.active.data,
            status=form.status.data or None,
            priority=form.priority.data or None,
            assign=form.assign.data,
            assignee_id=form.assignee_id.data,
            team_id=form.team_id.data,
            canned_id=form.canned_id.data,
            canned_internal=form.canned_internal.data,
            add_tags=form.add_tags.data or "",
            remove_tags=form.remove_tags.data or "",
            actor=current_user,
        )
        if saved is not None:
            flash(_("Macro salvata."), "success")
            return redirect(url_for("tickets.macros"))
    return render_template("tickets/macros.html", form=form, item=item, items=services.list_macros(active_only=False))


@bp.route("/ticket/macro/<int:macro_id>/elimina", methods=["POST"])
@login_required
@permission_required("tickets.admin")
def macro_delete(macro_id: int):
    services.delete_macro(macro_id=macro_id, actor=current_user)
    flash(_("Macro eliminata."), "success")
    return redirect(url_for("tickets.macros"))

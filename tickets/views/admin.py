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
    TeamForm,
)
from tickets.views.helpers import bp


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

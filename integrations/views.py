"""Admin pages of the webhooks: endpoints, their delivery log, replay."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.forms import EmptyForm
from app.auth.permissions import permission_required
from crm.web import next_url, submit
from integrations import services
from integrations.events import EVENTS
from integrations.forms import EndpointForm

bp = Blueprint("integrations", __name__)


def _form(endpoint=None) -> EndpointForm:
    form = EndpointForm(obj=endpoint)
    form.events.choices = [(name, f"{name} — {label}") for name, label in sorted(EVENTS.items())]
    return form


@bp.route("/integrazioni/webhook", methods=["GET", "POST"])
@login_required
@permission_required(services.PERM)
def webhooks():
    form = _form()
    if request.method == "GET":
        form.secret.data = services.new_secret()
    if form.validate_on_submit():
        endpoint = submit(
            form,
            services.create_endpoint,
            actor=current_user,
            url=form.url.data,
            events=form.events.data,
            secret=form.secret.data,
            active=form.active.data,
            description=form.description.data or "",
        )
        if endpoint is not None:
            flash(_("Webhook registrato: copia ora il segreto, non sarà più mostrato."), "success")
            return redirect(url_for("integrations.webhook_detail", endpoint_id=endpoint.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "integrations/webhooks.html", form=form, endpoints=services.list_endpoints(actor=current_user)
    ), status


@bp.route("/integrazioni/webhook/<int:endpoint_id>", methods=["GET", "POST"])
@login_required
@permission_required(services.PERM)
def webhook_detail(endpoint_id: int):
    endpoint = services.get_endpoint(endpoint_id, actor=current_user)
    form = _form(endpoint)
    if request.method == "GET":
        form.secret.data = ""
    if form.validate_on_submit():
        saved = submit(
            form,
            services.update_endpoint,
            endpoint_id=endpoint.id,
            actor=current_user,
            url=form.url.data,
            events=form.events.data,
            secret=form.secret.data or None,
            active=form.active.data,
            description=form.description.data or "",
        )
        if saved is not None:
            flash(_("Webhook aggiornato."), "success")
            return redirect(url_for("integrations.webhook_detail", endpoint_id=endpoint.id))
    items, cursor = services.list_deliveries(
        endpoint.id, actor=current_user, limit=50, cursor=request.args.get("cursor") or None
    )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "integrations/webhook_detail.html",
        endpoint=endpoint,
        form=form,
        deliveries=items,
        next_url=next_url(cursor),
        button=EmptyForm(),
    ), status


@bp.route("/integrazioni/webhook/<int:endpoint_id>/consegne/<int:delivery_id>/ripeti", methods=["POST"])
@login_required
@permission_required(services.PERM)
def webhook_replay(endpoint_id: int, delivery_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    services.replay_delivery(endpoint_id, delivery_id, actor=current_user)
    flash(_("Consegna rimessa in coda."), "success")
    return redirect(url_for("integrations.webhook_detail", endpoint_id=endpoint_id))


@bp.route("/integrazioni/webhook/<int:endpoint_id>/ripeti-fallite", methods=["POST"])
@login_required
@permission_required(services.PERM)
def webhook_replay_failed(endpoint_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    n = services.replay_failed(endpoint_id, actor=current_user)
    flash(_("%(n)d consegne rimesse in coda.", n=n), "success")
    return redirect(url_for("integrations.webhook_detail", endpoint_id=endpoint_id))


@bp.route("/integrazioni/webhook/<int:endpoint_id>/elimina", methods=["POST"])
@login_required
@permission_required(services.PERM)
def webhook_delete(endpoint_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    services.delete_endpoint(endpoint_id, actor=current_user)
    flash(_("Webhook eliminato."), "success")
    return redirect(url_for("integrations.webhooks"))

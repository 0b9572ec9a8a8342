"""/api/v1/webhooks: translation only, integrations.services owns the rules."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint

from app.api import API_PREFIX, idempotent, page
from app.auth.permissions import permission_required
from integrations import schemas as s
from integrations import services


def blueprint() -> Blueprint:
    bp = Blueprint("api_webhooks", __name__, url_prefix=f"{API_PREFIX}/webhooks", description="Webhook in uscita")

    @bp.route("")
    @bp.response(200, s.EndpointListSchema)
    @permission_required(services.PERM)
    def list_webhooks():
        return page(services.list_endpoints(actor=current_user), None)

    @bp.route("", methods=["POST"])
    @idempotent
    @bp.arguments(s.EndpointSchema)
    @bp.response(201, s.EndpointSchema)
    @permission_required(services.PERM)
    def create_webhook(data: dict[str, Any]):
        return services.create_endpoint(actor=current_user, **data)

    @bp.route("/<int:endpoint_id>")
    @bp.response(200, s.EndpointSchema)
    @permission_required(services.PERM)
    def get_webhook(endpoint_id: int):
        return services.get_endpoint(endpoint_id, actor=current_user)

    @bp.route("/<int:endpoint_id>", methods=["PATCH"])
    @bp.arguments(s.EndpointPatchSchema)
    @bp.response(200, s.EndpointSchema)
    @permission_required(services.PERM)
    def patch_webhook(data: dict[str, Any], endpoint_id: int):
        return services.update_endpoint(endpoint_id, actor=current_user, **data)

    @bp.route("/<int:endpoint_id>", methods=["DELETE"])
    @bp.response(204)
    @permission_required(services.PERM)
    def delete_webhook(endpoint_id: int):
        services.delete_endpoint(endpoint_id, actor=current_user)

    @bp.route("/<int:endpoint_id>/deliveries")
    @bp.arguments(s.DeliveryArgs, location="query")
    @bp.response(200, s.DeliveryPageSchema)
    @permission_required(services.PERM)
    def list_deliveries(args: dict[str, Any], endpoint_id: int):
        items, cursor = services.list_deliveries(endpoint_id, actor=current_user, **args)
        return page(items, cursor)

    @bp.route("/<int:endpoint_id>/deliveries/<int:delivery_id>/replay", methods=["POST"])
    @bp.response(200, s.DeliverySchema)
    @permission_required(services.PERM)
    def replay_delivery(endpoint_id: int, delivery_id: int):
        return services.replay_delivery(endpoint_id, delivery_id, actor=current_user)

    return bp

"""JSON API of the triage inbox (shared/CONTRACT.md: /inbound, /inbound/{id}/ticket, /inbound/{id}/attach)."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user
from flask_smorest import Blueprint

from app.api import API_PREFIX, keyset_page, page, register_api
from app.auth.permissions import permission_required
from app.errors import Invalid
from contact_center import intake, services, sources
from contact_center.models import InboundItem
from contact_center.schemas import (
    AttachResultSchema,
    AttachSchema,
    InboundArgs,
    InboundItemSchema,
    InboundPageSchema,
    TicketFromItemSchema,
    TicketRefSchema,
)


def create_blueprint() -> Blueprint:
    """A fresh blueprint per app (flask-smorest blueprints cannot be registered twice)."""
    bp = Blueprint(
        "api_inbound", __name__, url_prefix=f"{API_PREFIX}/inbound", description="Triage inbox (every channel)"
    )

    @bp.route("")
    @bp.arguments(InboundArgs, location="query")
    @bp.response(200, InboundPageSchema)
    @permission_required("contact_center.triage")
    def list_inbound(args):
        """Triage items, newest first (default: waiting ones)."""
        stmt = services.inbox_query(
            status=args["status"],
            channel=args["channel"],
            mailbox_id=args["mailbox_id"],
            organization_id=args["organization_id"],
            q=args["q"],
            user_id=current_user.id,
        )
        items, cursor = keyset_page(stmt, [InboundItem.id], limit=args["limit"], cursor=args["cursor"])
        return page(items, cursor)

    @bp.route("/<int:item_id>")
    @bp.response(200, InboundItemSchema)
    @permission_required("contact_center.triage")
    def get_inbound(item_id: int):
        return intake.get_item(item_id)

    @bp.route("/<int:item_id>/ticket", methods=["POST"])
    @bp.arguments(TicketFromItemSchema)
    @bp.response(201, TicketRefSchema)
    @permission_required("contact_center.triage")
    def ticket_from_inbound(data, item_id: int):
        """Open a ticket from the item (409 if it was already handled)."""
        item = intake.get_item(item_id)
        if not (data.get("organization_id") or item.organization_id):
            raise Invalid("ente obbligatorio", {"organization_id": ["obbligatorio: il mittente non è riconosciuto"]})
        return intake.create_ticket_from_inbound(item_id=item_id, actor=current_user, **data)

    @bp.route("/<int:item_id>/attach", methods=["POST"])
    @bp.arguments(AttachSchema)
    @bp.response(200, AttachResultSchema)
    @permission_required("contact_center.triage")
    def attach_inbound(data, item_id: int):
        """Add the item to an existing ticket (by id or number)."""
        ticket = sources.find_ticket(data.get("ticket_id") or data.get("ticket_number"))
        if ticket is None:
            raise Invalid("richiesta non trovata", {"ticket_id": ["richiesta non trovata"]})
        message = intake.attach_inbound_to_ticket(item_id=item_id, ticket_id=ticket.id, actor=current_user)
        return {"ticket_id": message.ticket_id, "message_id": message.id, "item": intake.get_item(item_id)}

    @bp.route("/<int:item_id>/spam", methods=["POST"])
    @bp.response(200, InboundItemSchema)
    @permission_required("contact_center.triage")
    def spam_inbound(item_id: int):
        return intake.mark_spam(item_id=item_id, actor=current_user)

    return bp


def init_api(app: Flask) -> None:
    register_api(app, create_blueprint())

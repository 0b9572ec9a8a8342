"""Tickets in the JSON API (/api/v1/tickets), with the web's permission rules.

A referente sees and touches only its organization's tickets (others answer 404), never sees
internal notes, opens tickets only for its organization and may change a ticket only by confirming
(resolved → closed) or reopening (resolved → open) it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from app.api import API_PREFIX, PageArgs, idempotent, parse_or_422, read_json, register_api
from app.auth.models import Role
from app.auth.permissions import permission_required
from app.db import transaction
from app.errors import Forbidden, Invalid, UnsupportedMediaType
from app.storage import send_download
from tickets import queries, services
from tickets.models import Channel, Ticket
from tickets.schemas import (
    MESSAGE_REQUEST_BODY,
    ApplyBulkResultSchema,
    ApplyMacroBulkSchema,
    ApplyMacroSchema,
    ApplyResultSchema,
    AttachmentSchema,
    BulkResultSchema,
    BulkSchema,
    CannedSchema,
    LinkSchema,
    MacroPageSchema,
    MacroPatchSchema,
    MacroSchema,
    MergeSchema,
    MessageCreateSchema,
    MessagePageSchema,
    MessageSchema,
    RatingSchema,
    TicketCreateSchema,
    TicketListArgs,
    TicketPageSchema,
    TicketPatchSchema,
    TicketSchema,
)

bp = Blueprint("tickets_api", __name__, url_prefix=f"{API_PREFIX}/tickets", description="Ticket di assistenza")
macros_bp = Blueprint("macros_api", __name__, url_prefix=f"{API_PREFIX}/macros", description="Macro dei ticket")
canned_bp = Blueprint(
    "canned_api", __name__, url_prefix=f"{API_PREFIX}/canned-responses", description="Risposte predefinite"
)


def _prefetch_tags(tickets: list[Ticket]) -> None:
    """The tags (and copied contacts) of a whole page in one query each (not one per ticket)."""
    g.ticket_tags, g.ticket_ccs = queries.tags_and_ccs(t.id for t in tickets)


def _message_input() -> tuple[dict[str, Any], list[tuple[str, bytes, str]]]:
    """The reply as JSON, or as multipart/form-data with ``files``; any other body is 415."""
    if request.mimetype == "multipart/form-data":
        data = parse_or_422(MessageCreateSchema(), request.form.to_dict())
        uploads = [f for f in request.files.getlist("files") if f.filename]
        return data, [(f.filename or "file", f.read(), f.mimetype or "application/octet-stream") for f in uploads]
    if request.mimetype != "application/json" and request.get_data(cache=True):
        raise UnsupportedMediaType("invia JSON o multipart/form-data")
    return parse_or_422(MessageCreateSchema(), read_json()), []


def _is_referente() -> bool:
    return current_user.role == Role.REFERENTE


def _dump_messages(ticket: Ticket) -> list[dict[str, Any]]:
    messages = services.messages_for(ticket.id, include_internal=not _is_referente())
    return MessageSchema(many=True).dump(messages)


@bp.route("")
class Tickets(MethodView):
    @bp.arguments(TicketListArgs, location="query")
    @bp.response(200, TicketPageSchema)
    @permission_required("tickets.read")
    def get(self, args: dict[str, Any]):
        """Tickets visible to the token's user, filtered; keyset pages."""
        limit, cursor, sort = args.pop("limit"), args.pop("cursor"), args.pop("sort")
        q, view = args.pop("q", None), args.pop("view", None)
        stmt = services.search_stmt(current_user, q=q, view=view, **args)
        items, next_cursor = services.page_tickets(
            stmt, sort=sort, limit=limit, cursor=cursor, windowed=services.is_text_search(q)
        )
        _prefetch_tags(items)
        return {"items": items, "next_cursor": next_cursor}

    @idempotent
    @bp.arguments(TicketCreateSchema)
    @bp.response(201, TicketSchema)
    @permission_required("tickets.create")
    def post(self, data: dict[str, Any]):
        """Open a ticket. A referente opens it for its own organization (and as its own contact)."""
        ccs = data.pop("cc_contact_ids", [])
        # Answered from what was written: no reload after the commit, tags and copies known.
        with transaction(actor=current_user, expire=False):
            ticket = services.open_ticket(actor=current_user, **data)
            copied = services.set_ccs(ticket, ccs, actor=current_user) if ccs else []
        g.ticket_tags = {ticket.id: sorted(services.normalize_tags(data.get("tags")))}
        g.ticket_ccs = {ticket.id: sorted(copied)}
        return ticket


@bp.route("/<int:ticket_id>")
class TicketItem(MethodView):
    @bp.response(200, TicketSchema)
    @permission_required("tickets.read")
    def get(self, ticket_id: int):
        return services.ticket_for(current_user, ticket_id)

    @bp.arguments(TicketPatchSchema)
    @bp.response(200, TicketSchema)
    @permission_required("tickets.reply")
    def patch(self, data: dict[str, Any], ticket_id: int):
        """Change fields, assignment, status (by the lifecycle rules) and tags."""
        ticket = services.ticket_for(current_user, ticket_id)
        if not _is_referente() and current_user.role not in (Role.ADMIN, Role.OPERATOR):
            raise Forbidden("forbidden")
        return services.update_ticket(ticket_id=ticket.id, actor=current_user, **data)


@bp.route("/<int:ticket_id>/messages")
class TicketMessages(MethodView):
    @bp.arguments(PageArgs, location="query")
    @bp.response(200, MessagePageSchema)
    @permission_required("tickets.read")
    def get(self, args: dict[str, Any], ticket_id: int):
        """The conversation, oldest first (internal notes only for operators)."""
        ticket = services.ticket_for(current_user, ticket_id)
        items = _dump_messages(ticket)
        start = 0
        if args.get("cursor"):
            from app.api import decode_cursor

            values = decode_cursor(args["cursor"])
            last_id = int(values[0]) if values and isinstance(values[0], int) else 0
            start = next((i + 1 for i, m in enumerate(items) if m["id"] == last_id), len(items))
        page = items[start : start + args["limit"]]
        next_cursor = None
        if start + args["limit"] < len(items):
            from app.api import encode_cursor

            next_cursor = encode_cursor([page[-1]["id"]])
        return {"items": page, "next_cursor": next_cursor}

    @idempotent
    @bp.response(201, MessageSchema)
    @bp.doc(requestBody=MESSAGE_REQUEST_BODY)
    @permission_required("tickets.reply")
    def post(self, ticket_id: int):
        """A public reply or (operators) an internal note, as JSON or as multipart/form-data with one or
        more ``files`` that belong to the message; the requester is emailed about public replies."""
        data, files = _message_input()
        ticket = services.ticket_for(current_user, ticket_id)
        return services.reply(
            ticket_id=ticket.id,
            body=data["body"],
            internal=data["internal"],
            status=data.get("status"),
            files=files,
            actor=current_user,
            channel=Channel.API,
        )


@bp.route("/<int:ticket_id>/attachments")
class TicketAttachments(MethodView):
    @bp.response(200, AttachmentSchema(many=True))
    @permission_required("tickets.read")
    def get(self, ticket_id: int):
        ticket = services.ticket_for(current_user, ticket_id)
        return services.attachments_for(ticket.id, include_internal=not _is_referente())

    @idempotent
    @bp.response(201, AttachmentSchema)
    @bp.doc(
        requestBody={
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                }
            },
        }
    )
    @permission_required("tickets.reply")
    def post(self, ticket_id: int):
        """Upload one file (multipart/form-data, field `file`)."""
        ticket = services.ticket_for(current_user, ticket_id)
        storage = request.files.get("file")
        if storage is None or not storage.filename:
            raise Invalid("file mancante", {"file": ["obbligatorio"]})
        return services.upload_attachment(
            ticket_id=ticket.id,
            filename=storage.filename,
            data=storage.read(),
            content_type=storage.mimetype or "application/octet-stream",
            actor=current_user,
        )


@bp.route("/<int:ticket_id>/attachments/<int:attachment_id>")
@bp.doc(
    responses={
        "200": {"description": "the file", "content": {"application/octet-stream": {"schema": {"type": "string"}}}}
    }
)
@permission_required("tickets.read")
def download_attachment(ticket_id: int, attachment_id: int):
    att = services.attachment_for(current_user, attachment_id)
    if att.ticket_id != ticket_id:
        from app.errors import NotFound

        raise NotFound("allegato non trovato")
    return send_download(services.attachment_key(att.sha256), filename=att.filename)


@bp.route("/<int:ticket_id>/merge", methods=["POST"])
@bp.arguments(MergeSchema)
@bp.response(200, TicketSchema)
@permission_required("tickets.work")
def merge(data: dict[str, Any], ticket_id: int):
    """Merge this ticket (the duplicate) into ``target_id``; returns the survivor."""
    source = services.ticket_for(current_user, ticket_id)
    target = services.ticket_for(current_user, data["target_id"])
    return services.merge_tickets(source_id=source.id, target_id=target.id, actor=current_user)


@bp.route("/<int:ticket_id>/links", methods=["POST"])
@bp.arguments(LinkSchema)
@bp.response(200, TicketPageSchema)
@permission_required("tickets.work")
def link(data: dict[str, Any], ticket_id: int):
    """Link two related tickets; returns the linked tickets."""
    ticket = services.ticket_for(current_user, ticket_id)
    other = services.ticket_for(current_user, data["other_id"])
    services.link_tickets(ticket_id=ticket.id, other_id=other.id, actor=current_user)
    return {"items": services.linked_tickets(ticket.id), "next_cursor": None}


@bp.route("/<int:ticket_id>/rating", methods=["POST"])
@bp.arguments(RatingSchema)
@bp.response(200, TicketSchema)
@permission_required("tickets.reply")
def rate(data: dict[str, Any], ticket_id: int):
    ticket = services.ticket_for(current_user, ticket_id)
    return services.rate_ticket(ticket_id=ticket.id, rating=data["rating"], comment=data["comment"], actor=current_user)


@bp.route("/bulk", methods=["POST"])
@bp.arguments(BulkSchema)
@bp.response(200, BulkResultSchema)
@permission_required("tickets.work")
def bulk(data: dict[str, Any]):
    """Assign, change status or priority of many tickets; refused ones are listed in ``errors``."""
    kwargs: dict[str, Any] = {}
    if "assignee_id" in data:
        kwargs["assignee_id"] = data["assignee_id"]
    for key in ("status", "priority"):
        if data.get(key):
            kwargs[key] = data[key]
    result = services.bulk_update(ticket_ids=data["ids"], actor=current_user, **kwargs)
    return {"updated": result["updated"], "errors": {str(k): v for k, v in result["errors"].items()}}


@bp.route("/<int:ticket_id>/apply-macro", methods=["POST"])
@bp.arguments(ApplyMacroSchema)
@bp.response(200, ApplyResultSchema)
@permission_required("tickets.work")
def apply_macro(data: dict[str, Any], ticket_id: int):
    """Apply every action of a macro to the ticket, all or nothing (as if done by hand)."""
    return services.apply_macro(macro_id=data["macro_id"], ticket_id=ticket_id, actor=current_user)


@bp.route("/apply-macro", methods=["POST"])
@bp.arguments(ApplyMacroBulkSchema)
@bp.response(200, ApplyBulkResultSchema)
@permission_required("tickets.work")
def apply_macro_bulk(data: dict[str, Any]):
    """Apply a macro to many tickets, each all or nothing; refused ones are listed in ``errors``."""
    result = services.apply_macro_bulk(macro_id=data["macro_id"], ticket_ids=data["ids"], actor=current_user)
    return {"applied": result["applied"], "errors": {str(k): v for k, v in result["errors"].items()}}


@macros_bp.route("")
class Macros(MethodView):
    @macros_bp.response(200, MacroPageSchema)
    @permission_required("tickets.work")
    def get(self):
        """The macros, by name (operators see the active ones, administrators all); one page."""
        return {"items": services.list_macros(active_only=current_user.role != Role.ADMIN), "next_cursor": None}

    @idempotent
    @macros_bp.arguments(MacroSchema)
    @macros_bp.response(201, MacroSchema)
    @permission_required("tickets.admin")
    def post(self, data: dict[str, Any]):
        return services.save_macro(actor=current_user, **data)


@macros_bp.route("/<int:macro_id>")
class MacroItem(MethodView):
    @macros_bp.response(200, MacroSchema)
    @permission_required("tickets.work")
    def get(self, macro_id: int):
        return services.get_macro(macro_id)

    @macros_bp.arguments(MacroPatchSchema(partial=True))
    @macros_bp.response(200, MacroSchema)
    @permission_required("tickets.admin")
    def patch(self, data: dict[str, Any], macro_id: int):
        return services.save_macro(actor=current_user, macro_id=macro_id, **data)

    @macros_bp.response(204)
    @permission_required("tickets.admin")
    def delete(self, macro_id: int):
        services.delete_macro(macro_id=macro_id, actor=current_user)


@canned_bp.route("")
@canned_bp.response(200, CannedSchema(many=True))
@permission_required("tickets.work")
def canned_list():
    return services.list_canned()


def register(app: Flask) -> None:
    for blueprint in (bp, canned_bp, macros_bp):
        if blueprint._got_registered_once:  # a second app in the same process (tests, CLI)
            from app.api import api

            api.register_blueprint(blueprint)
        else:
            register_api(app, blueprint)

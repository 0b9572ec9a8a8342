"""Files on tickets: upload limits, content-addressed storage, rows."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.db import transaction
from app.errors import Invalid, NotFound
from app.extensions import db
from app.storage import FileMissing, content_key, get_storage
from tickets.models import (
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from tickets.services import rules

DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


ALLOWED_EXTENSIONS = frozenset(
    {
        *("pdf", "p7m", "xml", "txt", "csv", "log", "eml", "msg", "zip", "7z"),
        *("png", "jpg", "jpeg", "gif", "webp", "tif", "tiff"),
        *("doc", "docx", "odt", "rtf", "xls", "xlsx", "ods", "ppt", "pptx", "odp"),
    }
)


def attachments_for(ticket_id: int, *, include_internal: bool) -> list[TicketAttachment]:
    stmt = (
        sa.select(TicketAttachment)
        .outerjoin(TicketMessage, TicketMessage.id == TicketAttachment.message_id)
        .where(TicketAttachment.ticket_id == ticket_id)
        .order_by(TicketAttachment.id)
    )
    if not include_internal:
        stmt = stmt.where(sa.or_(TicketMessage.id.is_(None), TicketMessage.internal.is_(False)))
    return list(db.session.scalars(stmt))


def attachment_key(sha256: str) -> str:
    """The storage key of an attachment's bytes (app.storage): content-addressed, outside the web root."""
    return content_key(sha256)


def attachment_path(sha256: str) -> Path:
    """Where the bytes of an attachment live with the local storage backend (the default)."""
    return Path(current_app.config["ATTACHMENTS_DIR"]) / sha256[:2] / sha256


def store_blob(data: bytes, content_type: str | None = None) -> str:
    """Store bytes where ticket attachments live, once per content; returns their SHA-256. Channels
    (e-mail, voicemail) store files before a ticket exists and attach them later by hash."""
    digest = hashlib.sha256(data).hexdigest()
    storage = get_storage()
    key = attachment_key(digest)
    if not storage.exists(key):
        storage.put(key, data, content_type)
    return digest


def read_blob(sha256: str) -> bytes | None:
    """The stored bytes of that hash, or None when they are not (or no longer) there."""
    try:
        return get_storage().read(attachment_key(sha256))
    except (FileMissing, ValueError):
        return None


def check_upload(filename: str, data: bytes, content_type: str | None = None) -> None:
    """Limits for files users upload (web, portal, API): size and type."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    if not name:
        raise Invalid("file senza nome", {"file": ["file senza nome"]})
    limit = int(current_app.config.get("TICKETS_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES))
    if len(data) > limit:
        raise Invalid("file troppo grande", {"file": [f"massimo {limit // (1024 * 1024)} MB"]})
    if not data:
        raise Invalid("file vuoto", {"file": ["file vuoto"]})
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_EXTENSIONS:
        raise Invalid("tipo di file non ammesso", {"file": [f"tipo non ammesso: .{ext or '?'}"]})


def upload_attachment(
    *, ticket_id: int, filename: str, data: bytes, content_type: str = "", actor: Any = None
) -> TicketAttachment:
    rules.check_sees(actor, ticket_id)
    check_upload(filename, data, content_type)
    return add_attachment(ticket_id=ticket_id, filename=filename, data=data, content_type=content_type, actor=actor)


def add_attachment(
    *,
    ticket_id: int,
    filename: str,
    data: bytes,
    content_type: str = "application/octet-stream",
    message_id: int | None = None,
    content_id: str | None = None,
    actor: Any = None,
) -> TicketAttachment:
    """Store a file on a ticket. The bytes are written before the row commits (content-addressed, so a
    rolled-back attempt leaves at most an unreferenced file, never a row without its file)."""
    if db.session.get(Ticket, ticket_id) is None:
        raise NotFound("ticket non trovato")
    name = os.path.basename((filename or "").replace("\\", "/")).strip() or "allegato"
    name = re.sub(r"[\x00-\x1f\x7f\"]", "", name) or "allegato"
    digest = store_blob(data, content_type)
    with transaction(actor=actor):
        attachment = TicketAttachment(
            ticket_id=ticket_id,
            message_id=message_id,
            filename=name[:255],
            content_type=(content_type or "application/octet-stream")[:127],
            size=len(data),
            sha256=digest,
            content_id=content_id,
            uploaded_by_id=getattr(actor, "id", None),
        )
        db.session.add(attachment)
        db.session.flush()
    return attachment


def attach_files(
    *, ticket_id: int, files: Iterable[tuple[str, bytes, str]], message_id: int | None = None, actor: Any = None
) -> list[TicketAttachment]:
    """Store already checked uploads (``check_upload``) on a ticket, or on one of its messages."""
    return [
        add_attachment(
            ticket_id=ticket_id, filename=name, data=data, content_type=ctype, message_id=message_id, actor=actor
        )
        for name, data, ctype in files
    ]

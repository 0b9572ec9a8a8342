"""The public request form (/assistenza): an adapter of the one intake. The form's fields become the
intake's ``InboundData`` directly (they are not dressed up as an email and parsed back)."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from typing import Any

from flask import current_app

from app.db import transaction
from app.errors import TooManyRequests
from contact_center import intake
from contact_center.intake import InboundData
from contact_center.models import InboundChannel, InboundItem, InboundStatus, RuleAction
from contact_center.routing import match_rule, store_blob_meta

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = {
    "pdf", "png", "jpg", "jpeg", "gif", "webp", "txt", "csv", "doc", "docx", "odt", "xls", "xlsx", "ods",
    "ppt", "pptx", "odp", "zip", "eml", "p7m", "xml", "rtf",
}  # fmt: skip
RATE_WINDOW = dt.timedelta(hours=1)


def upload_limits() -> dict[str, Any]:
    """What the public form's files may be, stated next to the field and checked in the browser first."""
    total = int(current_app.config.get("MAX_CONTENT_LENGTH") or MAX_FILES * MAX_FILE_BYTES)
    extensions = sorted(ALLOWED_EXTENSIONS)
    return {
        "files": MAX_FILES,
        "file_bytes": MAX_FILE_BYTES,
        "file_mb": MAX_FILE_BYTES // (1024 * 1024),
        "total_bytes": total,
        "total_mb": total // (1024 * 1024),
        "extensions": extensions,
        "accept": ",".join(f".{e}" for e in extensions),
    }


def check_uploads(files: list[Any]) -> str | None:
    from flask_babel import gettext as _

    real = [f for f in files if getattr(f, "filename", "")]
    if len(real) > MAX_FILES:
        return _("Al massimo %(n)d allegati.", n=MAX_FILES)
    for f in real:
        ext = f.filename.rsplit(".", 1)[-1].lower() if "." in f.filename else ""
        if ext not in ALLOWED_EXTENSIONS:
            return _("Tipo di file non ammesso: %(name)s", name=f.filename)
        f.stream.seek(0, os.SEEK_END)
        size = f.stream.tell()
        f.stream.seek(0)
        if size > MAX_FILE_BYTES:
            return _("File troppo grande: %(name)s (massimo 10 MB).", name=f.filename)
    return None


def new_nonce() -> str:
    return secrets.token_hex(16)


def check_rate(client_ip: str) -> None:
    from contact_center.services import recent_web_requests

    limit = current_app.config.get("CONTACT_FORM_MAX_PER_HOUR", 10)
    if recent_web_requests(client_ip, RATE_WINDOW) >= limit:
        raise TooManyRequests("troppe richieste da questo indirizzo: riprova più tardi")


def adapt_form(payload: dict[str, Any]) -> InboundData:
    """The web form adapter: the request as the intake's ``InboundData``, straight from its fields.
    The ente chosen in the form opens a ticket at once (a trap field filled in marks it spam)."""
    from crm.services import match_email

    email = (payload.get("email") or "").strip().lower() or None
    match = match_email(email)
    org_id = payload.get("organization_id") or None
    rule = match_rule(
        sender=email, subject=payload.get("subject") or "", body=payload.get("description") or "", mailbox_id=None
    )
    data = InboundData(
        channel=InboundChannel.WEB,
        dedupe_key=f"web:{payload['nonce']}",
        subject=payload.get("subject") or "",
        body_text=payload.get("description") or "",
        sender_name=payload.get("name") or "",
        sender_email=email,
        sender_phone=payload.get("phone") or None,
        organization_id=org_id,
        contact_id=match.contact_id if match.organization_id == org_id else None,
        match_confidence=match.confidence,
        service_id=payload.get("service_id") or (rule.service_id if rule else None),
        team_id=rule.team_id if rule else None,
        priority=(rule.priority if rule else None) or "normal",
        client_ip=payload.get("client_ip"),
        meta={"attachments": payload.get("attachments") or [], "form": True},
        open_ticket=True,
    )
    if payload.get("honeypot"):
        data.status, data.reason = InboundStatus.SPAM, "modulo web: campo trappola compilato"
    elif rule is not None and rule.action in (RuleAction.QUARANTINE, RuleAction.SPAM):
        quarantined = rule.action == RuleAction.QUARANTINE
        data.status = InboundStatus.QUARANTINED if quarantined else InboundStatus.SPAM
        data.reason = f"regola «{rule.name}»"
    return data


def _stored_files(files: list[Any]) -> list[dict[str, Any]]:
    out = []
    for f in files:
        if not getattr(f, "filename", ""):
            continue
        ctype = (f.mimetype or "application/octet-stream").lower()
        out.append(store_blob_meta(f.read(), os.path.basename(f.filename), ctype))
    return out


def submit(
    *,
    client_ip: str,
    organization_id: int,
    name: str,
    email: str,
    phone: str | None,
    service_id: int | None,
    subject: str,
    description: str,
    files: list[Any],
    nonce: str,
    honeypot: bool = False,
) -> InboundItem | None:
    """File a request from the public form (rate limited per address). Returns the item: a ticket was
    opened for it, or it waits in quarantine with its reason when it could not be processed."""
    check_rate(client_ip)
    if not re.fullmatch(r"[0-9a-f]{32}", nonce or ""):
        nonce = new_nonce()
    payload = {
        "client_ip": client_ip,
        "organization_id": organization_id,
        "name": name,
        "email": email,
        "phone": phone,
        "service_id": service_id,
        "subject": subject,
        "description": description,
        "nonce": nonce,
        "honeypot": honeypot,
    }
    with transaction():
        payload["attachments"] = _stored_files(files)  # the files are kept even if filing fails
        outcome = intake.submit(
            "web",
            payload,
            dedupe_key=f"web:{nonce}",
            kind=InboundChannel.WEB,
            summary={
                "subject": subject,
                "sender_name": name,
                "sender_email": email,
                "body_text": description,
                "client_ip": client_ip,
            },
        )
    return outcome.item


def init_webform() -> None:
    intake.register_channel("web", adapt_form)

"""The public request form (/assistenza): the request is stored as an RFC 822 message first and
then goes through the same intake as an email, so it lands exactly like one."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from flask import current_app

from app.db import utcnow
from app.errors import TooManyRequests
from contact_center.models import InboundItem, RawSource

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = {
    "pdf", "png", "jpg", "jpeg", "gif", "webp", "txt", "csv", "doc", "docx", "odt", "xls", "xlsx", "ods",
    "ppt", "pptx", "odp", "zip", "eml", "p7m", "xml", "rtf",
}  # fmt: skip
RATE_WINDOW = dt.timedelta(hours=1)


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


def build_message(
    *,
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
) -> bytes:
    domain = (current_app.config.get("MAIL_FROM") or "presidio.local").rsplit("@", 1)[-1].strip("> ")
    if not re.fullmatch(r"[0-9a-f]{32}", nonce or ""):
        nonce = new_nonce()
    msg = EmailMessage()
    msg["From"] = formataddr((name, email))
    msg["To"] = current_app.config.get("MAIL_FROM") or "assistenza@presidio.local"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = f"<web.{nonce}@{domain}>"
    msg["X-Presidio-Organization"] = str(organization_id)
    msg["X-Presidio-Name"] = name
    msg["X-Presidio-Email"] = email
    if service_id:
        msg["X-Presidio-Service"] = str(service_id)
    if phone:
        msg["X-Presidio-Phone"] = phone
    if honeypot:
        msg["X-Presidio-Honeypot"] = "1"
    msg.set_content(description)
    for f in files:
        if not getattr(f, "filename", ""):
            continue
        data = f.read()
        ctype = (f.mimetype or "application/octet-stream").lower()
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=os.path.basename(f.filename)
        )
    return msg.as_bytes()


def submit(*, client_ip: str, **fields: Any) -> InboundItem | None:
    """Store the request (rate limited), then process it. Returns the item (None if processing
    failed: the request is still stored and waits in quarantine)."""
    from contact_center.mailflow import process_raw, store_raw

    check_rate(client_ip)
    raw = build_message(**fields)
    row, _ = store_raw(raw, source=RawSource.WEB, client_ip=client_ip)
    return process_raw(row.id)

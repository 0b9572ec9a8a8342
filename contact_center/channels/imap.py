"""The IMAP poller: fetch unseen messages, store each one (commit), process it, and only then mark it
seen (or move it) on the server. A crash anywhere before the flag leaves the message unseen, so the
next poll fetches it again — and the raw store's Message-ID/hash key makes that a no-op."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.errors import NotFound
from app.extensions import db
from contact_center.models import Mailbox, RawSource, RawStatus, Security

log = logging.getLogger("presidio.contact_center.imap")

POLL_LIMIT = 200


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    from contact_center.replies import mailbox_password

    context = ssl.create_default_context()
    conn: imaplib.IMAP4
    if mailbox.imap_security == Security.SSL:
        conn = imaplib.IMAP4_SSL(mailbox.imap_host, mailbox.imap_port, ssl_context=context, timeout=30)
    else:
        conn = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=30)
        if mailbox.imap_security == Security.STARTTLS:
            conn.starttls(ssl_context=context)
    conn.login(mailbox.imap_user, mailbox_password(mailbox))
    return conn


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetch(conn: imaplib.IMAP4, uid: str) -> bytes | None:
    typ, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
    if typ != "OK":
        return None
    for part in data or []:
        if isinstance(part, tuple) and len(part) == 2:
            return part[1]
    return None


def _done(conn: imaplib.IMAP4, uid: str, mailbox: Mailbox) -> None:
    if mailbox.processed_folder:
        folder = _quote(mailbox.processed_folder)
        conn.create(folder)  # NO when it exists: fine
        typ, caps = conn.capability()
        if b"MOVE" in b" ".join(caps or []).upper().split():
            conn.uid("MOVE", uid, folder)
            return
        conn.uid("COPY", uid, folder)
        conn.uid("STORE", uid, "+FLAGS", "(\\Deleted \\Seen)")
        conn.expunge()
        return
    conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")


def poll_mailbox(mailbox_id: int, *, limit: int = POLL_LIMIT) -> dict[str, Any]:
    """Poll one mailbox once. Returns counts: fetched, new (stored now), failed (quarantined)."""
    from contact_center.mailflow import process_raw, store_raw

    mailbox = db.session.get(Mailbox, mailbox_id)
    if mailbox is None:
        raise NotFound("casella non trovata")
    fetched = new = failed = 0
    error: str | None = None
    try:
        conn = connect(mailbox)
    except Exception as exc:  # noqa: BLE001 - one broken mailbox must not stop the others
        _record(mailbox_id, f"{type(exc).__name__}: {exc}")
        return {"mailbox": mailbox.name, "fetched": 0, "new": 0, "failed": 0, "error": str(exc)}
    try:
        typ, _ = conn.select(_quote(mailbox.imap_folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cartella {mailbox.imap_folder} non disponibile")
        validity = (conn.response("UIDVALIDITY")[1] or [b"0"])[0]
        validity_s = validity.decode() if isinstance(validity, bytes) else str(validity or "0")
        typ, data = conn.uid("SEARCH", "UNSEEN")
        uids = [u.decode() for u in (data[0] or b"").split()] if typ == "OK" and data else []
        for uid in uids[:limit]:
            raw = _fetch(conn, uid)
            if raw is None:
                continue
            fetched += 1
            row, created = store_raw(raw, source=RawSource.IMAP, mailbox_id=mailbox_id, imap_uid=f"{validity_s}:{uid}")
            new += int(created)
            if row.status == RawStatus.PENDING:
                process_raw(row.id)
            db.session.refresh(row)
            failed += int(row.status == RawStatus.FAILED)
            _done(conn, uid, mailbox)  # only now: the message is committed
        _record(mailbox_id, None)
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        log.exception("polling mailbox %s failed", mailbox_id)
        _record(mailbox_id, f"{type(exc).__name__}: {exc}")
        error = str(exc)
    finally:
        with contextlib.suppress(Exception):
            conn.logout()
    return {"mailbox": mailbox.name, "fetched": fetched, "new": new, "failed": failed, "error": error}


def _record(mailbox_id: int, error: str | None) -> None:
    mailbox = db.session.get(Mailbox, mailbox_id)
    with transaction():
        mailbox.last_polled_at = utcnow()
        mailbox.last_error = re.sub(r"\s+", " ", error)[:1000] if error else None


def poll_all() -> list[dict[str, Any]]:
    ids = list(db.session.scalars(sa.select(Mailbox.id).where(Mailbox.active.is_(True)).order_by(Mailbox.id)))
    return [poll_mailbox(i) for i in ids]

"""Retention: what is past its period goes, rows and stored files (``flask gdpr purge``, daily job).

Periods are per kind, set by the admin (``RetentionSetting``), ``RETENTION_DAYS`` (3650) otherwise:

- ``ticket_attachments``: attachments (voicemail recordings included) of tickets closed longer ago;
- ``raw_emails``: the stored original of inbound e-mails (the ticket keeps their text);
- ``call_recordings``: recordings of calls older than the period;
- ``audit_entries``: the audit log.

Rows go in one transaction per kind; a stored file goes after the commit, and only when no
attachment or call still uses it (files are content-addressed and may be shared).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import audit
from app.audit import AuditEntry
from app.auth.permissions import require
from app.db import transaction, utcnow
from app.errors import Invalid
from app.extensions import db
from app.jobs import periodic
from app.storage import content_key, get_storage
from gdpr.models import RetentionSetting

log = logging.getLogger("presidio.gdpr")

KINDS: dict[str, Any] = {
    "ticket_attachments": _l("Allegati e registrazioni delle richieste chiuse"),
    "raw_emails": _l("Email originali ricevute"),
    "call_recordings": _l("Registrazioni delle chiamate"),
    "audit_entries": _l("Registro delle modifiche"),
}
MIN_DAYS = 1
MAX_DAYS = 36500
BATCH = 500


@dataclasses.dataclass(frozen=True)
class Item:
    kind: str
    id: int
    at: dt.datetime | None
    detail: str


def default_days() -> int:
    return int(current_app.config.get("RETENTION_DAYS") or 3650)


def periods() -> dict[str, int]:
    stored = {s.kind: s.days for s in db.session.scalars(sa.select(RetentionSetting))}
    return {kind: stored.get(kind, default_days()) for kind in KINDS}


def set_periods(*, actor: Any, values: dict[str, Any]) -> dict[str, int]:
    require(actor, "gdpr.admin")
    errors: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    for kind, value in values.items():
        if kind not in KINDS:
            errors[kind] = ["tipo di dato sconosciuto"]
            continue
        try:
            days = int(value)
        except (TypeError, ValueError):
            errors[kind] = ["un numero di giorni"]
            continue
        if not MIN_DAYS <= days <= MAX_DAYS:
            errors[kind] = [f"tra {MIN_DAYS} e {MAX_DAYS} giorni"]
            continue
        clean[kind] = days
    if errors:
        raise Invalid("periodi di conservazione non validi", errors)
    with transaction(actor=actor):
        for kind, days in clean.items():
            setting = db.session.get(RetentionSetting, kind)
            if setting is None:
                db.session.add(RetentionSetting(kind=kind, days=days))
            elif setting.days != days:
                setting.days = days
    return periods()


def _candidates(kind: str, before: dt.datetime, limit: int) -> list[Item]:
    from contact_center import personal_data as cc
    from tickets import personal_data as tk

    if kind == "ticket_attachments":
        return [
            Item(kind, a.id, a.created_at, f"{a.filename} ({a.size} B, richiesta {a.ticket_id})")
            for a in tk.attachments_of_closed_tickets(before, limit)
        ]
    if kind == "raw_emails":
        return [Item(kind, i, at, f"{size} B") for i, at, size in cc.raw_messages_before(before, limit)]
    if kind == "call_recordings":
        return [
            Item(kind, c.id, c.started_at, f"{c.recording_seconds or 0} s, chiamata {c.id}")
            for c in cc.recordings_before(before, limit)
        ]
    if kind == "audit_entries":
        rows = db.session.execute(
            sa.select(AuditEntry.id, AuditEntry.at, AuditEntry.object_type, AuditEntry.action)
            .where(AuditEntry.at < before)
            .order_by(AuditEntry.id)
            .limit(limit)
        )
        return [Item(kind, r[0], r[1], f"{r[2]} {r[3]}") for r in rows]
    raise KeyError(kind)


def _delete(kind: str, items: list[Item]) -> set[str]:
    """Delete the rows; returns the SHA-256 of files that may now be unused."""
    from contact_center import personal_data as cc
    from tickets import personal_data as tk
    from tickets.models import TicketAttachment

    ids = [i.id for i in items]
    if kind == "ticket_attachments":
        shas = set(db.session.scalars(sa.select(TicketAttachment.sha256).where(TicketAttachment.id.in_(ids))))
        tk.delete_attachments(ids)
        return shas
    if kind == "raw_emails":
        cc.delete_raw_messages(ids)
        return set()
    if kind == "call_recordings":
        from contact_center.phone.models import Call

        shas = {
            s
            for s in db.session.scalars(sa.select(Call.recording_stored_sha256).where(Call.id.in_(ids)))
            if s is not None
        }
        cc.forget_recordings(ids)
        return shas
    if kind == "audit_entries":
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id.in_(ids)))
        return set()
    raise KeyError(kind)


def delete_unused_files(shas: Iterable[str]) -> int:
    """Remove stored files no attachment or call recording refers to any more."""
    from contact_center import personal_data as cc
    from tickets import personal_data as tk

    shas = {s for s in shas if s}
    if not shas:
        return 0
    unused = shas - tk.shas_in_use(shas) - cc.recording_shas_in_use(shas)
    storage = get_storage()
    removed = 0
    for sha in sorted(unused):
        try:
            removed += bool(storage.delete(content_key(sha)))
        except ValueError:
            log.warning("retention: not a content hash: %r", sha)
    return removed


def purge(*, now: dt.datetime | None = None, dry_run: bool = False, actor: Any = None) -> dict[str, Any]:
    """Delete (or, with ``dry_run``, list) what is past its period. Returns per kind the items and,
    when deleting, how many rows and files went."""
    now = now or utcnow()
    limits = periods()
    report: dict[str, Any] = {}
    for kind in KINDS:
        before = now - dt.timedelta(days=limits[kind])
        listed: list[Item] = []
        rows = files = 0
        while True:
            items = _candidates(kind, before, BATCH)
            if dry_run:
                listed.extend(items)
                break
            if not items:
                break
            with transaction(actor=actor):
                shas = _delete(kind, items)
            files += delete_unused_files(shas)
            rows += len(items)
            listed.extend(items[:100])
            if len(items) < BATCH:
                break
        report[kind] = {
            "days": limits[kind],
            "before": before.isoformat(),
            "items": listed,
            "rows": rows,
            "files": files,
        }
    if not dry_run and any(r["rows"] for r in report.values()):
        with transaction(actor=actor):
            audit.record(
                object_type="gdpr_retention",
                object_id="purge",
                action="purge",
                changes={k: {"rows": v["rows"], "files": v["files"], "before": v["before"]} for k, v in report.items()},
            )
    return report


@periodic("gdpr.purge", seconds=24 * 3600)
def _purge_job() -> None:
    report = purge()
    log.info("retention purge: %s", {k: (v["rows"], v["files"]) for k, v in report.items()})

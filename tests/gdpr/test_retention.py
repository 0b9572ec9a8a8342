"""Retention: the purge removes only what is past its period (the clock is injected), rows and files."""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa

from app.audit import AuditEntry
from app.db import transaction, utcnow
from app.storage import content_key, get_storage

# The purge's clock, injected: the rows the services write carry the real time, so "now" is the real
# time too and every age below is set relative to it.
NOW = utcnow()


def _closed_ticket(db, admin, subject: str, closed_at: dt.datetime | None, data: bytes):
    from tickets.models import Ticket, TicketAttachment, TicketStatus
    from tickets.services import open_ticket, store_blob

    ticket = open_ticket(subject=subject, actor=admin)
    sha = store_blob(data, "application/pdf")
    with transaction(actor=admin):
        db.session.add(TicketAttachment(ticket_id=ticket.id, filename=f"{subject}.pdf", size=len(data), sha256=sha))
        if closed_at is not None:
            db.session.execute(
                sa.update(Ticket).where(Ticket.id == ticket.id).values(status=TicketStatus.CLOSED, closed_at=closed_at)
            )
    return ticket, sha


def _setup(db, admin):
    from contact_center.models import RawMessage, RawSource
    from contact_center.phone.models import Call, CallOutcome, CallSource, CallStatus, Direction
    from tickets.services import store_blob

    old_ticket, old_sha = _closed_ticket(db, admin, "vecchia", NOW - dt.timedelta(days=40), b"old attachment")
    new_ticket, new_sha = _closed_ticket(db, admin, "recente", NOW - dt.timedelta(days=10), b"new attachment")
    # The same bytes on an old closed ticket and on an open one: the file must stay.
    _, shared_sha = _closed_ticket(db, admin, "condivisa-vecchia", NOW - dt.timedelta(days=50), b"shared bytes")
    _closed_ticket(db, admin, "aperta", None, b"shared bytes")
    old_voice = store_blob(b"old voicemail", "audio/mpeg")
    new_voice = store_blob(b"new voicemail", "audio/mpeg")
    with transaction(actor=admin):
        for key, days in (("raw-old", 400), ("raw-new", 5)):
            db.session.add(
                RawMessage(
                    source=RawSource.PIPE,
                    dedupe_key=key,
                    raw=b"From: a@b.it\r\n\r\nx",
                    size=20,
                    sha256=hashlib.sha256(key.encode()).hexdigest(),
                    received_at=NOW - dt.timedelta(days=days),
                )
            )
        for sid, days, sha in (("CAold", 200, old_voice), ("CAnew", 20, new_voice)):
            db.session.add(
                Call(
                    call_sid=sid,
                    source=CallSource.TWILIO,
                    direction=Direction.INBOUND,
                    status=CallStatus.COMPLETED,
                    outcome=CallOutcome.VOICEMAIL,
                    started_at=NOW - dt.timedelta(days=days),
                    recording_url=f"https://api.twilio.com/Recordings/{sid}",
                    recording_seconds=9,
                    recording_stored_sha256=sha,
                )
            )
        db.session.add(AuditEntry(at=NOW - dt.timedelta(days=800), object_type="x", object_id="1", action="update"))
    return {"old": old_sha, "new": new_sha, "shared": shared_sha, "old_voice": old_voice, "new_voice": new_voice}


def test_purge_removes_only_what_is_past_its_period(db, admin):
    from contact_center.models import RawMessage
    from contact_center.phone.models import Call
    from gdpr.retention import purge, set_periods
    from tickets.models import TicketAttachment

    files = _setup(db, admin)
    set_periods(
        actor=admin, values={"ticket_attachments": 30, "raw_emails": 365, "call_recordings": 90, "audit_entries": 730}
    )
    storage = get_storage()

    preview = purge(now=NOW, dry_run=True)
    assert [i.detail.split(" ")[0] for i in preview["ticket_attachments"]["items"]] == [
        "vecchia.pdf",
        "condivisa-vecchia.pdf",
    ]
    assert len(preview["raw_emails"]["items"]) == 1 and len(preview["call_recordings"]["items"]) == 1
    assert len(preview["audit_entries"]["items"]) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketAttachment)) == 4  # nothing went
    assert storage.exists(content_key(files["old"]))

    report = purge(now=NOW, actor=admin)
    assert {k: v["rows"] for k, v in report.items()} == {
        "ticket_attachments": 2,
        "raw_emails": 1,
        "call_recordings": 1,
        "audit_entries": 1,
    }
    names = sorted(db.session.scalars(sa.select(TicketAttachment.filename)))
    assert names == ["aperta.pdf", "recente.pdf"]
    assert [r.dedupe_key for r in db.session.scalars(sa.select(RawMessage))] == ["raw-new"]
    calls = {c.call_sid: c for c in db.session.scalars(sa.select(Call))}
    assert calls["CAold"].recording_stored_sha256 is None and calls["CAold"].recording_seconds == 9
    assert calls["CAnew"].recording_stored_sha256 == files["new_voice"]
    assert not storage.exists(content_key(files["old"]))
    assert not storage.exists(content_key(files["old_voice"]))
    assert storage.exists(content_key(files["new"]))
    assert storage.exists(content_key(files["shared"]))  # still attached to the open ticket
    assert storage.exists(content_key(files["new_voice"]))
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "purge")) is not None

    again = purge(now=NOW, actor=admin)
    assert all(v["rows"] == 0 for v in again.values())


def test_the_default_period_is_retention_days(db, admin, app):
    from gdpr.retention import periods, purge

    _setup(db, admin)
    assert set(periods().values()) == {3650}
    report = purge(now=NOW, dry_run=True)
    assert all(v["items"] == [] for v in report.values())


def test_cli_dry_run_lists_and_deletes_nothing(db, admin, app):
    from gdpr.retention import set_periods
    from tickets.models import TicketAttachment

    _setup(db, admin)
    set_periods(actor=admin, values={"ticket_attachments": 1})
    result = app.test_cli_runner().invoke(args=["gdpr", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "ticket_attachments" in result.output and "vecchia.pdf" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketAttachment)) == 4


def test_retention_settings_page(db, admin, login, client, get_csrf, api_as):
    from gdpr.retention import periods

    login(admin)
    token = get_csrf("/gdpr/conservazione")
    data = {"csrf_token": token, "ticket_attachments": "30", "raw_emails": "365", "call_recordings": "90"}
    assert client.post("/gdpr/conservazione", data={**data, "audit_entries": "0"}).status_code == 422
    assert client.post("/gdpr/conservazione", data={**data, "audit_entries": "730"}).status_code == 302
    assert periods() == {"ticket_attachments": 30, "raw_emails": 365, "call_recordings": 90, "audit_entries": 730}
    assert client.get("/gdpr/conservazione?anteprima=1").status_code == 200


def test_only_admins_set_retention(db, login_as, client):
    login_as("operator")
    assert client.get("/gdpr/conservazione").status_code == 403

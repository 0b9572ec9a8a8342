"""The cross-module seams: sender matching, status history, attachments on disk, 360° panels."""

from __future__ import annotations

import datetime as dt

from app import panels
from app.db import utcnow
from crm.services import match_email, match_phone, normalize_phone
from tickets.models import TicketStatus, TicketStatusChange
from tickets.services import add_attachment, attachment_path, open_ticket


def test_italian_landline_keeps_its_leading_zero():
    assert normalize_phone("080 123 4567") == "+390801234567"
    assert normalize_phone("+39 333 123 4567") == "+393331234567"
    assert normalize_phone("not a number") is None


def test_sender_address_and_number_match_contact_then_ente(db, make_org):
    from crm.models import Contact

    org = make_org(pec="protocollo@pec.comune.example.it")
    contact = Contact(organization_id=org.id, name="Rita RTD", email="Rita@Comune.example.it", phone="+390801234567")
    db.session.add(contact)
    db.session.commit()
    m = match_email("rita@comune.example.it")
    assert (m.organization_id, m.contact_id, m.confidence) == (org.id, contact.id, "known")
    assert match_email("PROTOCOLLO@pec.comune.example.it").organization_id == org.id
    assert match_email("stranger@example.com").organization_id is None
    assert match_phone("080 1234567").contact_id == contact.id


def test_open_ticket_records_its_first_status_and_stores_attachments(db, app):
    ticket = open_ticket(subject="Stampante", description="Non stampa")
    history = db.session.query(TicketStatusChange).filter_by(ticket_id=ticket.id).all()
    assert [(h.from_status, h.to_status) for h in history] == [(None, TicketStatus.NEW)]
    att = add_attachment(ticket_id=ticket.id, filename="../../etc/passwd", data=b"ciao", content_type="text/plain")
    assert att.filename == "passwd"
    assert attachment_path(att.sha256).read_bytes() == b"ciao"


def test_org_panels_and_timeline_collect_providers(db):
    panels.register_org_panel("test", "x.html", lambda org_id, user: {"n": org_id} if org_id else None)
    panels.register_org_timeline(
        "test",
        lambda org_id, user, limit: [
            panels.TimelineEvent(utcnow() - dt.timedelta(days=i), "t", f"e{i}") for i in range(3)
        ],
    )
    try:
        assert [(p.key, d) for p, d in panels.org_panels(7, None) if p.key == "test"] == [("test", {"n": 7})]
        assert [e.title for e in panels.org_timeline(7, None, limit=2)] == ["e0", "e1"]
    finally:
        panels._PANELS.pop("test")
        panels._TIMELINE.pop("test")


def test_business_time_skips_nights_weekends_lunch_and_holidays(app):
    from zoneinfo import ZoneInfo

    from tickets.sla import is_business_time

    rome = ZoneInfo("Europe/Rome")
    assert is_business_time(dt.datetime(2026, 11, 24, 10, 0, tzinfo=rome))  # Tuesday morning
    assert not is_business_time(dt.datetime(2026, 11, 24, 13, 45, tzinfo=rome))  # lunch break
    assert not is_business_time(dt.datetime(2026, 11, 24, 21, 0, tzinfo=rome))  # night
    assert not is_business_time(dt.datetime(2026, 11, 28, 10, 0, tzinfo=rome))  # Saturday
    assert not is_business_time(dt.datetime(2026, 12, 8, 10, 0, tzinfo=rome))  # Immacolata
    assert is_business_time(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))  # 10:00 in Rome

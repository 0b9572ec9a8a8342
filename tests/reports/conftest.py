"""Report fixtures: a March 2026 of tickets with known business times (the built-in calendar: Monday
to Friday 8:30–13:30 and 14:30–17:30, Europe/Rome; March 2026 is UTC+1 until the 29th)."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

ROME = ZoneInfo("Europe/Rome")


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ROME).astimezone(dt.UTC)


@pytest.fixture
def march(db, make_org, make_user, make_service):
    """Five tickets of two enti (ids in the returned dict), facts refreshed.

    A org1 S1 email normal team1: answered after 60 min, resolved after 480, rated 5 ("Ottimo servizio").
    B org1 no service phone high team1: answered after 120 min (its target exactly), still open.
    C org2 S1 email normal: answered after 30, resolved, reopened, resolved again: 180 min; rated 3.
    E org2 no service portal urgent: answered after 120 min (target 30: breached), still open.
    D org1 opened in April (outside March).
    """
    from reports.facts import refresh_facts
    from tickets import services
    from tickets.models import Team

    org1 = make_org(name="Comune di Alberobello")
    org2 = make_org(name="Comune di Bitonto")
    s1 = make_service(name="Protocollo informatico")
    team = Team(name="Primo livello")
    db.session.add(team)
    db.session.commit()
    op = make_user("operator", name="Olga Operatrice")

    def open_(org, created, **kw):
        return services.open_ticket(
            subject=kw.pop("subject", "Richiesta"),
            organization_id=org.id,
            created_at=created,
            actor=op,
            notify=False,
            **kw,
        )

    def answer(ticket, when):
        services.add_message(ticket_id=ticket.id, body="Risposta", actor=op, channel="email", now=when, notify=False)

    def status(ticket, value, when):
        services.change_status(ticket_id=ticket.id, status=value, actor=op, now=when, notify=False)

    a = open_(org1, at(2, 9), service_id=s1.id, channel="email", team_id=team.id, assignee_id=op.id, subject="Ticket A")
    answer(a, at(2, 10))
    status(a, "resolved", at(3, 9))
    services.rate_ticket(ticket_id=a.id, rating=5, comment="Ottimo servizio")

    b = open_(org1, at(2, 16), channel="phone", priority="high", team_id=team.id, subject="Ticket B")
    answer(b, at(3, 9))

    c = open_(org2, at(4, 10), service_id=s1.id, channel="email", subject="Ticket C")
    answer(c, at(4, 10, 30))
    status(c, "resolved", at(4, 12))
    status(c, "open", at(5, 9))
    status(c, "resolved", at(5, 10))
    services.rate_ticket(ticket_id=c.id, rating=3, comment="Lento ma risolto")

    e = open_(org2, at(5, 9), channel="portal", priority="urgent", subject="Ticket E")
    answer(e, at(5, 11))

    d = open_(org1, at(1, 9, month=4), channel="email", subject="Ticket D")
    refresh_facts(full=True)
    return {
        "org1": org1,
        "org2": org2,
        "service": s1,
        "team": team,
        "operator": op,
        "tickets": {"A": a.id, "B": b.id, "C": c.id, "D": d.id, "E": e.id},
    }


@pytest.fixture
def make_agreement(db):
    from crm.models import Agreement

    counter = iter(range(1, 1000))

    def factory(org, **kwargs: Any):
        n = next(counter)
        values = {
            "organization_id": org.id,
            "code": f"RCONV-{n:03d}",
            "start_date": dt.date(2026, 1, 1),
            "end_date": dt.date(2026, 12, 31),
            "status": "active",
            "included_hours": decimal.Decimal("10"),
            "hourly_rate": decimal.Decimal("40.00"),
        }
        values.update(kwargs)
        agreement = Agreement(**values)
        db.session.add(agreement)
        db.session.commit()
        return agreement

    return factory


@pytest.fixture
def log_time(db):
    from tickets.models import TimeEntry

    def factory(ticket_id: int, organization_id: int, minutes: int, day: dt.date, billable: bool = True):
        db.session.add(
            TimeEntry(
                ticket_id=ticket_id, organization_id=organization_id, minutes=minutes, work_date=day, billable=billable
            )
        )
        db.session.commit()

    return factory

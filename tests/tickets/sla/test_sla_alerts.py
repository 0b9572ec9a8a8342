"""The periodic SLA check with real jobs: flags at risk and breached, notifies once per breach."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.jobs import enqueue
from app.mail import OutboundEmail
from tickets.models import SlaState, Team, Ticket
from tickets.sla.admin import save_calendar, save_policy
from tickets.sla.models import SlaAlert


def _run_check(run_jobs) -> None:
    with transaction():
        enqueue("tickets.sla.check")
    run_jobs()


def _alert_emails(db) -> list[OutboundEmail]:
    return list(
        db.session.scalars(
            sa.select(OutboundEmail).where(OutboundEmail.category == "sla_alert").order_by(OutboundEmail.id)
        )
    )


def test_breach_is_notified_once_to_assignee_team_and_escalation(db, make_ticket, make_user, run_jobs):
    admin = make_user("admin")
    operator = make_user("operator", email="oscar@presidio.example.it")
    save_policy(
        actor=admin,
        name="Generale",
        first_response_minutes=240,
        resolution_minutes=2400,
        escalation_email="responsabile@presidio.example.it",
    )
    team = Team(name="Primo livello", email="primo.livello@presidio.example.it")
    db.session.add(team)
    db.session.commit()
    # opened three weeks ago and never answered: both targets are long gone
    t = make_ticket(created_at=utcnow() - dt.timedelta(days=21), assignee_id=operator.id, team_id=team.id)
    db.session.commit()

    _run_check(run_jobs)
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).sla_state == SlaState.BREACHED
    alerts = list(db.session.scalars(sa.select(SlaAlert).where(SlaAlert.ticket_id == t.id)))
    assert sorted((a.kind.value, a.level.value) for a in alerts) == [
        ("first_response", "breached"),
        ("resolution", "breached"),
    ]
    emails = _alert_emails(db)
    assert sorted(e.to_addr for e in emails) == sorted(
        ["oscar@presidio.example.it", "primo.livello@presidio.example.it", "responsabile@presidio.example.it"] * 2
    )
    assert all(t.number in e.subject and "SLA violato" in e.subject for e in emails)
    assert all(e.ticket_id == t.id for e in emails)
    assert f"/ticket/{t.id}" in emails[0].body_text and t.number in emails[0].body_text

    # the job runs again (next period, a second worker): nothing new is sent
    _run_check(run_jobs)
    _run_check(run_jobs)
    db.session.expire_all()
    assert len(_alert_emails(db)) == 6
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SlaAlert)) == 2


def test_at_risk_then_breach_with_a_round_the_clock_calendar(db, make_ticket, make_user, run_jobs):
    admin = make_user("admin")
    operator = make_user("operator", email="olga@presidio.example.it")
    operator.locale = "en"
    db.session.commit()
    save_calendar(actor=admin, name="H24", national_holidays=False, hours={d: "00:00-24:00" for d in range(7)})
    save_policy(actor=admin, name="Urgente H24", priority="urgent", first_response_minutes=10, resolution_minutes=600)
    t = make_ticket(created_at=utcnow() - dt.timedelta(minutes=9), priority="urgent", assignee_id=operator.id)
    _run_check(run_jobs)
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).sla_state == SlaState.AT_RISK  # 9 of 10 minutes used
    emails = _alert_emails(db)
    assert len(emails) == 1
    assert emails[0].to_addr == "olga@presidio.example.it"
    assert "SLA at risk" in emails[0].subject  # in the assignee's language

    # time passes: the same target is now breached -> one more alert, then silence
    with transaction():
        t = db.session.get(Ticket, t.id)
        t.created_at = utcnow() - dt.timedelta(minutes=30)
        from tickets.sla import apply_sla

        apply_sla(t)
    _run_check(run_jobs)
    _run_check(run_jobs)
    emails = _alert_emails(db)
    assert [("violated" in e.subject.lower() or "breached" in e.subject.lower()) for e in emails] == [False, True]


def test_tickets_without_anyone_to_tell_are_still_flagged(db, make_ticket):
    from tickets.sla.alerts import check_sla

    t = make_ticket(created_at=utcnow() - dt.timedelta(days=21))
    result = check_sla()
    assert result["alerts"] == 2
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).sla_state == SlaState.BREACHED
    assert _alert_emails(db) == []
    assert check_sla()["alerts"] == 0


def test_paused_and_solved_tickets_are_left_alone(db, make_ticket, set_status):
    from tickets.sla.alerts import check_sla

    t = make_ticket(created_at=utcnow() - dt.timedelta(minutes=5))
    set_status(t, "pending", utcnow() - dt.timedelta(minutes=4))
    solved = make_ticket(created_at=utcnow() - dt.timedelta(minutes=5))
    set_status(solved, "resolved", utcnow() - dt.timedelta(minutes=1))
    assert check_sla()["alerts"] == 0
    db.session.expire_all()
    assert db.session.get(Ticket, t.id).sla_state == SlaState.PAUSED
    assert db.session.get(Ticket, solved.id).sla_state == SlaState.MET


def test_a_big_queue_is_recomputed_by_a_job(db, make_ticket, make_user, run_jobs, monkeypatch):
    from tickets.sla import admin as sla_admin

    monkeypatch.setattr(sla_admin, "INLINE_REAPPLY", 1)
    tickets = [make_ticket(priority="high") for _ in range(3)]
    before = [t.first_response_due for t in tickets]
    save_policy(actor=make_user("admin"), name="Alta", priority="high", first_response_minutes=5, resolution_minutes=60)
    db.session.expire_all()
    assert [db.session.get(Ticket, t.id).first_response_due for t in tickets] == before  # not yet
    run_jobs()
    db.session.expire_all()
    after = [db.session.get(Ticket, t.id).first_response_due for t in tickets]
    assert all(a < b for a, b in zip(after, before, strict=True))

"""apply_sla: due times from policy + calendar + status history; states; policies per priority and tier."""

from __future__ import annotations

import datetime as dt

from app.db import transaction
from tickets.models import Priority, SlaState, Ticket
from tickets.sla import apply_sla, is_business_time
from tickets.sla.admin import add_closure, save_calendar, save_policy
from tickets.sla.models import TicketSla

from .conftest import rome


def test_open_ticket_gets_due_times_in_business_hours(make_ticket):
    # Tuesday 9:00, normal priority: first response in 4 business hours, resolution in 40.
    t = make_ticket(created_at=rome(2026, 11, 24, 9, 0))
    assert t.first_response_due == rome(2026, 11, 24, 13, 0)
    assert t.resolution_due == rome(2026, 12, 1, 9, 0)
    assert t.sla_state == SlaState.OK


def test_friday_evening_ticket_is_due_after_the_weekend_and_the_holiday(make_ticket):
    # Friday 4 December 2026 at 18:00; Monday 7 is open, Tuesday 8 is the Immacolata.
    t = make_ticket(created_at=rome(2026, 12, 4, 18, 0), priority="urgent")
    assert t.first_response_due == rome(2026, 12, 7, 9, 0)
    assert t.resolution_due == rome(2026, 12, 7, 12, 30)
    t2 = make_ticket(created_at=rome(2026, 12, 7, 16, 30), priority="urgent")
    assert t2.resolution_due == rome(2026, 12, 9, 11, 30)  # 1h Monday, then Wednesday 8:30 + 3h


def test_pending_pauses_the_clock_from_the_history(db, make_ticket, set_status):
    t = make_ticket(created_at=rome(2026, 11, 24, 9, 0))
    set_status(t, "open", rome(2026, 11, 24, 9, 30))
    set_status(t, "pending", rome(2026, 11, 24, 10, 0))
    assert t.sla_state == SlaState.PAUSED
    row = db.session.get(TicketSla, t.id)
    assert row.paused_since == rome(2026, 11, 24, 10, 0)
    # a day waiting for the comune, then it answers: the 3 hours left restart at 10:00 on Wednesday
    set_status(t, "open", rome(2026, 11, 25, 10, 0))
    assert t.sla_state == SlaState.OK
    assert t.first_response_due == rome(2026, 11, 25, 13, 0)
    assert t.resolution_due == rome(2026, 12, 2, 9, 0)  # shifted by exactly the paused business day
    assert db.session.get(TicketSla, t.id).paused_business_minutes == 8 * 60


def test_due_times_follow_a_priority_change_and_keep_the_pauses(db, make_ticket, set_status):
    t = make_ticket(created_at=rome(2026, 11, 24, 9, 0))
    set_status(t, "pending", rome(2026, 11, 24, 10, 0))
    set_status(t, "open", rome(2026, 11, 25, 10, 0))
    with transaction():
        t.priority = Priority.URGENT
        apply_sla(t, now=rome(2026, 11, 25, 10, 5))
    # urgent: 30 min / 4 h from creation, pause excluded
    assert t.first_response_due == rome(2026, 11, 24, 9, 30)
    assert t.resolution_due == rome(2026, 11, 25, 13, 0)
    assert t.sla_state == SlaState.BREACHED  # the first response was due yesterday


def test_policy_per_tier_wins_over_the_generic_one(db, make_ticket, make_org, make_agreement, make_user):
    admin = make_user("admin")
    save_policy(actor=admin, name="Normale", priority="normal", first_response_minutes=240, resolution_minutes=2400)
    save_policy(
        actor=admin,
        name="Premium normale",
        priority="normal",
        tier="premium",
        first_response_minutes=60,
        resolution_minutes=480,
    )
    save_policy(actor=admin, name="Premium", tier="premium", first_response_minutes=120, resolution_minutes=960)
    premium, standard = make_org(), make_org()
    make_agreement(premium, "premium")
    make_agreement(standard, "standard")
    t1 = make_ticket(created_at=rome(2026, 11, 24, 9, 0), organization_id=premium.id)
    t2 = make_ticket(created_at=rome(2026, 11, 24, 9, 0), organization_id=standard.id)
    t3 = make_ticket(created_at=rome(2026, 11, 24, 9, 0), organization_id=premium.id, priority="low")
    assert t1.first_response_due == rome(2026, 11, 24, 10, 0)
    assert t1.resolution_due == rome(2026, 11, 25, 9, 0)
    assert t2.first_response_due == rome(2026, 11, 24, 13, 0)
    assert t3.first_response_due == rome(2026, 11, 24, 11, 0)  # the tier-wide premium policy
    assert db.session.get(TicketSla, t1.id).policy_name == "Premium normale"
    assert db.session.get(TicketSla, t1.id).tier == "premium"


def test_policy_change_recomputes_open_tickets(db, make_ticket, make_user):
    admin = make_user("admin")
    t = make_ticket(created_at=rome(2026, 11, 24, 9, 0))
    p = save_policy(actor=admin, name="Tutte", first_response_minutes=60, resolution_minutes=120)
    db.session.refresh(t)
    assert t.first_response_due == rome(2026, 11, 24, 10, 0)
    save_policy(actor=admin, policy_id=p.id, first_response_minutes=30)
    db.session.refresh(t)
    assert t.first_response_due == rome(2026, 11, 24, 9, 30)


def test_states_ok_at_risk_breached_met(db, make_ticket, set_status):
    t = make_ticket(created_at=rome(2026, 11, 24, 9, 0))  # first response due 13:00 (240 min; 80% at 12:12)
    with transaction():
        apply_sla(t, now=rome(2026, 11, 24, 12, 0))
    assert t.sla_state == SlaState.OK
    with transaction():
        apply_sla(t, now=rome(2026, 11, 24, 12, 30))
    assert t.sla_state == SlaState.AT_RISK
    with transaction():
        apply_sla(t, now=rome(2026, 11, 24, 13, 1))
    assert t.sla_state == SlaState.BREACHED
    ok = make_ticket(created_at=rome(2026, 11, 24, 9, 0))
    set_status(ok, "resolved", rome(2026, 11, 24, 11, 0))
    assert ok.sla_state == SlaState.MET
    row = db.session.get(TicketSla, ok.id)
    assert (row.first_response_state, row.resolution_state) == ("met", "met")
    assert row.next_check_at is None


def test_first_public_staff_reply_meets_the_first_response(db, make_ticket, make_user):
    from tickets.services import add_message

    operator = make_user("operator")
    t = make_ticket(created_at=rome(2026, 11, 24, 9, 0))
    # The clock is injected: the messages and the first response carry these times, whatever today is.
    add_message(ticket_id=t.id, body="nota interna", internal=True, actor=operator, now=rome(2026, 11, 24, 9, 30))
    add_message(ticket_id=t.id, body="Ci stiamo lavorando", actor=operator, now=rome(2026, 11, 24, 10, 0))
    db.session.refresh(t)
    assert t.first_responded_at == rome(2026, 11, 24, 10, 0)
    with transaction():
        apply_sla(t, now=rome(2026, 11, 24, 15, 0))
    row = db.session.get(TicketSla, t.id)
    assert row.first_response_state == "met"
    assert t.sla_state == SlaState.OK


def test_a_reopened_ticket_resumes_with_what_was_left(db, make_ticket, set_status):
    t = make_ticket(created_at=rome(2026, 11, 24, 9, 0), priority="high")  # resolution 16 h
    set_status(t, "resolved", rome(2026, 11, 24, 11, 0))
    assert t.sla_state == SlaState.MET
    set_status(t, "open", rome(2026, 11, 26, 9, 0))
    # 2 h used before the resolution, 14 h left from Thursday 9:00 -> Friday 16:00 (lunch excluded)
    assert t.resolution_due == rome(2026, 11, 27, 16, 0)
    assert t.sla_state != SlaState.MET


def test_calendar_from_the_admins_with_patron_saint(db, make_ticket, make_user):
    admin = make_user("admin")
    cal = save_calendar(
        actor=admin,
        name="Centro di Bari",
        holiday_subdiv="ba",
        hours={0: "9-13", 1: "9-13", 2: "9-13", 3: "9-13", 4: "9-13"},
    )
    assert cal.is_default and cal.holiday_subdiv == "BA"
    add_closure(actor=admin, calendar_id=cal.id, day="2026-05-08", name="San Nicola (traslazione)", yearly=True)
    assert not is_business_time(rome(2026, 11, 24, 14, 0))
    assert is_business_time(rome(2026, 11, 24, 12, 0))
    assert not is_business_time(rome(2027, 12, 6, 10, 0))  # San Nicola, 6 December
    assert not is_business_time(rome(2026, 5, 8, 10, 0))  # the center's own yearly closure
    # Friday 3 December 2027 12:00 + 2 h -> 1 h Friday, Monday 6 closed -> Tuesday 10:00
    t = make_ticket(created_at=rome(2027, 12, 3, 12, 0), priority="high")
    assert t.first_response_due == rome(2027, 12, 7, 10, 0)


def test_tickets_without_history_still_get_a_clock(db, make_org):
    from tickets.models import TicketStatus

    t = Ticket(
        number="AST-2026-999999", subject="importato", status=TicketStatus.OPEN, created_at=rome(2026, 11, 24, 9)
    )
    db.session.add(t)
    db.session.flush()
    apply_sla(t, now=rome(2026, 11, 24, 9, 10))
    db.session.commit()
    assert t.first_response_due == rome(2026, 11, 24, 13, 0)
    assert dt.timedelta(0) < t.resolution_due - t.created_at


def test_demo_setup_is_idempotent(db, make_ticket, make_user):
    from tickets.models import TimeEntry
    from tickets.sla import demo, load_calendar
    from tickets.sla.models import BusinessCalendar, SlaPolicy

    ctx: dict = {}
    demo.load(ctx)
    demo.load(ctx)
    assert db.session.query(BusinessCalendar).count() == 1
    assert db.session.query(SlaPolicy).count() == len(demo.POLICIES)
    cal = load_calendar()
    assert cal.closed_reason(dt.date(2027, 5, 8)) and cal.closed_reason(dt.date(2026, 12, 6))
    make_user("operator")
    t = make_ticket(created_at=rome(2026, 11, 20, 9, 0))
    from tickets.models import TicketStatus
    from tickets.services import record_status

    with transaction():
        record_status(t, TicketStatus.OPEN)
    demo.after_users(ctx)
    n = db.session.query(TimeEntry).count()
    demo.after_users(ctx)
    assert n >= 1 and db.session.query(TimeEntry).count() == n


def test_cli_due_check_and_recompute(app, make_ticket):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["sla", "due", "2026-11-27T17:00", "60"])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "2026-11-30T09:00:00+01:00"
    assert runner.invoke(args=["sla", "due", "venerdì", "60"]).exit_code != 0
    make_ticket()
    r = runner.invoke(args=["sla", "recompute"])
    assert r.exit_code == 0 and "recomputed 1" in r.output
    r = runner.invoke(args=["sla", "check"])
    assert r.exit_code == 0 and "checked" in r.output

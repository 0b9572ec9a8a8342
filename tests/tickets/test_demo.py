"""The demo data: realistic tickets for the Bari comuni, idempotent, robust without the CRM's demo."""

from __future__ import annotations

import sqlalchemy as sa

from tickets.models import CannedResponse, Team, Ticket, TicketStatus


def test_demo_loads_tickets_for_the_comuni_and_is_idempotent(db):
    from app.demo import load_demo

    load_demo()
    tickets = db.session.scalars(sa.select(Ticket)).all()
    assert len(tickets) >= 40  # ours, plus any other module's demo tickets
    assert any(t.organization_id for t in tickets)
    statuses = {t.status for t in tickets}
    assert {TicketStatus.NEW, TicketStatus.RESOLVED} <= statuses
    assert any(t.merged_into_id for t in tickets)
    assert any(t.rating for t in tickets)
    load_demo()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == len(tickets)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CannedResponse)) == 5


def test_demo_without_organizations(db):
    from tickets import demo

    ctx: dict = {}
    demo.load(ctx)
    demo.after_users(ctx)  # no users, no orgs: nothing breaks
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)) == 3

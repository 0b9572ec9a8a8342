"""The contact center's demo data loads on top of the CRM's, twice without duplicates."""

from __future__ import annotations

import sqlalchemy as sa

from contact_center.models import InboundItem, InboundStatus, Mailbox, RoutingRule


def test_demo_loads_and_is_idempotent(db, app):
    from app.demo import load_demo

    load_demo()
    load_demo()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailbox)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoutingRule)) >= 4
    statuses = {s for (s,) in db.session.execute(sa.select(InboundItem.status))}
    assert {InboundStatus.NEW, InboundStatus.IGNORED, InboundStatus.QUARANTINED} <= statuses
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InboundItem)) >= 4

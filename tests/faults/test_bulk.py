"""`seed bulk` makes realistic, consistent volume quickly (PostgreSQL COPY)."""

from __future__ import annotations

import sqlalchemy as sa

from app.bulk import load_bulk


def _count(db, table: str) -> int:
    return db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608


def test_bulk_load_makes_consistent_italian_data(app, db):
    result = load_bulk(tickets=600, orgs=12, echo=lambda _msg: None)
    assert result.counts["tickets"] == 600
    assert _count(db, "tickets") == 600
    assert _count(db, "organizations") == 12
    messages = _count(db, "ticket_messages")
    assert 3 * 600 <= messages <= 8 * 600
    # the rows read back through the models (enums, times) like any other
    from crm.models import Contact, Organization
    from tickets.models import Ticket, TicketStatus

    statuses = {t.status for t in db.session.scalars(sa.select(Ticket))}
    assert TicketStatus.CLOSED in statuses and statuses <= set(TicketStatus)
    assert all(o.kind for o in db.session.scalars(sa.select(Organization)))
    assert all(c.role for c in db.session.scalars(sa.select(Contact)))
    from app.audit import AuditEntry
    from app.auth.models import User
    from contact_center.models import InboundItem
    from crm.models import Agreement
    from tickets.models import TicketMessage, TicketStatusChange, TimeEntry

    for model in (Agreement, User, InboundItem, TicketMessage, TicketStatusChange, TimeEntry, AuditEntry):
        assert db.session.scalars(sa.select(model)).all(), model
    # every ticket has its messages and a status history that ends in its status
    orphans = db.session.scalar(
        sa.text(
            "SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = t.id)"
        )
    )
    assert orphans == 0
    wrong_history = db.session.scalar(
        sa.text(
            "SELECT count(*) FROM tickets t WHERE t.status <> (SELECT to_status FROM ticket_status_changes s "
            "WHERE s.ticket_id = t.id ORDER BY s.at DESC, s.id DESC LIMIT 1)"
        )
    )
    assert wrong_history == 0
    # numbers are unique and the per-year counters continue after them
    assert db.session.scalar(sa.text("SELECT count(DISTINCT number) FROM tickets")) == 600
    assert db.session.scalar(sa.text("SELECT sum(last) FROM ticket_counters")) == 600
    # Italian text, so full-text search has something to find
    hits = db.session.scalar(
        sa.text(
            "SELECT count(*) FROM ticket_messages WHERE to_tsvector('italian', body) "
            "@@ plainto_tsquery('italian', 'certificato')"
        )
    )
    assert hits > 0
    # the tickets' search document is the one the tickets module's triggers would have built
    stale = db.session.scalar(
        sa.text(
            "SELECT count(*) FROM tickets "
            "WHERE search_vector IS DISTINCT FROM tickets_search_document(id, subject, description)"
        )
    )
    assert stale == 0
    found = db.session.scalar(
        sa.text("SELECT count(*) FROM tickets WHERE search_vector @@ plainto_tsquery('italian', 'certificato')")
    )
    assert found > 0


def test_bulk_load_is_additive_and_sequences_continue(app, db, make_org):
    from tickets.services import open_ticket

    existing = make_org(name="Comune di Bari", istat_code="072006", belfiore_code="A662")
    load_bulk(tickets=50, orgs=3, echo=lambda _msg: None)
    load_bulk(tickets=50, orgs=3, echo=lambda _msg: None)
    assert _count(db, "tickets") == 100
    assert _count(db, "organizations") == 7
    # the application keeps working on top of bulk data: ids and numbers do not collide
    ticket = open_ticket(subject="Stampante non funziona", description="Non stampa", organization_id=existing.id)
    assert ticket.id == 101
    assert db.session.scalar(sa.text("SELECT count(DISTINCT number) FROM tickets")) == 101


def test_seed_bulk_command(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "bulk", "--tickets", "30", "--orgs", "2"])
    assert result.exit_code == 0, result.output
    assert "tickets=30" in result.output
    bad = runner.invoke(args=["seed", "bulk", "--tickets", "-5"])
    assert bad.exit_code != 0

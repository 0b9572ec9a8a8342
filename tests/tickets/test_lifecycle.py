"""Lifecycle rules: numbering, transitions, reopen, follow-up, merge, auto-close, audit."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.errors import Conflict, Forbidden, Invalid
from tickets import services
from tickets.models import Ticket, TicketLink, TicketMessage, TicketStatus, TicketStatusChange


def history(db, ticket_id):
    rows = db.session.scalars(
        sa.select(TicketStatusChange).where(TicketStatusChange.ticket_id == ticket_id).order_by(TicketStatusChange.id)
    )
    return [(r.from_status and r.from_status.value, r.to_status.value) for r in rows]


def test_numbers_are_per_year_and_sequential(db):
    a = services.open_ticket(subject="Primo", created_at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC))
    b = services.open_ticket(subject="Secondo", created_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    c = services.open_ticket(subject="Anno nuovo", created_at=dt.datetime(2027, 1, 2, 9, tzinfo=dt.UTC))
    assert (a.number, b.number, c.number) == ("AST-2026-000001", "AST-2026-000002", "AST-2027-000001")
    assert services.find_ticket_by_number("ast-2026-000002").id == b.id


def test_concurrent_openings_get_distinct_numbers_and_a_new_year_starts_once(app, db):
    """Eight openings at once, the first ones of a year: every number is distinct and 1..8."""
    import threading

    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def open_one(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                ticket = services.open_ticket(
                    subject=f"Richiesta {i}", created_at=dt.datetime(2031, 2, 3, 9, tzinfo=dt.UTC)
                )
                numbers.append(ticket.number)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                from app.extensions import db as _db

                _db.session.remove()

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(numbers) == [f"AST-2031-{n:06d}" for n in range(1, 9)]
    assert services.open_ticket(subject="Dopo", created_at=dt.datetime(2031, 5, 1, tzinfo=dt.UTC)).number == (
        "AST-2031-000009"
    )


def test_numbers_continue_after_the_stored_counter(db):
    """A year whose counter row already exists (older data, the bulk loader) continues after it."""
    from tickets.models import TicketCounter

    db.session.add(TicketCounter(year=2032, last=41))
    db.session.commit()
    ticket = services.open_ticket(subject="Continua", created_at=dt.datetime(2032, 1, 5, 9, tzinfo=dt.UTC))
    assert ticket.number == "AST-2032-000042"


def test_refused_opening_names_the_field_and_writes_nothing(db):
    for kwargs, field in (
        ({"organization_id": 999_999}, "organization_id"),
        ({"service_id": 999_999}, "service_id"),
        ({"requester_contact_id": 999_999}, "requester_contact_id"),
        ({"assignee_id": 999_999}, "assignee_id"),
        ({"team_id": 999_999}, "team_id"),
    ):
        with pytest.raises(Invalid) as err:
            services.open_ticket(subject="x", **kwargs)
        assert field in err.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_subject_is_required_and_enums_are_checked(db):
    with pytest.raises(Invalid) as err:
        services.open_ticket(subject="  ")
    assert "subject" in err.value.fields
    with pytest.raises(Invalid) as err:
        services.open_ticket(subject="x", priority="altissima")
    assert "priority" in err.value.fields


def test_operator_reply_is_first_response_and_opens(db, make_user):
    op = make_user("operator")
    t = services.open_ticket(subject="PEC non arriva", description="Da ieri la PEC non riceve")
    services.add_message(ticket_id=t.id, body="Stiamo verificando", actor=op)
    db.session.refresh(t)
    assert t.status == TicketStatus.OPEN
    assert t.first_responded_at is not None
    assert history(db, t.id) == [(None, "new"), ("new", "open")]


def test_internal_note_does_not_count_as_response(db, make_user):
    op = make_user("operator")
    t = services.open_ticket(subject="Nota", description="x")
    services.add_message(ticket_id=t.id, body="chiamare il sindaco", internal=True, actor=op)
    db.session.refresh(t)
    assert t.status == TicketStatus.NEW and t.first_responded_at is None


def test_referente_cannot_write_internal_notes(db, referente):
    t = services.open_ticket(subject="x", description="y", organization_id=referente.organization_id)
    with pytest.raises(Forbidden):
        services.add_message(ticket_id=t.id, body="nota", internal=True, actor=referente)


def test_transitions_follow_the_rules(db, make_user):
    op = make_user("operator")
    t = services.open_ticket(subject="Regole", description="x")
    services.change_status(ticket_id=t.id, status="pending", actor=op)
    services.change_status(ticket_id=t.id, status="resolved", actor=op)
    db.session.refresh(t)
    assert t.resolved_at is not None
    services.change_status(ticket_id=t.id, status="closed", actor=op)
    with pytest.raises(Conflict):
        services.change_status(ticket_id=t.id, status="open", actor=op)
    assert services.allowed_transitions(db.session.get(Ticket, t.id)) == []
    assert history(db, t.id)[-1] == ("resolved", "closed")


def test_reply_from_the_requester_reopens_a_resolved_ticket(db, make_user, referente):
    op = make_user("operator")
    t = services.open_ticket(subject="Stampa", description="x", organization_id=referente.organization_id)
    services.change_status(ticket_id=t.id, status="resolved", actor=op)
    msg = services.add_message(ticket_id=t.id, body="Non funziona ancora", actor=referente)
    assert msg.ticket_id == t.id
    db.session.refresh(t)
    assert t.status == TicketStatus.OPEN and t.resolved_at is None


def test_contact_reply_on_pending_reopens(db, make_user):
    op = make_user("operator")
    t = services.open_ticket(subject="Attesa", description="x")
    services.change_status(ticket_id=t.id, status="pending", actor=op)
    services.add_message(ticket_id=t.id, body="Ecco i dati richiesti", channel="email", message_ref="<a@b>")
    db.session.refresh(t)
    assert t.status == TicketStatus.OPEN


def test_message_on_closed_ticket_opens_a_linked_follow_up(db, make_user, referente):
    op = make_user("operator")
    t = services.open_ticket(subject="Chiuso", description="x", organization_id=referente.organization_id)
    services.change_status(ticket_id=t.id, status="closed", actor=op)
    msg = services.add_message(ticket_id=t.id, body="Si è ripresentato", actor=referente)
    assert msg.ticket_id != t.id
    follow = db.session.get(Ticket, msg.ticket_id)
    assert follow.follow_up_of_id == t.id
    assert follow.organization_id == referente.organization_id
    assert follow.subject == "Seguito: Chiuso"
    assert db.session.get(TicketLink, (follow.id, t.id)) is not None
    assert db.session.get(Ticket, t.id).status == TicketStatus.CLOSED


def test_operator_cannot_publicly_reply_on_closed(db, make_user):
    op = make_user("operator")
    t = services.open_ticket(subject="Chiuso", description="x")
    services.change_status(ticket_id=t.id, status="closed", actor=op)
    with pytest.raises(Conflict):
        services.add_message(ticket_id=t.id, body="ciao", actor=op)


def test_merge_moves_messages_and_points_to_survivor(db, make_user, make_org):
    op = make_user("operator")
    org = make_org()
    keep = services.open_ticket(subject="Stampante guasta", description="primo", organization_id=org.id)
    dup = services.open_ticket(subject="Stampante rotta", description="doppione", organization_id=org.id, tags="hw")
    services.add_attachment(ticket_id=dup.id, filename="foto.png", data=b"png", content_type="image/png")
    survivor = services.merge_tickets(source_id=dup.id, target_id=keep.id, actor=op)
    assert survivor.id == keep.id
    dup = db.session.get(Ticket, dup.id)
    assert dup.merged_into_id == keep.id and dup.status == TicketStatus.CLOSED
    bodies = [m.body for m in services.messages_for(keep.id, include_internal=False)]
    assert "primo" in bodies and "doppione" in bodies
    assert [a.filename for a in services.attachments_for(keep.id, include_internal=True)] == ["foto.png"]
    assert services.ticket_tags(keep.id) == ["hw"]
    # a requester writing to the duplicate lands on the survivor
    msg = services.add_message(ticket_id=dup.id, body="altro dettaglio", channel="email")
    assert msg.ticket_id == keep.id
    with pytest.raises(Conflict):
        services.merge_tickets(source_id=dup.id, target_id=keep.id, actor=op)


def test_merge_refuses_other_organization(db, make_user, make_org):
    op = make_user("operator")
    a = services.open_ticket(subject="a", organization_id=make_org().id)
    b = services.open_ticket(subject="b", organization_id=make_org().id)
    with pytest.raises(Invalid):
        services.merge_tickets(source_id=a.id, target_id=b.id, actor=op)


def test_resolved_tickets_close_by_themselves(db, make_user, app):
    op = make_user("operator")
    old = services.open_ticket(subject="vecchio")
    recent = services.open_ticket(subject="recente")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    services.change_status(ticket_id=old.id, status="resolved", actor=op, now=long_ago)
    services.change_status(ticket_id=recent.id, status="resolved", actor=op)
    assert services.autoclose_resolved() == 1
    assert db.session.get(Ticket, old.id).status == TicketStatus.CLOSED
    assert db.session.get(Ticket, recent.id).status == TicketStatus.RESOLVED
    app.config["TICKETS_AUTOCLOSE_DAYS"] = 0
    try:
        assert services.autoclose_resolved() == 1
    finally:
        app.config["TICKETS_AUTOCLOSE_DAYS"] = 7


def test_every_transition_is_audited(db, make_user):
    from app.audit import AuditEntry

    op = make_user("operator")
    t = services.open_ticket(subject="Audit", actor=op)
    services.change_status(ticket_id=t.id, status="resolved", actor=op)
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "tickets", AuditEntry.object_id == str(t.id))
    ).all()
    assert any(e.actor_id == op.id and "status" in (e.changes or {}) for e in entries)


def test_assignment_validates_operator_and_bulk_reports_refusals(db, make_user, referente):
    op = make_user("operator")
    t1 = services.open_ticket(subject="uno")
    t2 = services.open_ticket(subject="due")
    with pytest.raises(Invalid):
        services.assign(ticket_id=t1.id, assignee_id=referente.id, actor=op)
    services.change_status(ticket_id=t2.id, status="closed", actor=op)
    result = services.bulk_update(ticket_ids=[t1.id, t2.id], assignee_id=op.id, actor=op)
    assert result["updated"] == [t1.id] and t2.id in result["errors"]
    assert db.session.get(Ticket, t1.id).assignee_id == op.id


def test_tags_and_canned_placeholders(db, make_user, make_org, make_contact):
    op = make_user("operator", name="Oscar Operatore")
    org = make_org(name="Comune di Molfetta")
    contact = make_contact(org, name="Anna Bianchi")
    t = services.open_ticket(subject="SPID", requester_contact_id=contact.id, tags="SPID, #login, spid")
    assert t.organization_id == org.id
    assert services.ticket_tags(t.id) == ["login", "spid"]
    canned = services.save_canned(title="Saluto", body="Gentile {richiedente} ({ente}), ticket {numero}. {operatore}")
    text = services.render_canned(canned, t, op)
    assert text == f"Gentile Anna Bianchi (Comune di Molfetta), ticket {t.number}. Oscar Operatore"
    with pytest.raises(Invalid):
        services.set_tags(t, "non valido!")


def test_rating_only_after_resolution(db, make_user):
    op = make_user("operator")
    t = services.open_ticket(subject="voto")
    with pytest.raises(Conflict):
        services.rate_ticket(ticket_id=t.id, rating=5)
    services.change_status(ticket_id=t.id, status="resolved", actor=op)
    with pytest.raises(Invalid):
        services.rate_ticket(ticket_id=t.id, rating=9)
    services.rate_ticket(ticket_id=t.id, rating=4, comment="Veloci")
    assert services.satisfaction_summary() == {"count": 1, "average": 4.0}


def test_message_count_kept(db):
    t = services.open_ticket(subject="conteggio", description="uno")
    services.add_message(ticket_id=t.id, body="due", channel="email")
    assert db.session.query(TicketMessage).filter_by(ticket_id=t.id).count() == 2

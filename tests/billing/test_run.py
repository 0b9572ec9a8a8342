"""The annual run at scale: batches, resuming a failed run, extra hours per convenzione period."""

from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa

from app.audit import AuditEntry
from app.extensions import db
from billing import services
from billing.models import BillingRun, Invoice, InvoiceLine, RunStatus

D = decimal.Decimal


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_run_in_batches_bills_every_convenzione_once_with_lines_and_audit(make_agreement, finance):
    agreements = [make_agreement(billing_document=k) for k in ("fattura", "richiesta_pagamento") * 3]
    make_agreement(annual_fee_fixed=D("0"), fee_per_inhabitant=D("0"))  # owes nothing: skipped
    with db.session.begin():
        run = BillingRun(year=2026, created_by_id=finance.id)
        db.session.add(run)
    run = services.execute_run(run.id, batch_size=2)

    assert (run.status, run.total, run.processed, run.created_count, run.skipped_count) == (RunStatus.DONE, 7, 7, 6, 1)
    drafts = db.session.scalars(sa.select(Invoice).where(Invoice.run_id == run.id)).all()
    assert sorted(d.agreement_id for d in drafts) == sorted(a.id for a in agreements)
    assert run.amount == sum((d.total for d in drafts), D("0")) > 0
    assert all(d.lines and d.total == d.net_total + d.vat_total for d in drafts)
    assert _count(AuditEntry, AuditEntry.object_type == "invoices", AuditEntry.action == "create") == 6
    assert _count(AuditEntry, AuditEntry.object_type == "invoice_lines") == _count(InvoiceLine)

    again = services.run_now(year=2026, actor=finance)
    assert (again.created_count, again.skipped_count, again.amount) == (0, 7, D("0"))
    assert _count(Invoice) == 6


def test_a_failed_run_executed_again_resumes_where_it_stopped(make_agreement, finance):
    first, *rest = [make_agreement() for _ in range(3)]
    with db.session.begin():
        run = BillingRun(year=2026, status=RunStatus.FAILED, error="worker killed")
        db.session.add(run)
    # What the run had written before it stopped: the first convenzione's draft.
    billed = services.create_annual_draft(terms=services.sources.get_agreement(first.id), year=2026, run_id=run.id)
    db.session.commit()

    run = services.execute_run(run.id, batch_size=2)
    assert (run.status, run.created_count, run.skipped_count) == (RunStatus.DONE, 3, 0)
    assert _count(Invoice) == 3
    assert {d.agreement_id for d in db.session.scalars(sa.select(Invoice))} == {first.id} | {a.id for a in rest}
    assert run.amount == sum((d.total for d in db.session.scalars(sa.select(Invoice))), D("0"))
    assert db.session.get(Invoice, billed.id).run_id == run.id


def test_extra_hours_count_the_minutes_inside_each_convenzione_period(make_agreement, make_org, make_user):
    from tickets.services import open_ticket
    from tickets.sla.time_entries import add_time_entry

    operator = make_user("operator")
    whole_org, half_org = make_org(sdi_code="UFWHOL"), make_org(sdi_code="UFHALF")
    whole = make_agreement(org=whole_org, included_hours=D("1"))
    half = make_agreement(org=half_org, start_date=dt.date(2026, 7, 1), included_hours=D("0"))
    for org, entries in (
        (
            whole_org,
            [(dt.date(2025, 12, 31), 200, True), (dt.date(2026, 3, 2), 150, True), (dt.date(2026, 3, 3), 60, False)],
        ),
        (half_org, [(dt.date(2026, 6, 30), 120, True), (dt.date(2026, 7, 1), 60, True)]),
    ):
        ticket = open_ticket(subject="Stampante guasta", organization_id=org.id)
        for day, minutes, billable in entries:
            add_time_entry(ticket_id=ticket.id, minutes=minutes, work_date=day, billable=billable, actor=operator)

    rows = {r.agreement_id: r for r in services.preview_run(2026)}
    extra = {aid: next(line for line in r.fee.lines if line.code == "extra_hours") for aid, r in rows.items()}
    assert extra[whole.id].quantity == D("1.50")  # 150 billable minutes in 2026 minus the hour included
    assert extra[half.id].quantity == D("1.00")  # only the minutes from the convenzione's start
    # The run's bulk reading agrees with the one-convenzione computation.
    for aid, row in rows.items():
        assert row.fee == services.compute_for(services.sources.get_agreement(aid), 2026)

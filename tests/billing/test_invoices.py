"""The run, drafts, issuing with gap-free numbers (also concurrently), credit notes."""

from __future__ import annotations

import datetime as dt
import decimal
import threading

import pytest
import sqlalchemy as sa

from app.errors import Conflict, Invalid
from app.extensions import db
from billing import pagopa, services
from billing.models import BillingRun, Invoice, InvoiceStatus, RunStatus

D = decimal.Decimal


def test_run_creates_drafts_and_is_idempotent(make_agreement, finance, run_jobs):
    a1 = make_agreement()
    make_agreement(billing_document="richiesta_pagamento")
    make_agreement(status="draft")  # never billed
    make_agreement(start_date=dt.date(2027, 1, 1))  # not in 2026
    preview = services.preview_run(2026)
    assert [r.state for r in preview] == ["new", "new"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0  # preview writes nothing

    run = services.start_run(year=2026, actor=finance)
    run_jobs()
    db.session.expire_all()
    run = db.session.get(BillingRun, run.id)
    assert (run.status, run.total, run.processed, run.created_count) == (RunStatus.DONE, 2, 2, 2)
    drafts = db.session.scalars(sa.select(Invoice).order_by(Invoice.id)).all()
    assert {d.status for d in drafts} == {InvoiceStatus.DRAFT}
    assert all(d.number is None for d in drafts)
    assert {d.series.value for d in drafts} == {"FT", "RP"}
    ft = next(d for d in drafts if d.agreement_id == a1.id)
    assert ft.split_payment and ft.vat_total > 0

    again = services.run_now(year=2026, actor=finance)
    assert (again.created_count, again.skipped_count) == (0, 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 2
    assert {r.state for r in services.preview_run(2026)} == {"billed"}


def test_issue_gives_progressive_numbers_per_series_and_year_and_a_notice(make_agreement, finance):
    drafts = []
    for kind in ("fattura", "fattura", "richiesta_pagamento"):
        a = make_agreement(billing_document=kind)
        drafts.append(services.create_annual_draft(terms=services.sources.get_agreement(a.id), year=2026))
    db.session.commit()
    issued = [services.issue_invoice(invoice_id=d.id, actor=finance, issue_date=dt.date(2026, 3, 1)) for d in drafts]
    assert [i.number for i in issued] == ["FT-2026-00001", "FT-2026-00002", "RP-2026-00001"]
    first = issued[0]
    assert first.due_date == dt.date(2026, 3, 31)
    assert pagopa.is_valid_notice(first.notice_code) and first.notice_code.startswith("301")
    assert first.iuv == first.notice_code[1:]
    next_year = make_agreement()
    d = services.create_annual_draft(terms=services.sources.get_agreement(next_year.id), year=2026)
    db.session.commit()
    assert (
        services.issue_invoice(invoice_id=d.id, actor=finance, issue_date=dt.date(2027, 1, 2)).number == "FT-2027-00001"
    )
    with pytest.raises(Conflict):
        services.issue_invoice(invoice_id=first.id, actor=finance)
    with pytest.raises(Conflict):
        services.discard_draft(invoice_id=first.id, actor=finance)


def test_fattura_needs_the_codice_univoco_ufficio(make_agreement, make_org, finance):
    a = make_agreement(org=make_org(sdi_code=None, fiscal_code="80015010723"))
    d = services.create_annual_draft(terms=services.sources.get_agreement(a.id), year=2026)
    db.session.commit()
    with pytest.raises(Invalid) as err:
        services.issue_invoice(invoice_id=d.id, actor=finance)
    assert "sdi_code" in err.value.fields
    assert db.session.get(Invoice, d.id).number is None


def test_concurrent_issuers_get_gap_free_distinct_numbers(app, make_agreement, finance):
    """Eight threads, each with its own PostgreSQL session, issue at once: numbers 1..8, no gaps."""
    ids = []
    for _ in range(8):
        a = make_agreement()
        ids.append(services.create_annual_draft(terms=services.sources.get_agreement(a.id), year=2026).id)
    db.session.commit()
    finance_id = finance.id
    barrier = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def issue(invoice_id: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                services.issue_invoice(invoice_id=invoice_id, actor=finance_id, issue_date=dt.date(2026, 5, 4))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    db.session.expire_all()
    seqs = sorted(db.session.scalars(sa.select(Invoice.sequence).where(Invoice.id.in_(ids))))
    assert seqs == list(range(1, 9))


def test_failed_issue_gives_its_number_back(make_agreement, make_org, finance):
    good = make_agreement()
    bad = make_agreement(org=make_org(sdi_code="bad", fiscal_code="80015010723"))
    d_bad = services.create_annual_draft(terms=services.sources.get_agreement(bad.id), year=2026)
    d_good = services.create_annual_draft(terms=services.sources.get_agreement(good.id), year=2026)
    db.session.commit()
    with pytest.raises(Invalid):
        services.issue_invoice(invoice_id=d_bad.id, actor=finance, issue_date=dt.date(2026, 6, 1))
    assert services.issue_invoice(invoice_id=d_good.id, actor=finance, issue_date=dt.date(2026, 6, 1)).sequence == 1


def test_credit_note_cancels_instead_of_deleting(issued, finance):
    invoice = issued()
    note = services.create_credit_note(invoice_id=invoice.id, actor=finance, reason="importo errato")
    db.session.expire_all()
    invoice = db.session.get(Invoice, invoice.id)
    assert invoice.status == InvoiceStatus.CANCELLED and invoice.balance == D("0.00")
    assert note.number.startswith("NC-") and note.credit_of_id == invoice.id and note.total == invoice.total
    with pytest.raises(Conflict):
        services.create_credit_note(invoice_id=invoice.id, actor=finance)


def test_an_issued_document_is_immutable(issued, finance):
    invoice = issued()
    invoice.total = D("1.00")
    with pytest.raises(Conflict):
        db.session.commit()
    db.session.rollback()
    invoice = db.session.get(Invoice, invoice.id)
    invoice.lines[0].amount = D("1.00")
    with pytest.raises(Conflict):
        db.session.commit()
    db.session.rollback()
    invoice = db.session.get(Invoice, invoice.id)
    db.session.delete(invoice)
    with pytest.raises(Conflict):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(Conflict):
        services.add_line(
            invoice_id=invoice.id, description="extra", quantity=D("1"), unit_price=D("10"), actor=finance
        )
    assert db.session.get(Invoice, invoice.id).number == "FT-2026-00001"

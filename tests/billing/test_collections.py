"""Payments, reconciliation imports, receivables ageing and reminders (through real jobs and SMTP)."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
import sqlalchemy as sa

from app.db import local_today
from app.errors import Conflict, Invalid
from app.extensions import db
from billing import collections
from billing.models import Invoice, InvoiceStatus, Payment, Reminder, UnmatchedPayment

D = decimal.Decimal


def test_parse_amount_accepts_italian_and_plain_forms():
    assert collections.parse_amount("1.234,50") == D("1234.50")
    assert collections.parse_amount("1234.5") == D("1234.50")
    assert collections.parse_amount("€ 12,3") == D("12.30")
    assert collections.parse_amount("1,234.56") == D("1234.56")
    assert collections.parse_amount("12.345") == D("12345.00")  # Italian thousands separator
    for bad in ("abc", "", "1.234.5", "1.5.5"):
        with pytest.raises(Invalid):
            collections.parse_amount(bad)


def test_partial_and_full_payment_and_no_payment_on_cancelled(issued, finance):
    invoice = issued(issue_date=local_today())
    collections.register_payment(
        invoice_id=invoice.id, amount="100.00", paid_on=local_today(), method="bonifico", actor=finance
    )
    assert db.session.get(Invoice, invoice.id).status == InvoiceStatus.PARTIALLY_PAID
    with pytest.raises(Invalid) as err:
        collections.register_payment(
            invoice_id=invoice.id, amount=invoice.amount_due, paid_on=local_today(), method="pagopa", actor=finance
        )
    assert "amount" in err.value.fields
    with pytest.raises(Invalid):
        collections.register_payment(
            invoice_id=invoice.id,
            amount="1.00",
            paid_on=local_today() + dt.timedelta(days=2),
            method="pagopa",
            actor=finance,
        )
    collections.register_payment(
        invoice_id=invoice.id, amount=invoice.amount_due - 100, paid_on=local_today(), method="pagopa", actor=finance
    )
    paid = db.session.get(Invoice, invoice.id)
    assert paid.status == InvoiceStatus.PAID and paid.balance == D("0.00")
    from billing import services

    other = issued()
    services.create_credit_note(invoice_id=other.id, actor=finance)
    with pytest.raises(Conflict):
        collections.register_payment(
            invoice_id=other.id, amount="1.00", paid_on=local_today(), method="pagopa", actor=finance
        )


def test_reconciliation_import_matches_by_notice_and_number_queues_unknown_and_rejects_bad_rows(issued, finance):
    a = issued(issue_date=local_today())
    b = issued(issue_date=local_today(), billing_document="richiesta_pagamento")
    today = local_today().strftime("%d/%m/%Y")
    grouped = " ".join(a.notice_code[i : i + 4] for i in range(0, 18, 4))
    csv_text = (
        "data;importo;codice_avviso;numero_fattura;causale;id_transazione;pagatore\n"
        f"{today};100,00;{grouped};;;TRN-1;Comune A\n"  # by notice code (printed in groups)
        f"{today};{b.amount_due};;{b.number};;TRN-2;Comune B\n"  # by number, settles it
        f"{today};50,00;;;versamento quota senza riferimenti;TRN-3;Ignoto\n"  # unmatched -> queue
        f"{today};abc;{a.notice_code};;;TRN-4;Comune A\n"  # bad amount
        f"{today};999999,00;{a.notice_code};;;TRN-5;Comune A\n"  # overpayment
        f"{today};10,00;;;SALDO AVVISO {a.notice_code} COMUNE;TRN-6;Comune A\n"  # notice inside the causale
    )
    record = collections.import_payments(data=csv_text.encode(), filename="tesoreria.csv", actor=finance)
    outcomes = [r["outcome"] for r in record.report]
    assert outcomes == ["applied", "applied", "unmatched", "rejected", "rejected", "applied"]
    assert (record.applied, record.unmatched, record.rejected) == (3, 1, 2)
    assert "eccedenza" in record.report[4]["message"]
    db.session.expire_all()
    assert db.session.get(Invoice, a.id).paid_total == D("110.00")
    assert db.session.get(Invoice, b.id).status == InvoiceStatus.PAID
    # The same file again applies nothing twice
    again = collections.import_payments(data=csv_text.encode(), filename="tesoreria.csv", actor=finance)
    assert [r["outcome"] for r in again.report] == [
        "duplicate",
        "duplicate",
        "duplicate",
        "rejected",
        "rejected",
        "duplicate",
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 3
    # Finance assigns the unmatched row by hand
    item = db.session.scalar(sa.select(UnmatchedPayment))
    collections.assign_unmatched(unmatched_id=item.id, invoice_id=a.id, actor=finance)
    assert db.session.get(Invoice, a.id).paid_total == D("160.00")
    assert collections.unmatched_queue() == []
    with pytest.raises(Conflict):
        collections.assign_unmatched(unmatched_id=item.id, invoice_id=a.id, actor=finance)


def test_import_without_the_needed_columns_is_refused_whole(finance):
    with pytest.raises(Invalid) as err:
        collections.import_payments(data=b"foo;bar\n1;2\n", filename="x.csv", actor=finance)
    assert "file" in err.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_receivables_ageing_buckets(issued, finance):
    today = local_today()
    # Due 30 days after issue: issue dates chosen to land in each bucket
    cases = {"not_due": 0, "d0_30": 40, "d31_60": 80, "d61_90": 110, "d90_plus": 200}
    invoices = {}
    from crm.models import Organization

    first = issued(issue_date=today)
    org = db.session.get(Organization, first.organization_id)
    invoices["not_due"] = first
    for bucket, days_ago in list(cases.items())[1:]:
        invoices[bucket] = issued(org=org, code=f"C-{bucket}", issue_date=today - dt.timedelta(days=days_ago))
    collections.mark_overdue()
    [row] = collections.receivables(today=today)
    for bucket, inv in invoices.items():
        assert row[bucket] == inv.amount_due, bucket
    assert row["balance"] == sum(i.amount_due for i in invoices.values())
    assert row["overdue"] == row["balance"] - row["not_due"]
    assert len(collections.overdue_list(today=today)) == 4
    assert db.session.get(Invoice, invoices["d90_plus"].id).status == InvoiceStatus.OVERDUE


def test_reminders_escalate_by_days_past_due_never_twice_via_real_jobs(
    app, issued, finance, smtp_server, run_jobs, monkeypatch
):
    from app.jobs import enqueue, transaction

    monkeypatch.setitem(app.config, "BILLING_EMAIL_ON_ISSUE", False)  # only the reminders here

    today = local_today()
    late = issued(issue_date=today - dt.timedelta(days=30 + 20))  # 20 days past due: first reminder
    very_late = issued(issue_date=today - dt.timedelta(days=30 + 50))  # 50 days: straight to the second
    issued(issue_date=today)  # not due: nothing
    with transaction():
        enqueue("billing.reminders")
    run_jobs()
    rows = db.session.scalars(sa.select(Reminder).order_by(Reminder.invoice_id)).all()
    assert [(r.invoice_id, r.level, r.via_pec) for r in rows] == [(late.id, 1, True), (very_late.id, 2, True)]
    subjects = sorted(m["Subject"] for m in smtp_server.parsed())
    assert subjects == [
        f"Primo sollecito di pagamento — documento {late.number}",
        f"Secondo sollecito di pagamento — documento {very_late.number}",
    ]
    body = smtp_server.parsed()[0].get_body(preferencelist=("plain",)).get_content()
    assert "codice avviso" in body
    # Running again sends nothing more
    with transaction():
        enqueue("billing.reminders")
    run_jobs()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)) == 2
    assert len(smtp_server.messages) == 2
    # A paid invoice is never reminded
    collections.register_payment(
        invoice_id=late.id, amount=late.amount_due, paid_on=today, method="pagopa", actor=finance
    )
    assert collections.send_reminders(today=today + dt.timedelta(days=40)) == []


def test_settings_change_reminder_steps_and_payment_terms(issued, finance, login, client, get_csrf):
    from billing import services

    login(finance)
    token = get_csrf("/ragioneria/impostazioni")
    bad = client.post(
        "/ragioneria/impostazioni",
        data={"csrf_token": token, "reminder_days": "dieci", "payment_days": "30", "vat_rate": "22"},
    )
    assert bad.status_code == 200 and "numeri interi" in bad.get_data(as_text=True)
    ok = client.post(
        "/ragioneria/impostazioni",
        data={"csrf_token": token, "reminder_days": "10, 20,30", "payment_days": "60", "vat_rate": "22"},
    )
    assert ok.status_code == 302
    assert collections.reminder_days() == [10, 20, 30]
    invoice = issued(issue_date=dt.date(2026, 1, 10))
    assert invoice.due_date == dt.date(2026, 3, 11)
    assert services.get_settings()["payment_days"] == 60

"""Demo data and the `billing run` command."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from billing.models import Invoice, InvoiceStatus, Reminder


def test_demo_is_idempotent_and_shows_every_state(make_agreement, make_org):
    from billing import demo

    for n in range(6):
        org = make_org(fiscal_code=None, sdi_code=f"DEMO{n:02d}", pec=f"p{n}@pec.example.it")
        make_agreement(
            org=org, start_date=dt.date(2024, 1, 1), billing_document="fattura" if n % 2 else "richiesta_pagamento"
        )
    demo.load({})
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Invoice))
    statuses = set(db.session.scalars(sa.select(Invoice.status)))
    assert {InvoiceStatus.PAID, InvoiceStatus.DRAFT, InvoiceStatus.OVERDUE} <= statuses
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)) > 0
    demo.load({})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == count


def test_cli_billing_run_dry_run_then_real(app, make_agreement):
    make_agreement()
    make_agreement(billing_document="richiesta_pagamento")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["billing", "run", "--year", "2026", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 draft(s) to create" in dry.output and "nothing written" in dry.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 0
    real = runner.invoke(args=["billing", "run", "--year", "2026"])
    assert real.exit_code == 0 and "2 draft(s) created" in real.output
    again = runner.invoke(args=["billing", "run", "--year", "2026"])
    assert again.exit_code == 0 and "0 draft(s) created, 2 skipped" in again.output
    bad = runner.invoke(args=["billing", "run", "--year", "1800"])
    assert bad.exit_code != 0 and "anno" in bad.output

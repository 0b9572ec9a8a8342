"""Billing fixtures: enti with convenzioni, built through the models the CRM owns."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest

D = decimal.Decimal


@pytest.fixture
def make_agreement(db, make_org):
    from crm.models import Agreement

    counter = iter(range(1, 10_000))

    def factory(org=None, **kwargs: Any) -> Agreement:
        n = next(counter)
        org = org or make_org(sdi_code=f"UF{n:04d}", fiscal_code="80015010723", pec=f"protocollo{n}@pec.example.it")
        values = {
            "organization_id": org.id,
            "code": f"CONV-{n:03d}",
            "start_date": dt.date(2026, 1, 1),
            "end_date": dt.date(2030, 12, 31),
            "status": "active",
            "billing_document": "fattura",
            "annual_fee_fixed": D("1000.00"),
            "fee_per_inhabitant": D("0.15"),
            "included_hours": D("10"),
            "hourly_rate": D("40.00"),
        }
        values.update(kwargs)
        agreement = Agreement(**values)
        db.session.add(agreement)
        db.session.commit()
        return agreement

    return factory


@pytest.fixture
def finance(make_user):
    return make_user("finance")


@pytest.fixture
def issued(make_agreement, finance):
    """An issued fattura for a convenzione (year 2026), issued on 2026-02-01."""
    from billing import services, sources

    def factory(issue_date: dt.date = dt.date(2026, 2, 1), **kwargs: Any):
        agreement = make_agreement(**kwargs)
        draft = services.create_annual_draft(terms=sources.get_agreement(agreement.id), year=2026)
        from app.extensions import db

        db.session.commit()
        return services.issue_invoice(invoice_id=draft.id, actor=finance, issue_date=issue_date)

    return factory

"""CRM fixtures: catalog services and convenzioni made through the services (the rules apply)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest


@pytest.fixture
def make_service(db):
    from crm.services import create_service

    counter = iter(range(1, 10_000))

    def factory(**kwargs: Any):
        n = next(counter)
        values = {"code": f"srv-{n}", "name": f"Servizio {n}"}
        values.update(kwargs)
        return create_service(**values)

    return factory


@pytest.fixture
def make_agreement(db, make_org, make_service):
    from crm.agreements import create_agreement

    def factory(org=None, services=None, **kwargs: Any):
        org = org or make_org()
        services = services if services is not None else [make_service()]
        today = dt.date.today()
        values = {
            "organization_id": org.id,
            "start_date": dt.date(today.year, 1, 1),
            "end_date": dt.date(today.year + 2, 12, 31),
            "service_ids": [s.id for s in services],
            "annual_fee_fixed": "1500.00",
            "fee_per_inhabitant": "0.15",
            "included_hours": "20",
            "hourly_rate": "45.00",
            "status": "active",
        }
        values.update(kwargs)
        return create_agreement(**values)

    return factory

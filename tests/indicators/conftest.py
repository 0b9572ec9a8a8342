from __future__ import annotations

import pytest


@pytest.fixture
def catalog(db):
    """The PNRR catalog of the demo, by code."""
    from indicators.demo import load_catalog
    from indicators.models import Indicator

    load_catalog()
    return {i.code: i for i in db.session.scalars(db.select(Indicator))}

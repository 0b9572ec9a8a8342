from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

ROME = ZoneInfo("Europe/Rome")


def _compile_tickets_catalog() -> None:
    """`make test` compiles the catalogs; land.sh runs pytest directly, so make sure English is there."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parents[3] / "tickets" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        with mo.open("wb") as fh:
            write_mo(fh, catalog)


_compile_tickets_catalog()


def rome(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ROME)


@pytest.fixture
def make_ticket(db):
    """A ticket opened through the ticket service (so the SLA is applied as in production)."""
    from tickets.services import open_ticket

    def factory(**kwargs: Any):
        kwargs.setdefault("subject", "La stampante dell'anagrafe non stampa")
        kwargs.setdefault("description", "Dalla mattina la stampante non risponde.")
        return open_ticket(**kwargs)

    return factory


@pytest.fixture
def set_status(db):
    """Move a ticket through a status at a given time, as the ticket services do, and re-apply the SLA."""
    from app.db import transaction
    from tickets.models import TicketStatus
    from tickets.services import record_status
    from tickets.sla import apply_sla

    def do(ticket, status: str, at: dt.datetime, now: dt.datetime | None = None):
        with transaction():
            record_status(ticket, TicketStatus(status), at=at)
            if status == "resolved":
                ticket.resolved_at = at
            apply_sla(ticket, now=now or at)
        return ticket

    return do


@pytest.fixture
def make_agreement(db):
    from crm.models import Agreement, AgreementStatus

    def factory(org, tier: str = "premium"):
        row = Agreement(
            organization_id=org.id,
            code=f"CONV-{org.id}-{tier}",
            start_date=dt.date(2020, 1, 1),
            end_date=dt.date(2035, 12, 31),
            status=AgreementStatus.ACTIVE,
            sla_tier=tier,
        )
        db.session.add(row)
        db.session.commit()
        return row

    return factory

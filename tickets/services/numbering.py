"""Ticket numbers (AST-YYYY-NNNNNN): a PostgreSQL sequence per year, a counter row on SQLite."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from tickets.models import (
    TicketCounter,
)

NUMBER_PREFIX = "AST"


def next_number(year: int) -> str:
    """Allocate the next human number of ``year``: unique, increasing, gaps possible (a rolled-back opening).

    PostgreSQL: a sequence per year (``ticket_number_next``), so concurrent openings never queue on a
    counter row. SQLite (one writer at a time anyway): the ``ticket_counters`` row.
    """
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        return str(session.scalar(sa.select(number_expr(year))))
    return _next_number_counter(session, year)


def number_expr(year: int) -> Any:
    """The next number of ``year`` as SQL, to compute inside the INSERT of the ticket (PostgreSQL)."""
    return sa.func.ticket_number_next(NUMBER_PREFIX, year, type_=sa.String)


def _next_number_counter(session: Any, year: int) -> str:
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    session.execute(sqlite_insert(TicketCounter).values(year=year, last=0).on_conflict_do_nothing())
    last = session.scalar(
        sa.update(TicketCounter)
        .where(TicketCounter.year == year)
        .values(last=TicketCounter.last + 1)
        .returning(TicketCounter.last)
    )
    return f"{NUMBER_PREFIX}-{year}-{last:06d}"

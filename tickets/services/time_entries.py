"""Billable time logged on tickets, as billing reads it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from tickets.models import (
    TimeEntry,
)


def billable_minutes(*, organization_id: int, start: dt.date, end: dt.date) -> int:
    """Billable minutes logged on an organization's tickets with start <= work_date <= end."""
    by_org = billable_minutes_by_organization(organization_ids=[organization_id], start=start, end=end)
    return by_org.get(organization_id, 0)


def _billable_in(organization_ids: Iterable[int], start: dt.date, end: dt.date) -> list[Any]:
    ids = sorted({i for i in organization_ids if i})
    conditions = [TimeEntry.billable.is_(True), TimeEntry.work_date >= start, TimeEntry.work_date <= end]
    # Many enti (a billing run): filter after grouping rather than with a huge IN list.
    if len(ids) <= 1000:
        conditions.append(TimeEntry.organization_id.in_(ids))
    return conditions


def billable_minutes_by_organization(
    *, organization_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, int]:
    """``billable_minutes`` of many organizations in one query: {organization id: minutes}."""
    wanted = {i for i in organization_ids if i}
    rows = db.session.execute(
        sa.select(TimeEntry.organization_id, sa.func.sum(TimeEntry.minutes))
        .where(*_billable_in(wanted, start, end))
        .group_by(TimeEntry.organization_id)
    )
    return {org: int(total or 0) for org, total in rows if org in wanted}


def billable_minutes_by_day(
    *, organization_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, list[tuple[dt.date, int]]]:
    """Billable minutes per organization and work day in one query: {organization id: [(day, minutes)]}."""
    wanted = {i for i in organization_ids if i}
    rows = db.session.execute(
        sa.select(TimeEntry.organization_id, TimeEntry.work_date, sa.func.sum(TimeEntry.minutes))
        .where(*_billable_in(wanted, start, end))
        .group_by(TimeEntry.organization_id, TimeEntry.work_date)
    )
    out: dict[int, list[tuple[dt.date, int]]] = {}
    for org, day, total in rows:
        if org in wanted:
            out.setdefault(org, []).append((day, int(total or 0)))
    return out

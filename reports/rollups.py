"""Daily rollups of the fact table, so a report over a year of a million tickets sums a few hundred rows
instead of reading a few hundred thousand facts.

A rollup row holds one local day's figures at one *grain*: the day's totals (grain ``""``), per value of
one dimension (``"channel"``, ``"organization"``, …) or of two of team, channel and priority
(``"team+channel"``: they have few values, so a pair adds few rows a day). A report with filters ``F``
grouped by ``G`` is answered from the grain ``F ∪ {G}`` when it exists; otherwise ``reports.analytics``
reads the facts (e.g. a filter on the ente or the service grouped by another dimension, two filters:
selective queries the fact indexes answer quickly).

Medians and 90th percentiles come from per-row histograms of business minutes over ``EDGES``: one bucket
per minute below 20 minutes, then buckets at most 10% wide. The estimate lies within the buckets of the
exact values, so it is **exact below 20 minutes and otherwise within 10% of the exact value** (PostgreSQL's
``percentile_cont`` over the facts). Counts, SLA, reopenings and ratings are exact.

Freshness: a fact change marks its old and new days dirty in the same transaction (``mark_dirty``);
``rollup()`` (a periodic job and ``flask reports rollup``) rebuilds dirty and never-rolled days before
today, one day range per transaction, idempotently. A report reads clean days from the rollups and the
rest — today, and any day still dirty — live from the facts, so figures are never older than the facts.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.db import local_today, transaction, utcnow
from app.extensions import db
from reports.models import DailyRollup, MonthlyRollup, RollupDay, TicketFact

if TYPE_CHECKING:
    from reports.analytics import Query


def _edges() -> tuple[int, ...]:
    edges = [0]
    while edges[-1] < 10_000_000:  # ~19 years of round-the-clock minutes: the last bucket is open
        edges.append(max(edges[-1] + 1, int(edges[-1] * 1.1)))
    return tuple(edges)


EDGES = _edges()
EXACT_BELOW = next(e for i, e in enumerate(EDGES[:-1]) if EDGES[i + 1] - e > 1)  # 20: width-1 buckets below
RELATIVE_ERROR = 0.1

# Dimension name (as in ``analytics.GROUPS``) → column of the facts and of the rollups.
DIMENSIONS = {
    "organization": "organization_id",
    "service": "service_id",
    "team": "team_id",
    "operator": "assignee_id",
    "channel": "channel",
    "priority": "priority",
}
FILTER_DIMENSIONS = {column: name for name, column in DIMENSIONS.items()}
_PAIRABLE = ("team", "channel", "priority")  # few values each: a pair adds few rows per day
GRAINS: tuple[tuple[str, ...], ...] = (
    (),
    *((d,) for d in DIMENSIONS),
    *itertools.combinations(_PAIRABLE, 2),
)
ROLLUP_TABLE = cast(sa.Table, DailyRollup.__table__)
MONTHLY_TABLE = cast(sa.Table, MonthlyRollup.__table__)
LIVE_MAX_DAYS = 8  # more days than this to read from the facts: the whole report reads the facts
CHUNK_DAYS = 31


def grain_of(dims: Iterable[str]) -> tuple[str, ...] | None:
    """The stored grain holding exactly these dimensions, or None."""
    wanted = set(dims)
    return next((g for g in GRAINS if set(g) == wanted), None)


def grain_name(grain: Sequence[str]) -> str:
    return "+".join(grain)


def bucket(minutes: int) -> int:
    return bisect.bisect_right(EDGES, max(int(minutes), 0)) - 1


def _value_at(ordered: list[tuple[int, int]], rank: int) -> float:
    """The ``rank``-th smallest value (0-based), spread evenly over the integers of its bucket."""
    seen = 0
    for index, count in ordered:
        if rank < seen + count:
            low = EDGES[index]
            span = (EDGES[index + 1] - 1 - low) if index + 1 < len(EDGES) else 0
            return low + span * (rank - seen + 0.5) / count
        seen += count
    raise IndexError(rank)


def percentile(hist: Mapping[int, int], share: float) -> float | None:
    """``percentile_cont(share)`` estimated from a histogram (see the module's error bound)."""
    return percentiles(hist, (share,))[0]


def percentiles(hist: Mapping[int, int], shares: Sequence[float]) -> list[float | None]:
    """``percentile`` of each share, the histogram sorted once."""
    ordered = sorted(item for item in hist.items() if item[1])
    total = sum(c for _, c in ordered)
    if not total:
        return [None] * len(shares)
    out: list[float | None] = []
    for share in shares:
        pos = share * (total - 1)
        low = int(pos)
        value = _value_at(ordered, low)
        if pos > low:
            value += (_value_at(ordered, low + 1) - value) * (pos - low)
        out.append(value)
    return out


@dataclasses.dataclass
class Tally:
    """The additive figures of a set of tickets (a rollup row, or the sum of many)."""

    created: int = 0
    resolved: int = 0
    reopened: int = 0
    sla_met: int = 0
    sla_breached: int = 0
    csat_sum: int = 0
    csat_count: int = 0
    first_response: Counter[int] = dataclasses.field(default_factory=Counter)
    resolution: Counter[int] = dataclasses.field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        for name in ("created", "resolved", "reopened", "sla_met", "sla_breached", "csat_sum", "csat_count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.first_response.update(other.first_response)
        self.resolution.update(other.resolution)

    def add_row(self, row: Any) -> None:
        self.created += row.created
        self.resolved += row.resolved
        self.reopened += row.reopened
        self.sla_met += row.sla_met
        self.sla_breached += row.sla_breached
        self.csat_sum += row.csat_sum
        self.csat_count += row.csat_count
        for target, hist in ((self.first_response, row.first_response_hist), (self.resolution, row.resolution_hist)):
            for b, c in (hist or {}).items():
                target[int(b)] += c


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Rome"))


def _bounds(first: dt.date, last: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    return start, end


def _runs(days: Iterable[dt.date], limit: int | None = None) -> list[list[dt.date]]:
    """Consecutive days in runs (each at most ``limit`` long)."""
    out: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if out and out[-1][-1] + dt.timedelta(days=1) == day and (limit is None or len(out[-1]) < limit):
            out[-1].append(day)
        else:
            out.append([day])
    return out


_FACT_COLUMNS = (
    TicketFact.organization_id,
    TicketFact.service_id,
    TicketFact.team_id,
    TicketFact.assignee_id,
    TicketFact.channel,
    TicketFact.priority,
    TicketFact.created_at,
    TicketFact.resolved_at,
    TicketFact.first_response_minutes,
    TicketFact.resolution_minutes,
    TicketFact.sla_met,
    TicketFact.reopened,
    TicketFact.rating,
)


def _facts_of_days(days: Iterable[dt.date], where: Sequence[Any] = ()) -> list[Any]:
    """Facts (not merged) created or resolved on one of these local days."""
    tz = _tz()
    ranges = []
    for run in _runs(days):
        start, end = _bounds(run[0], run[-1], tz)
        ranges += [
            sa.and_(TicketFact.created_at >= start, TicketFact.created_at < end),
            sa.and_(TicketFact.resolved_at >= start, TicketFact.resolved_at < end),
        ]
    if not ranges:
        return []
    stmt = sa.select(*_FACT_COLUMNS).where(TicketFact.merged.is_(False), sa.or_(*ranges), *where)
    return list(db.session.execute(stmt))


_FACT_INDEX = {c.key: i for i, c in enumerate(_FACT_COLUMNS)}


def tally_facts(
    rows: Iterable[Any], days: set[dt.date], grains: Sequence[tuple[str, ...]]
) -> dict[tuple[tuple[str, ...], dt.date, tuple[Any, ...]], Tally]:
    """Fact rows summed per (grain, local day, values of the grain's dimensions), for those days only."""
    tz = _tz()
    out: dict[tuple[tuple[str, ...], dt.date, tuple[Any, ...]], Tally] = {}
    at = _FACT_INDEX
    positions = [(g, [at[DIMENSIONS[d]] for d in g]) for g in grains]
    i_created, i_resolved, i_first, i_resolution, i_met, i_reopened, i_rating = (
        at[k]
        for k in (
            "created_at",
            "resolved_at",
            "first_response_minutes",
            "resolution_minutes",
            "sla_met",
            "reopened",
            "rating",
        )
    )
    for row in map(tuple, rows):
        cday = row[i_created].astimezone(tz).date()
        rday = row[i_resolved].astimezone(tz).date() if row[i_resolved] is not None else None
        on_created = cday in days
        on_resolved = rday in days
        if not (on_created or on_resolved):
            continue
        first = bucket(row[i_first]) if row[i_first] is not None else None
        resolution = bucket(row[i_resolution]) if row[i_resolution] is not None else None
        met, rating = row[i_met], row[i_rating]
        for grain, cols in positions:
            key = tuple([row[c] for c in cols])
            if on_created:
                t = out.get((grain, cday, key))
                if t is None:
                    t = out[(grain, cday, key)] = Tally()
                t.created += 1
                if met is True:
                    t.sla_met += 1
                elif met is False:
                    t.sla_breached += 1
                if first is not None:
                    t.first_response[first] += 1
            if on_resolved:
                assert rday is not None
                t = out.get((grain, rday, key))
                if t is None:
                    t = out[(grain, rday, key)] = Tally()
                t.resolved += 1
                t.reopened += bool(row[i_reopened])
                if rating is not None:
                    t.csat_sum += rating
                    t.csat_count += 1
                if resolution is not None:
                    t.resolution[resolution] += 1
    return out


# --- keeping the rollups current -----------------------------------------------------------------


def _upsert_days(days: Iterable[dt.date], *, dirty: bool) -> None:
    values = [{"day": d, "dirty": dirty} for d in sorted(set(days))]
    if not values:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        stmt = insert(RollupDay)
        if dirty:
            stmt = stmt.on_conflict_do_update(index_elements=["day"], set_={"dirty": True})  # type: ignore[assignment]
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=["day"])  # type: ignore[assignment]
        db.session.execute(stmt, values)
        return
    known = set(db.session.scalars(sa.select(RollupDay.day).where(RollupDay.day.in_([v["day"] for v in values]))))
    if dirty and known:
        db.session.execute(sa.update(RollupDay).where(RollupDay.day.in_(known)).values(dirty=True))
    new = [v for v in values if v["day"] not in known]
    if new:
        db.session.execute(sa.insert(RollupDay), new)


def mark_dirty(timestamps: Iterable[dt.datetime | None]) -> None:
    """The local days of these instants need rolling up again (called by ``compute_facts`` with the
    old and new creation and resolution times of the facts it rewrites, in its transaction)."""
    tz = _tz()
    _upsert_days({t.astimezone(tz).date() for t in timestamps if t is not None}, dirty=True)


def first_fact_day() -> dt.date | None:
    first = db.session.scalar(sa.select(sa.func.min(TicketFact.created_at)))
    return first.astimezone(_tz()).date() if first is not None else None


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _hist_json(counter: Counter[int]) -> dict[str, int]:
    return {str(b): c for b, c in sorted(counter.items()) if c}


def _roll_days(days: list[dt.date]) -> int:
    """Rebuild the rollup rows of a run of consecutive days (in the caller's transaction); rows written."""
    _upsert_days(days, dirty=True)
    # Lock the days of their whole months: a fact transaction marking one of them dirty meanwhile waits,
    # then marks it again; another roll of days of the same months waits too, so the monthly rows rebuilt
    # below see every committed daily row of the month.
    db.session.execute(
        sa.select(RollupDay.day)
        .where(RollupDay.day.between(days[0].replace(day=1), _month_end(days[-1].replace(day=1))))
        .order_by(RollupDay.day)
        .with_for_update()
    ).all()
    tallies = tally_facts(_facts_of_days(days), set(days), GRAINS)
    db.session.execute(sa.delete(DailyRollup).where(DailyRollup.day.between(days[0], days[-1])))
    written = _insert_rows(ROLLUP_TABLE, tallies)
    db.session.execute(
        sa.update(RollupDay).where(RollupDay.day.between(days[0], days[-1])).values(dirty=False, rolled_at=utcnow())
    )
    _roll_months({d.replace(day=1) for d in days})
    return written


def _insert_rows(table: sa.Table, tallies: Mapping[tuple[tuple[str, ...], dt.date, tuple[Any, ...]], Tally]) -> int:
    rows = []
    for (grain, day, key), t in tallies.items():
        row: dict[str, Any] = dict.fromkeys(DIMENSIONS.values())
        row.update({DIMENSIONS[d]: v for d, v in zip(grain, key, strict=True)})
        row.update(
            day=day,
            grain=grain_name(grain),
            created=t.created,
            resolved=t.resolved,
            reopened=t.reopened,
            sla_met=t.sla_met,
            sla_breached=t.sla_breached,
            csat_sum=t.csat_sum,
            csat_count=t.csat_count,
            first_response_hist=_hist_json(t.first_response),
            resolution_hist=_hist_json(t.resolution),
        )
        rows.append(row)
    if rows:
        db.session.execute(sa.insert(table), rows)  # Core: multi-row INSERTs, not one per row
    return len(rows)


def _month_end(first: dt.date) -> dt.date:
    return dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1) - dt.timedelta(days=1)


def _roll_months(months: Iterable[dt.date]) -> int:
    """Rebuild the monthly rows of these months (their first days) from their daily rows, in the
    caller's transaction. A month with a day not rolled up yet gets a partial row: it is read only once
    every day of the month is clean, and the roll of that last day rebuilt it."""
    written = 0
    grains = {grain_name(g): g for g in GRAINS}
    for first in sorted(set(months)):
        last = _month_end(first)
        db.session.execute(sa.delete(MonthlyRollup).where(MonthlyRollup.day == first))
        cols = [c for c in ROLLUP_TABLE.c if c.name not in ("id", "day")]
        tallies: dict[tuple[tuple[str, ...], dt.date, tuple[Any, ...]], Tally] = {}
        for row in db.session.execute(sa.select(*cols).where(DailyRollup.day.between(first, last))):
            grain = grains[row.grain]
            key = tuple(getattr(row, DIMENSIONS[d]) for d in grain)
            t = tallies.get((grain, first, key))
            if t is None:
                t = tallies[(grain, first, key)] = Tally()
            t.add_row(row)
        written += _insert_rows(MONTHLY_TABLE, tallies)
    return written


def rebuild_months() -> int:
    """Every monthly row again from the daily rows (after an upgrade that added them); rows written."""
    days = db.session.execute(sa.select(sa.func.min(DailyRollup.day), sa.func.max(DailyRollup.day))).one()
    if days[0] is None:
        return 0
    months, month = [], days[0].replace(day=1)
    while month <= days[1]:
        months.append(month)
        month = _month_end(month) + dt.timedelta(days=1)
    written = 0
    for month in months:
        with transaction():
            written += _roll_months([month])
    return written


def rollup(*, since: dt.date | None = None, today: dt.date | None = None) -> dict[str, int]:
    """Roll up every day before today that is dirty or was never rolled up (and, with ``since``, every
    day from ``since``): one transaction per run of at most a month of days. Rerunning changes nothing."""
    today = today or local_today()
    first = first_fact_day()
    if first is None:
        return {"days": 0, "rows": 0}
    clean = set(db.session.scalars(sa.select(RollupDay.day).where(RollupDay.dirty.is_(False))))
    todo = [
        d for d in _days(first, today - dt.timedelta(days=1)) if d not in clean or (since is not None and d >= since)
    ]
    todo += list(db.session.scalars(sa.select(RollupDay.day).where(RollupDay.dirty.is_(True), RollupDay.day < first)))
    written = 0
    if db.session.scalar(sa.select(DailyRollup.id).limit(1)) and not db.session.scalar(
        sa.select(MonthlyRollup.id).limit(1)
    ):
        written += rebuild_months()  # daily rows from before the monthly ones existed
    for run in _runs(todo, CHUNK_DAYS):
        with transaction():
            written += _roll_days(run)
    return {"days": len(todo), "rows": written}


# --- reading ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Figures:
    """What ``analytics.ticket_report`` needs, from the rollups (plus the live days from the facts)."""

    by_key: dict[Any, Tally]
    totals: Tally | None
    backlog_before: int | None  # time groups: tickets open at the start of the window
    backlog_by_key: dict[Any, int] | None  # other groups: open at the end of the window, per key
    backlog_end: int | None  # open at the end of the window (the totals row)


_COUNTS = ("created", "resolved", "reopened", "sla_met", "sla_breached", "csat_sum", "csat_count")


def _sources(
    grain: tuple[str, ...],
    query: Query,
    first: dt.date | None,
    last: dt.date,
    live: set[dt.date],
    *,
    monthly: bool = True,
    earliest: dt.date | None = None,
) -> list[tuple[Any, list[Any]]]:
    """The rollup rows of the clean days from ``first`` (None: from the beginning) to ``last``: the
    monthly rows of the whole months without a live day (a monthly row is always the sum of its month's
    daily rows: both are written in one transaction) and the daily rows of the other days. Without
    ``first``, months are used from the one of ``earliest`` (the first fact's day) on."""
    months: list[dt.date] = []
    start = first or earliest
    if monthly and start is not None:
        month = start.replace(day=1)
        if first is not None and first != month:  # a partial month at the start of the window: its days
            month = _month_end(month) + dt.timedelta(days=1)
        while _month_end(month) <= last:
            end = _month_end(month)
            if not any(month <= d <= end for d in live):
                months.append(month)
            month = end + dt.timedelta(days=1)
    ranges: list[list[dt.date]] = []  # consecutive months: [first day, last day]
    for month in months:
        if ranges and ranges[-1][1] + dt.timedelta(days=1) == month:
            ranges[-1][1] = _month_end(month)
        else:
            ranges.append([month, _month_end(month)])
    out: list[tuple[Any, list[Any]]] = []
    for table in (DailyRollup, MonthlyRollup):
        if table is MonthlyRollup and not months:
            continue
        where: list[Any] = [table.grain == grain_name(grain), *(getattr(table, c) == v for c, v in query.filters)]
        if table is MonthlyRollup:
            where.append(table.day.in_(months))
        else:
            if live:
                where.append(table.day.not_in(sorted(live)))
            # The days outside the months as ranges (index ranges, where NOT BETWEEN would be a filter).
            gaps: list[Any] = []
            low = first
            for lo, hi in ranges:
                if low is None:
                    gaps.append(table.day < lo)
                elif low < lo:
                    gaps.append(table.day.between(low, lo - dt.timedelta(days=1)))
                low = hi + dt.timedelta(days=1)
            if low is None:
                gaps.append(table.day <= last)
            elif low <= last:
                gaps.append(table.day.between(low, last))
            if not gaps:
                continue
            where.append(sa.or_(*gaps))
        out.append((table, where))
    return out


def _key(table: Any, by: str | None) -> list[Any]:
    if by in ("month", "week"):
        return [sa.func.to_char(table.day, "YYYY-MM" if by == "month" else 'IYYY-"W"IW').label("k")]
    if by is not None:
        return [getattr(table, DIMENSIONS[by]).label("k")]
    return []


def _rollup_tallies(grain: tuple[str, ...], query: Query, by: str | None, live: set[dt.date]) -> dict[Any, Tally]:
    """The clean days of the window summed in PostgreSQL per key (``by``: a dimension, ``month`` or
    ``week``; None: one total), histograms merged there too (``jsonb_each_text``), whole months read
    from the monthly rows: the answer is a few rows per key however many days and values the window holds."""
    sources = _sources(grain, query, query.start_day, query.end_day, live, monthly=by != "week")
    keyed = bool(_key(DailyRollup, by))
    out: dict[Any, Tally] = {}
    parts = [sa.select(*_key(t, by), *(getattr(t, c).label(c) for c in _COUNTS)).where(*where) for t, where in sources]
    counts = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    sub_keys = [counts.c.k] if keyed else []
    stmt = sa.select(*sub_keys, *(sa.func.sum(counts.c[c]) for c in _COUNTS))
    for row in db.session.execute(stmt.group_by(*sub_keys) if keyed else stmt):
        values = row[len(sub_keys) :]
        if values[0] is None:  # no rows at all (an aggregate without GROUP BY)
            continue
        t = out[row[0] if keyed else None] = Tally()
        for name, value in zip(_COUNTS, values, strict=True):
            setattr(t, name, int(value or 0))
    # Both histograms in one statement: the resolution buckets are numbered after the first response ones.
    offset = len(EDGES)
    hists = []
    for table, where in sources:
        for column, shift in ((table.first_response_hist, 0), (table.resolution_hist, offset)):
            each = sa.func.jsonb_each_text(column).table_valued("key", "value").lateral()
            hists.append(
                sa.select(
                    *_key(table, by),
                    (sa.cast(each.c.key, sa.Integer) + shift).label("b"),
                    sa.cast(each.c.value, sa.Integer).label("c"),
                )
                .select_from(table)
                .join(each, sa.true())
                .where(*where)
            )
    both = sa.union_all(*hists).subquery()
    sub_keys = [both.c.k] if keyed else []
    stmt = sa.select(*sub_keys, both.c.b, sa.func.sum(both.c.c)).group_by(*sub_keys, both.c.b)
    for row in db.session.execute(stmt):
        k = row[0] if keyed else None
        b, c = int(row[-2]), int(row[-1])
        tally = out.get(k)
        if tally is None:
            tally = out[k] = Tally()
        if b >= offset:
            tally.resolution[b - offset] += c
        else:
            tally.first_response[b] += c
    return out


def _backlog_sums(
    grain: tuple[str, ...],
    query: Query,
    until: dt.date,
    live: set[dt.date],
    by: str | None = None,
    *,
    earliest: dt.date | None = None,
) -> dict[Any, int]:
    """created − resolved of every clean day up to ``until`` (inclusive): one figure, or per value of
    the dimension ``by`` (the filters fix the grain's other dimensions); whole months from the monthly rows."""
    parts = [
        sa.select(*_key(t, by), (t.created - t.resolved).label("n")).where(*where)
        for t, where in _sources(grain, query, None, until, live, earliest=earliest)
    ]
    sub = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    total = sa.func.sum(sub.c.n)
    if by is None:
        return {None: int(db.session.scalar(sa.select(total)) or 0)}
    return {k: int(n or 0) for k, n in db.session.execute(sa.select(sub.c.k, total).group_by(sub.c.k))}


def figures(query: Query, *, with_totals: bool, facts_backlog: bool) -> Figures | None:
    """The report's figures from the rollups, or None when they cannot answer it (a combination of
    filters without a grain, or more than ``LIVE_MAX_DAYS`` days not rolled up yet)."""
    from reports.analytics import TIME_GROUPS, period_of_day

    filter_dims = [FILTER_DIMENSIONS[f] for f, _ in query.filters]
    timed = query.group_by in TIME_GROUPS
    total_grain = grain_of(filter_dims)
    grain = total_grain if timed else grain_of([*filter_dims, query.group_by])
    if grain is None or total_grain is None or db.session.get_bind().dialect.name != "postgresql":
        return None
    if query.group_by == "organization" and not filter_dims:
        return None  # about one row per ente and day: no fewer rows than the facts (measured: slower)
    first = first_fact_day()
    if first is None:
        return None
    today = local_today()
    last = min(query.end_day, today)
    # The days from the first fact to the end of the window that are not clean (today never is): asked
    # of PostgreSQL, which answers with those few days rather than with the years of clean ones.
    live = set(
        db.session.scalars(
            sa.text(
                "SELECT CAST(s.d AS date) FROM generate_series(CAST(:first AS date), CAST(:last AS date),"
                " interval '1 day') AS s(d) WHERE NOT EXISTS (SELECT 1 FROM report_rollup_days r"
                " WHERE r.day = CAST(s.d AS date) AND r.dirty IS false AND r.day < :today) LIMIT :cap"
            ),
            {"first": first, "last": last, "today": today, "cap": LIVE_MAX_DAYS + 1},
        )
    )
    if len(live - {today}) >= LIVE_MAX_DAYS:
        return None
    grains = [grain] if grain == total_grain else [grain, total_grain]
    fact_filters = [getattr(TicketFact, col) == value for col, value in query.filters]
    live_tallies = tally_facts(_facts_of_days(live, fact_filters), live, grains) if live else {}

    dims_index = [grain.index(query.group_by)] if not timed else []

    def key_of(day: dt.date, values: tuple[Any, ...]) -> Any:
        if timed:
            return period_of_day(day, query.group_by)
        return values[dims_index[0]]

    def in_window(day: dt.date) -> bool:
        return query.start_day <= day <= query.end_day

    by_key = _rollup_tallies(grain, query, query.group_by, live)
    for (g, day, values), t in live_tallies.items():
        if g == grain and in_window(day):
            k = key_of(day, values)
            if k not in by_key:
                by_key[k] = Tally()
            by_key[k].add(t)
    totals = None
    if with_totals:
        totals = Tally()
        if grain == total_grain and timed:
            for t in by_key.values():
                totals.add(t)
        else:
            totals = _rollup_tallies(total_grain, query, None, live).get(None, Tally())
            for (g, day, _values), t in live_tallies.items():
                if g == total_grain and in_window(day):
                    totals.add(t)

    def live_backlog(g: tuple[str, ...], until: dt.date, per_key: bool) -> dict[Any, int]:
        out: dict[Any, int] = {}
        for (gg, day, values), t in live_tallies.items():
            if gg == g and day <= until:
                k = values[dims_index[0]] if per_key and dims_index else None
                out[k] = out.get(k, 0) + t.created - t.resolved
        return out

    backlog_before = backlog_by_key = backlog_end = None
    if timed:
        before = query.start_day - dt.timedelta(days=1)
        backlog_before = _backlog_sums(total_grain, query, before, live, earliest=first).get(None, 0)
        backlog_before += live_backlog(total_grain, before, False).get(None, 0)
    elif not facts_backlog:
        sums = _backlog_sums(grain, query, query.end_day, live, by=query.group_by, earliest=first)
        for k, n in live_backlog(grain, query.end_day, True).items():
            sums[k] = sums.get(k, 0) + n
        backlog_by_key = {k: n for k, n in sums.items() if n}
    if with_totals:
        backlog_end = _backlog_sums(total_grain, query, query.end_day, live, earliest=first).get(None, 0)
        backlog_end += live_backlog(total_grain, query.end_day, False).get(None, 0)
    return Figures(by_key, totals, backlog_before, backlog_by_key, backlog_end)

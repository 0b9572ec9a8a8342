"""The daily rollups answer like the facts: counts exactly, medians and 90th percentiles within the
stated bucket error; rerunning the rollup changes nothing; a change to yesterday's ticket is read live
until the job rolls the day up again, and then from the rollup."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

TIMES = (
    "first_response_median_minutes",
    "first_response_p90_minutes",
    "resolution_median_minutes",
    "resolution_p90_minutes",
)


def _close(estimate, exact) -> bool:
    """Within the bucket error of ``reports.rollups`` (exact below 20 minutes, else 10%), plus the
    rounding of the answer to one decimal."""
    if exact is None or estimate is None:
        return estimate is exact
    if exact < 20:
        return abs(estimate - exact) <= 0.051
    return abs(estimate - exact) <= 0.1 * exact + 0.051


def assert_same_figures(fast: dict, exact: dict) -> None:
    def check(a: dict, b: dict, where: str) -> None:
        for field, value in b.items():
            if field in TIMES:
                assert _close(a[field], value), (where, field, a[field], value)
            else:
                assert a[field] == value, (where, field, a[field], value)

    assert [i["key"] for i in fast["items"]] == [i["key"] for i in exact["items"]]
    for a, b in zip(fast["items"], exact["items"], strict=True):
        check(a, b, str(b["key"]))
    check(fast["totals"], exact["totals"], "totals")


def test_percentile_estimate_within_the_stated_error():
    from reports.analytics import _interpolate
    from reports.rollups import EDGES, EXACT_BELOW, bucket, percentile

    assert EXACT_BELOW == 20
    assert all(b - a <= max(1, 0.1 * a) for a, b in zip(EDGES, EDGES[1:], strict=False))
    rnd = random.Random(19)
    for _ in range(400):
        n = rnd.randint(1, 60)
        scale = rnd.choice([15, 300, 5000, 200000])
        values = [int(rnd.expovariate(1 / scale)) for _ in range(n)]
        hist: dict[int, int] = {}
        for v in values:
            hist[bucket(v)] = hist.get(bucket(v), 0) + 1
        for share in (0.5, 0.9):
            exact = _interpolate(values, share)
            estimate = percentile(hist, share)
            assert exact is not None and estimate is not None
            assert abs(estimate - exact) <= (0 if max(values) < EXACT_BELOW else 0.1 * exact + 1e-9), (values, share)
    assert percentile({}, 0.5) is None


def _queries(march):
    from reports import analytics

    march_q = analytics.Query(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    spring = analytics.Query(dt.date(2026, 2, 1), dt.date(2026, 4, 30))
    out = []
    for base in (march_q, spring):
        for group in analytics.GROUPS:
            out.append(dataclasses.replace(base, group_by=group))
    for filters, group in (
        ((("channel", "email"),), "month"),
        ((("channel", "email"),), "priority"),
        ((("priority", "urgent"),), "channel"),
        ((("team_id", march["team"].id),), "channel"),
        ((("service_id", march["service"].id),), "week"),
        ((("organization_id", march["org1"].id),), "month"),
    ):
        out.append(dataclasses.replace(spring, group_by=group, filters=filters))
    return out


def test_rollup_figures_equal_the_figures_of_the_facts(app, march):
    from reports import analytics, rollups

    result = rollups.rollup()
    assert result["days"] > 30 and result["rows"] > 0
    for query in _queries(march):
        answered = rollups.figures(query, with_totals=True, facts_backlog=False) is not None
        assert answered is (query.group_by != "organization" or bool(query.filters)), query
        assert_same_figures(analytics.ticket_report(query), analytics.ticket_report(query, source="facts"))
    # Ente and channel together has no grain: the facts answer, exactly.
    mixed = dataclasses.replace(
        _queries(march)[0], group_by="channel", filters=(("organization_id", march["org1"].id),)
    )
    assert rollups.figures(mixed, with_totals=True, facts_backlog=False) is None
    assert analytics.ticket_report(mixed) == analytics.ticket_report(mixed, source="facts")


def _snapshot(db):
    import sqlalchemy as sa

    from reports.models import DailyRollup

    cols = [c for c in DailyRollup.__table__.c if c.name != "id"]
    return sorted(tuple(map(repr, row)) for row in db.session.execute(sa.select(*cols)))


def test_rerunning_the_rollup_changes_nothing(app, db, march):
    from reports.rollups import rollup

    first = rollup()
    before = _snapshot(db)
    assert before
    assert rollup() == {"days": 0, "rows": 0}
    assert _snapshot(db) == before
    again = rollup(since=dt.date(2026, 3, 1))  # the same days rebuilt from scratch
    assert again["days"] >= 31 and again["rows"] == first["rows"]
    assert _snapshot(db) == before

    out = app.test_cli_runner().invoke(args=["reports", "rollup", "--since", "2026-03-01"])
    assert out.exit_code == 0, out.output
    assert "days rolled up" in out.output
    assert _snapshot(db) == before
    bad = app.test_cli_runner().invoke(args=["reports", "rollup", "--since", "yesterday"])
    assert bad.exit_code != 0


def test_a_ticket_changed_yesterday_is_reflected_after_the_job(app, db, march):
    import sqlalchemy as sa

    from app.db import local_today
    from reports import analytics
    from reports.facts import refresh_facts
    from reports.models import DailyRollup, RollupDay
    from reports.rollups import _bounds, _tz, rollup
    from tickets import services

    today = local_today()
    yesterday = today - dt.timedelta(days=1)
    opened_at, _ = _bounds(yesterday, yesterday, _tz())
    opened_at += dt.timedelta(hours=9)
    op = march["operator"]
    ticket = services.open_ticket(
        subject="Ieri", organization_id=march["org1"].id, created_at=opened_at, actor=op, notify=False, channel="sms"
    )
    refresh_facts(full=True)  # opened with yesterday's date: the sweep finds it (the minute job too, by now)
    rollup()

    def day_row():
        return db.session.execute(
            sa.select(DailyRollup.created, DailyRollup.resolved).where(
                DailyRollup.day == yesterday, DailyRollup.grain == "channel", DailyRollup.channel == "sms"
            )
        ).one_or_none()

    assert tuple(day_row()) == (1, 0)
    window = analytics.Query(yesterday - dt.timedelta(days=40), today, "channel")

    def sms(report):
        return next(i for i in report["items"] if i["key"] == "sms")

    assert (sms(analytics.ticket_report(window))["created"], sms(analytics.ticket_report(window))["resolved"]) == (1, 0)

    services.change_status(
        ticket_id=ticket.id, status="resolved", actor=op, now=opened_at + dt.timedelta(hours=2), notify=False
    )
    refresh_facts(full=True)
    assert db.session.get(RollupDay, yesterday).dirty is True
    # Before the job: yesterday is read live from the facts, so the figures are already current.
    report = analytics.ticket_report(window)
    assert (sms(report)["created"], sms(report)["resolved"], sms(report)["backlog"]) == (1, 1, 0)
    assert_same_figures(report, analytics.ticket_report(window, source="facts"))

    assert rollup()["days"] == 1
    db.session.expire_all()
    assert db.session.get(RollupDay, yesterday).dirty is False
    assert tuple(day_row()) == (1, 1)
    assert_same_figures(analytics.ticket_report(window), analytics.ticket_report(window, source="facts"))

    # A ticket opened today is counted live, merged with the rolled-up days.
    services.open_ticket(subject="Oggi", organization_id=march["org2"].id, actor=op, notify=False, channel="sms")
    refresh_facts(full=True)
    report = analytics.ticket_report(window)
    assert sms(report)["created"] == 2 and report["totals"]["backlog"] == 4  # B, D, E and today's
    assert_same_figures(report, analytics.ticket_report(window, source="facts"))


@pytest.mark.parametrize("group", ["organization", "month"])
def test_the_api_reads_the_rollups_with_the_same_counts(api_as, march, group):
    from reports.rollups import rollup

    api = api_as("admin")
    url = f"/api/v1/reports/tickets?from=2026-03-01&to=2026-03-31&group_by={group}"
    exact = api.get(url).get_json()  # nothing rolled up yet: the facts answer
    rollup()
    fast = api.get(url).get_json()
    assert fast["totals"]["created"] == 4 and fast["totals"]["backlog"] == 2
    assert_same_figures(fast, exact)


def _monthly_snapshot(db):
    import sqlalchemy as sa

    from reports.models import MonthlyRollup

    cols = [c for c in MonthlyRollup.__table__.c if c.name != "id"]
    return sorted(tuple(map(repr, row)) for row in db.session.execute(sa.select(*cols)))


def test_monthly_rows_are_the_sums_of_the_daily_rows_and_answer_whole_months(app, db, march):
    import sqlalchemy as sa

    from reports import analytics, rollups
    from reports.models import DailyRollup, MonthlyRollup

    rollups.rollup()
    march_rows = db.session.execute(
        sa.select(MonthlyRollup.created, MonthlyRollup.resolved).where(
            MonthlyRollup.day == dt.date(2026, 3, 1), MonthlyRollup.grain == ""
        )
    ).one()
    daily = db.session.execute(
        sa.select(sa.func.sum(DailyRollup.created), sa.func.sum(DailyRollup.resolved)).where(
            DailyRollup.day.between(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), DailyRollup.grain == ""
        )
    ).one()
    assert tuple(march_rows) == tuple(daily) == (4, 2)
    built = _monthly_snapshot(db)
    # Rows from before the monthly ones existed: the next rollup rebuilds them all, identically.
    db.session.execute(sa.delete(MonthlyRollup))
    db.session.commit()
    rollups.rollup()
    assert _monthly_snapshot(db) == built

    # The window's whole months come from the monthly rows: a wrong monthly row shows in the report.
    year = analytics.Query(dt.date(2026, 1, 1), dt.date(2026, 6, 30), "channel")
    exact = analytics.ticket_report(year, source="facts")
    assert_same_figures(analytics.ticket_report(year), exact)
    db.session.execute(
        sa.update(MonthlyRollup).where(MonthlyRollup.grain == "channel").values(created=MonthlyRollup.created + 100)
    )
    assert analytics.ticket_report(year)["items"][0]["created"] >= 100
    db.session.rollback()
    # A window starting mid-month reads that month's days from the daily rows.
    mid = analytics.Query(dt.date(2026, 3, 3), dt.date(2026, 4, 30), "month")
    assert_same_figures(analytics.ticket_report(mid), analytics.ticket_report(mid, source="facts"))

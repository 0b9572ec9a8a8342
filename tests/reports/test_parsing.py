"""Outside data reaching the report parsers (query strings, years, addresses) is either accepted or
refused with the field named (422), never a crash."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import Invalid


@pytest.fixture
def admin(make_user):
    return make_user("admin")


FIELDS = ["from", "to", "group_by", "organization_id", "service_id", "team_id", "assignee_id", "channel", "priority"]
values = st.one_of(
    st.text(max_size=30),
    st.dates().map(dt.date.isoformat),
    st.integers(min_value=-(2**40), max_value=2**40).map(str),
    st.sampled_from(["month", "week", "channel", "email", "urgent", "2026-02-30", "0", ""]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(args=st.dictionaries(st.sampled_from(FIELDS), values, max_size=6))
def test_parse_query_accepts_or_names_the_field(app, admin, args):
    from reports.analytics import parse_query

    with app.test_request_context():
        try:
            query = parse_query(admin, args)
        except Invalid as exc:
            assert set(exc.fields) <= set(FIELDS)  # noqa: PT017
            assert exc.fields
        else:
            assert query.start_day <= query.end_day


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.one_of(st.none(), st.text(max_size=12), st.integers().map(str)))
def test_parse_year(app, value):
    from reports.hours import parse_year

    with app.test_request_context():
        try:
            year = parse_year(value)
        except Invalid as exc:
            assert list(exc.fields) == ["year"]  # noqa: PT017
        else:
            assert 2000 <= year <= 2100


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.one_of(st.text(max_size=80), st.lists(st.text(max_size=40), max_size=4)))
def test_recipient_addresses(value):
    from reports.scheduling import _addresses

    try:
        out = _addresses(value)
    except Invalid as exc:
        assert list(exc.fields) == ["recipients"]  # noqa: PT017
    else:
        assert all("@" in a and "\n" not in a for a in out)

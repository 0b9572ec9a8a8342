"""Property tests of the parsers of outside data: values of every kind, the CSV reader, amounts and dates."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import Invalid
from indicators.imports import measure_of, parse_amount, parse_day, read_rows
from indicators.models import Kind
from indicators.values import is_met, parse_value

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(list(Kind)), _JSON)
def test_parse_value_returns_json_of_the_kind_or_invalid_naming_the_field(kind, raw):
    try:
        value = parse_value(kind, raw, choices=["a", "b"])
    except Invalid as exc:
        assert "value" in exc.fields
        return
    if kind == Kind.BOOLEAN:
        assert isinstance(value, bool)
    elif kind in (Kind.NUMBER, Kind.PERCENT):
        assert isinstance(value, int | float) and not isinstance(value, bool)
        assert kind != Kind.PERCENT or 0 <= value <= 100
    elif kind == Kind.DATE:
        assert dt.date.fromisoformat(value).isoformat() == value
    else:
        assert value in ("a", "b")
    # the value parsed again is itself, and the same as a string parses the same
    assert parse_value(kind, value, choices=["a", "b"]) == value
    assert parse_value(kind, str(value).lower(), choices=["a", "b"]) == value
    assert is_met(kind, value, value) in (True, None)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_read_rows_never_fails_otherwise(text):
    try:
        rows = read_rows("istat_code,indicator_code,value,as_of\n" + text, ("istat_code", "value"))
    except Invalid:
        return
    numbers = [n for n, _ in rows]
    assert numbers == sorted(numbers) and all(n >= 2 for n in numbers)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_amount_day_and_measure_parsers_never_fail_otherwise(text):
    for func in (parse_amount, lambda t: parse_day(t, "d")):
        with contextlib.suppress(Invalid):
            func(text)
    assert measure_of(text) is None or measure_of(text)[0].isdigit()


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_amounts_read_back_in_both_notations(amount):
    italian = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert parse_amount(str(amount)) == amount
    assert parse_amount(italian) == amount


@given(st.dates(min_value=dt.date(1900, 1, 1)))
def test_days_read_back_in_both_notations(day):
    assert parse_day(day.isoformat(), "d") == day
    assert parse_day(day.strftime("%d/%m/%Y"), "d") == day


def test_amount_refuses_text():
    with pytest.raises(Invalid):
        parse_amount("abc")
    assert parse_amount("€ 1.000,50") == decimal.Decimal("1000.50")

"""Business-time arithmetic: lunch breaks, evenings, weekends, holidays, patron saints, DST, pauses."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tickets.sla.calendar import Calendar, format_ranges, parse_ranges

ROME = ZoneInfo("Europe/Rome")


def rome(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ROME)


@pytest.fixture
def cal() -> Calendar:
    return Calendar(tz=ROME)


def test_adding_time_skips_the_lunch_break(cal):
    assert cal.add_business_minutes(rome(2026, 11, 24, 13, 0), 60) == rome(2026, 11, 24, 15, 0)
    assert cal.business_minutes(rome(2026, 11, 24, 13, 0), rome(2026, 11, 24, 15, 0)) == 60


def test_adding_time_skips_the_evening_and_night(cal):
    assert cal.add_business_minutes(rome(2026, 11, 24, 17, 0), 60) == rome(2026, 11, 25, 9, 0)
    # opened at night: the clock starts at opening
    assert cal.add_business_minutes(rome(2026, 11, 24, 22, 0), 30) == rome(2026, 11, 25, 9, 0)


def test_adding_time_skips_the_weekend(cal):
    assert cal.add_business_minutes(rome(2026, 11, 27, 17, 0), 60) == rome(2026, 11, 30, 9, 0)
    assert cal.add_business_minutes(rome(2026, 11, 28, 11, 0), 60) == rome(2026, 11, 30, 9, 30)
    # a full working week is 40 hours: Monday 8:30 + 40 h = next Monday 8:30 (end of Friday)
    assert cal.add_business_minutes(rome(2026, 11, 23, 8, 30), 40 * 60) == rome(2026, 11, 27, 17, 30)


def test_easter_monday_is_a_holiday(cal):
    # 2026: Easter Sunday 5 April, Easter Monday 6 April
    assert cal.closed_reason(dt.date(2026, 4, 6))
    assert cal.add_business_minutes(rome(2026, 4, 3, 17, 0), 60) == rome(2026, 4, 7, 9, 0)


def test_liberation_day_is_a_holiday(cal):
    # 25 April 2025 was a Friday
    assert cal.add_business_minutes(rome(2025, 4, 24, 17, 0), 60) == rome(2025, 4, 28, 9, 0)
    assert cal.business_minutes(rome(2025, 4, 24, 17, 0), rome(2025, 4, 28, 9, 0)) == 60


def test_patron_saint_of_the_province_and_the_centers_own_closures():
    bari = Calendar(tz=ROME, subdiv="BA")
    # San Nicola, 6 December: a Monday in 2027
    assert bari.closed_reason(dt.date(2027, 12, 6))
    assert bari.add_business_minutes(rome(2027, 12, 3, 17, 0), 60) == rome(2027, 12, 7, 9, 0)
    assert not Calendar(tz=ROME).closed_reason(dt.date(2027, 12, 6))
    # the center's own closing days: every year (the comune's patron) and once (a bridge day)
    own = Calendar(
        tz=ROME, yearly_closures={(5, 8): "San Nicola (traslazione)"}, closures={dt.date(2026, 12, 7): "ponte"}
    )
    assert own.closed_reason(dt.date(2026, 5, 8)) == "San Nicola (traslazione)"
    assert own.closed_reason(dt.date(2031, 5, 8))
    assert own.add_business_minutes(rome(2026, 12, 4, 17, 0), 60) == rome(2026, 12, 9, 9, 0)  # 7 closed, 8 Immacolata


def test_dst_changes_shift_nothing(cal):
    # Autumn: Sunday 25 October 2026 back to CET. Friday 17:00 + 60 min = Monday 9:00 local (08:00 UTC).
    due = cal.add_business_minutes(rome(2026, 10, 23, 17, 0), 60)
    assert due == rome(2026, 10, 26, 9, 0)
    assert due.astimezone(dt.UTC).hour == 8
    assert cal.business_minutes(rome(2026, 10, 23, 9, 0), rome(2026, 10, 26, 9, 0)) == 450 + 30
    # Spring: Sunday 29 March 2026 forward to CEST. Monday 9:00 local = 07:00 UTC.
    due = cal.add_business_minutes(rome(2026, 3, 27, 17, 0), 60)
    assert due == rome(2026, 3, 30, 9, 0)
    assert due.astimezone(dt.UTC).hour == 7
    # A 24/7 calendar over the autumn change: 25 October has 25 hours.
    always = Calendar(tz=ROME, hours={d: [(dt.time(0), dt.time(0))] for d in range(7)}, national_holidays=False)
    assert always.business_minutes(rome(2026, 10, 25, 0, 0), rome(2026, 10, 26, 0, 0)) == 25 * 60


def test_pauses_stop_the_clock(cal):
    start = rome(2026, 11, 24, 9, 0)
    pauses = [(rome(2026, 11, 24, 10, 0), rome(2026, 11, 25, 10, 0))]
    assert cal.add_business_minutes(start, 120, pauses) == rome(2026, 11, 25, 11, 0)
    assert cal.business_minutes(start, rome(2026, 11, 25, 11, 0), pauses) == 120
    # a pause without end: the target is never reached while it lasts
    assert cal.add_business_minutes(start, 120, [(rome(2026, 11, 24, 10, 0), None)]) is None
    assert cal.add_business_minutes(start, 30, [(rome(2026, 11, 24, 10, 0), None)]) == rome(2026, 11, 24, 9, 30)


def test_is_open_and_calendars_without_hours(cal):
    assert cal.is_open(rome(2026, 11, 24, 8, 30))
    assert not cal.is_open(rome(2026, 11, 24, 13, 30))
    assert not cal.is_open(rome(2026, 12, 25, 10, 0))
    closed = Calendar(tz=ROME, hours={})
    assert closed.add_business_minutes(rome(2026, 11, 24, 9, 0), 10) is None
    assert closed.business_minutes(rome(2026, 11, 24, 9, 0), rome(2026, 11, 30, 9, 0)) == 0


def test_long_spans_count_every_open_hour_and_see_a_closure_added_later(cal):
    # 2026 in Rome, default week: 261 weekdays less 7 weekday holidays, 8 open hours each.
    year = cal.business_minutes(rome(2026, 1, 1, 0, 0), rome(2027, 1, 1, 0, 0))
    assert year == 254 * 8 * 60
    far = [(rome(2030, 1, 1, 0, 0), rome(2030, 1, 2, 0, 0))]  # a pause outside the span: the slow path
    assert cal.business_minutes(rome(2026, 1, 1, 9, 15), rome(2026, 12, 30, 10, 0), far) == cal.business_minutes(
        rome(2026, 1, 1, 9, 15), rome(2026, 12, 30, 10, 0)
    )
    closed = Calendar(tz=ROME, closures={dt.date(2026, 11, 24): "Chiusura"})
    assert closed.business_minutes(rome(2026, 1, 1, 0, 0), rome(2027, 1, 1, 0, 0)) == year - 8 * 60


def test_parse_ranges():
    assert parse_ranges("08:30-13:30, 14:30-17:30") == [
        (dt.time(8, 30), dt.time(13, 30)),
        (dt.time(14, 30), dt.time(17, 30)),
    ]
    assert parse_ranges("14.30–18; 9-13") == [(dt.time(9), dt.time(13)), (dt.time(14, 30), dt.time(18))]
    assert parse_ranges("") == []
    assert format_ranges(parse_ranges("0-24")) == "00:00-24:00"
    for bad in ("9-8", "8:30", "9-13, 12-15", "ab-cd", "25:00-26:00"):
        with pytest.raises(ValueError):
            parse_ranges(bad)


def test_holiday_names_are_italian_and_english_on_request():
    from tickets.sla.calendar import holiday_language

    cal = Calendar(tz=ROME)
    assert cal.closed_reason(dt.date(2026, 12, 25)) == "Natale"
    assert cal.closed_reason(dt.date(2026, 12, 25), holiday_language("en")) == "Christmas Day"
    assert holiday_language("it") == "it_IT"

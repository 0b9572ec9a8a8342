"""Business time: the center's opening hours, holidays and closing days, and arithmetic on them.

All arithmetic takes and returns aware datetimes; opening hours are local wall-clock times of the
calendar's time zone, turned into UTC day by day, so a day of a DST change is 23 or 25 hours long and
nothing shifts. Pauses (a ticket waiting for the requester) are UTC intervals subtracted from the
open windows; a pause with no end stops the clock for good.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

Interval = tuple[dt.datetime, dt.datetime]
Pause = tuple[dt.datetime, dt.datetime | None]
Ranges = dict[int, list[tuple[dt.time, dt.time]]]

# The center's default week until admins configure a calendar: Monday–Friday, 8:30–13:30 and
# 14:30–17:30 local time, closed on Italian national holidays.
DEFAULT_HOURS: Ranges = {
    weekday: [(dt.time(8, 30), dt.time(13, 30)), (dt.time(14, 30), dt.time(17, 30))] for weekday in range(5)
}
MAX_DAYS = 3 * 366  # how far arithmetic looks ahead before answering "never"

# Open windows per day, per calendar content: a ticket page measures pauses and overdue times that
# span years, and turning each day's hours into UTC (holidays included) dominated the page. Keyed by
# everything a calendar holds, so an edited calendar is a new key; a few calendars, a few thousand
# days each.
_DAYS: dict[tuple, dict[dt.date, tuple[list[Interval], float]]] = {}
_DAYS_MAX_CALENDARS = 32


@functools.lru_cache(maxsize=256)
def _holidays(year: int, subdiv: str | None, language: str = "it_IT") -> dict[dt.date, str]:
    """The holidays of a year by name, in Italian (the package's code is ``it_IT``: a plain ``it`` falls
    back to English) or ``en_US``."""
    import holidays

    return dict(holidays.country_holidays("IT", subdiv=subdiv or None, years=year, language=language))


def holiday_language(locale: str) -> str:
    """The holidays package's language for a UI locale."""
    return "en_US" if locale.startswith("en") else "it_IT"


@dataclasses.dataclass
class Calendar:
    """A business calendar loaded in memory: everything the arithmetic needs, no database."""

    tz: ZoneInfo = dataclasses.field(default_factory=lambda: ZoneInfo("Europe/Rome"))
    hours: Ranges = dataclasses.field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_HOURS.items()})
    closures: dict[dt.date, str] = dataclasses.field(default_factory=dict)
    yearly_closures: dict[tuple[int, int], str] = dataclasses.field(default_factory=dict)
    national_holidays: bool = True
    subdiv: str | None = None
    id: int | None = None
    name: str = ""
    default: bool = False  # loaded as "the center's default calendar"

    # --- days -----------------------------------------------------------------------------------

    def closed_reason(self, day: dt.date, language: str = "it_IT") -> str | None:
        """Why the center is closed on ``day`` (a holiday's or closure's name), or None."""
        if day in self.closures:
            return self.closures[day] or "chiusura"
        if (day.month, day.day) in self.yearly_closures:
            return self.yearly_closures[(day.month, day.day)] or "chiusura"
        if self.national_holidays or self.subdiv:
            found = _holidays(day.year, self.subdiv if self.subdiv else None, language).get(day)
            if found and (self.national_holidays or self._is_local_holiday(day)):
                return found
        return None

    def _is_local_holiday(self, day: dt.date) -> bool:
        return day not in _holidays(day.year, None)

    def _signature(self) -> tuple:
        return (
            str(self.tz),
            tuple(sorted((d, tuple(sorted(r))) for d, r in self.hours.items())),
            tuple(sorted(self.closures.items())),
            tuple(sorted(self.yearly_closures.items())),
            self.national_holidays,
            self.subdiv,
        )

    def _day_cache(self) -> dict[dt.date, tuple[list[Interval], float]]:
        key = self._signature()
        cache = _DAYS.get(key)
        if cache is None:
            if len(_DAYS) >= _DAYS_MAX_CALENDARS:
                _DAYS.clear()
            cache = _DAYS[key] = {}
        return cache

    def _day(self, day: dt.date, cache: dict[dt.date, tuple[list[Interval], float]]) -> tuple[list[Interval], float]:
        """The windows of ``day`` and their total open seconds, computed once per calendar content."""
        found = cache.get(day)
        if found is None:
            windows = self._compute_windows_on(day)
            found = cache[day] = (windows, sum((b - a).total_seconds() for a, b in windows))
        return found

    def windows_on(self, day: dt.date) -> list[Interval]:
        """The open windows of a local ``day`` in UTC (empty on closing days)."""
        return list(self._day(day, self._day_cache())[0])

    def _compute_windows_on(self, day: dt.date) -> list[Interval]:
        ranges = self.hours.get(day.weekday()) or []
        if not ranges or self.closed_reason(day):
            return []
        out = []
        for start, end in sorted(ranges):
            a = dt.datetime.combine(day, start, tzinfo=self.tz).astimezone(dt.UTC)
            end_day = day if end > start else day + dt.timedelta(days=1)  # 00:00 as an end means midnight
            b = dt.datetime.combine(end_day, end, tzinfo=self.tz).astimezone(dt.UTC)
            if b > a:
                out.append((a, b))
        return out

    def has_hours(self) -> bool:
        return any(self.hours.get(d) for d in range(7))

    def windows(self, start: dt.datetime, end: dt.datetime | None = None) -> Iterator[Interval]:
        """Open windows from ``start`` (clipped) to ``end`` (clipped, or up to MAX_DAYS ahead)."""
        if not self.has_hours():
            return
        start = _aware(start)
        end = _aware(end) if end is not None else None
        cache = self._day_cache()
        day = start.astimezone(self.tz).date() - dt.timedelta(days=1)  # a range may end after midnight
        last = (end.astimezone(self.tz).date() if end else day + dt.timedelta(days=MAX_DAYS)) + dt.timedelta(days=1)
        while day <= last:
            for a, b in self._day(day, cache)[0]:
                if b <= start:
                    continue
                if end is not None and a >= end:
                    return
                yield max(a, start), (min(b, end) if end is not None else b)
            day += dt.timedelta(days=1)

    # --- arithmetic ---------------------------------------------------------------------------

    def is_open(self, at: dt.datetime) -> bool:
        at = _aware(at)
        local_day = at.astimezone(self.tz).date()
        for day in (local_day - dt.timedelta(days=1), local_day):
            if any(a <= at < b for a, b in self.windows_on(day)):
                return True
        return False

    def business_seconds(self, start: dt.datetime, end: dt.datetime, pauses: Sequence[Pause] = ()) -> int:
        """Open seconds between ``start`` and ``end``, minus the pauses."""
        if end <= start:
            return 0
        if not pauses and self.has_hours():
            return int(self._open_seconds(_aware(start), _aware(end)))
        total = 0.0
        for window in self.windows(start, end):
            for a, b in subtract(window, pauses):
                total += (b - a).total_seconds()
        return int(total)

    def _open_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Open seconds between ``start`` and ``end`` with no pauses: whole days from the day cache."""
        cache = self._day_cache()
        first = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        total = 0.0
        day = first - dt.timedelta(days=1)  # a range may end after midnight
        one = dt.timedelta(days=1)
        while day <= last + one:
            windows, seconds = self._day(day, cache)
            if windows and windows[0][0] >= start and windows[-1][1] <= end:
                total += seconds
            else:
                for a, b in windows:
                    a, b = max(a, start), min(b, end)
                    if b > a:
                        total += (b - a).total_seconds()
            day += one
        return total

    def business_minutes(self, start: dt.datetime, end: dt.datetime, pauses: Sequence[Pause] = ()) -> int:
        return self.business_seconds(start, end, pauses) // 60

    def add_business_seconds(
        self, start: dt.datetime, seconds: float, pauses: Sequence[Pause] = ()
    ) -> dt.datetime | None:
        """The moment when ``seconds`` of open time after ``start`` (pauses excluded) have passed.

        None when that never happens (no opening hours, or a pause without end stops the clock first).
        """
        start = _aware(start)
        if seconds <= 0:
            return start
        remaining = float(seconds)
        open_pause = min((p[0] for p in pauses if p[1] is None), default=None)
        for window in self.windows(start):
            if open_pause is not None and window[0] >= open_pause:
                return None
            for a, b in subtract(window, pauses):
                available = (b - a).total_seconds()
                if remaining <= available:
                    return a + dt.timedelta(seconds=remaining)
                remaining -= available
        return None

    def add_business_minutes(
        self, start: dt.datetime, minutes: float, pauses: Sequence[Pause] = ()
    ) -> dt.datetime | None:
        return self.add_business_seconds(start, minutes * 60, pauses)

    def next_open(self, at: dt.datetime) -> dt.datetime | None:
        """The first open moment at or after ``at``."""
        return next((a for a, _ in self.windows(at)), None)


def subtract(window: Interval, pauses: Iterable[Pause]) -> list[Interval]:
    """The parts of ``window`` outside every pause."""
    pieces = [window]
    for p_start, p_end in pauses:
        kept: list[Interval] = []
        for a, b in pieces:
            if (p_end is not None and p_end <= a) or p_start >= b:
                kept.append((a, b))
                continue
            if a < p_start:
                kept.append((a, p_start))
            if p_end is not None and p_end < b:
                kept.append((p_end, b))
        pieces = kept
    return pieces


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def parse_ranges(text: str) -> list[tuple[dt.time, dt.time]]:
    """``"08:30-13:30, 14:30-17:30"`` -> ranges; raises ValueError on anything else or on overlaps."""
    out: list[tuple[dt.time, dt.time]] = []
    for chunk in (text or "").replace(";", ",").split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        left, sep, right = chunk.replace("–", "-").partition("-")
        if not sep:
            raise ValueError(chunk)
        start = _parse_time(left)
        end = _parse_time(right)
        if end <= start and end != dt.time(0, 0):
            raise ValueError(chunk)
        out.append((start, end))
    out.sort()
    for (_, prev_end), (next_start, _) in zip(out, out[1:], strict=False):
        if prev_end == dt.time(0, 0) or next_start < prev_end:
            raise ValueError("overlap")
    return out


def _parse_time(text: str) -> dt.time:
    text = text.strip().replace(".", ":")
    if text in ("24", "24:00"):
        return dt.time(0, 0)
    hh, _, mm = text.partition(":")
    return dt.time(int(hh), int(mm or 0))


def format_ranges(ranges: Iterable[tuple[dt.time, dt.time]]) -> str:
    return ", ".join(f"{a:%H:%M}-{('24:00' if b == dt.time(0, 0) else f'{b:%H:%M}')}" for a, b in ranges)

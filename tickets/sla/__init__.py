"""SLA: due times in the center's business hours, paused while a ticket is pending; time entries.

``apply_sla(ticket, now=...)`` is the one entry point the ticket services call after anything that
can move a due time (creation, status change, priority or policy change, first public reply). It
recomputes ``first_response_due``, ``resolution_due`` and ``sla_state`` from the ticket's creation
time, its policy and its status history (``TicketStatusChange``), so the due times stay right when the
priority or the policy changes.

Public names other modules may use: ``apply_sla``, ``is_business_time``, ``business_minutes_between``,
``add_business_minutes``, ``sla_state_filter`` / ``SLA_STATES`` (queue filters and badges),
``time_totals`` / ``ticket_time_total`` (billing reads the time spent).
"""

from __future__ import annotations

import datetime as dt

from tickets.sla.calendar import DEFAULT_HOURS, Calendar, parse_ranges
from tickets.sla.engine import apply_sla, compute, is_business_time, load_calendar, resolve_policy, sla_info
from tickets.sla.filters import SLA_STATES, sla_counts, sla_state_filter
from tickets.sla.time_entries import ticket_time_total, time_totals


def business_minutes_between(start: dt.datetime, end: dt.datetime, calendar_id: int | None = None) -> int:
    """Open minutes of the center's calendar between two aware datetimes."""
    return load_calendar(calendar_id).business_minutes(start, end)


def add_business_minutes(start: dt.datetime, minutes: int, calendar_id: int | None = None) -> dt.datetime | None:
    """``start`` plus ``minutes`` of the center's open time."""
    return load_calendar(calendar_id).add_business_minutes(start, minutes)


__all__ = [
    "DEFAULT_HOURS",
    "SLA_STATES",
    "Calendar",
    "add_business_minutes",
    "apply_sla",
    "business_minutes_between",
    "compute",
    "is_business_time",
    "load_calendar",
    "parse_ranges",
    "resolve_policy",
    "sla_counts",
    "sla_info",
    "sla_state_filter",
    "ticket_time_total",
    "time_totals",
]

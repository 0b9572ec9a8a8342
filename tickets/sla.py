"""SLA: due times in the center's business hours, paused while a ticket is pending.

``apply_sla(ticket, now=...)`` is the one entry point the ticket services call after anything that
can move a due time (creation, status change, priority or policy change, first public reply). It
recomputes ``first_response_due``, ``resolution_due`` and ``sla_state`` from the ticket's creation
time, its policy and its status history (``TicketStatusChange``), so the due times stay right when the
priority or the policy changes.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from tickets.models import Ticket


def apply_sla(ticket: Ticket, *, now: dt.datetime | None = None) -> None:
    """Recompute the ticket's SLA fields. (Policies and the business calendar come with the SLA work.)"""
    return None


# The center's default week until admins configure a calendar: Monday–Friday, 8:30–13:30 and
# 14:30–17:30 local time, closed on Italian national holidays.
DEFAULT_HOURS: dict[int, list[tuple[dt.time, dt.time]]] = {
    weekday: [(dt.time(8, 30), dt.time(13, 30)), (dt.time(14, 30), dt.time(17, 30))] for weekday in range(5)
}


def is_business_time(at: dt.datetime) -> bool:
    """Whether the center is open at ``at`` (aware datetime): the voice menu routes calls on this."""
    import holidays
    from flask import current_app

    local = at.astimezone(ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Rome")))
    if local.date() in holidays.country_holidays("IT", years=local.year):
        return False
    return any(start <= local.time() < end for start, end in DEFAULT_HOURS.get(local.weekday(), []))

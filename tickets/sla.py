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

if TYPE_CHECKING:
    from tickets.models import Ticket


def apply_sla(ticket: Ticket, *, now: dt.datetime | None = None) -> None:
    """Recompute the ticket's SLA fields. (Policies and the business calendar come with the SLA work.)"""
    return None

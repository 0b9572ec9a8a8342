"""Background jobs of the ticket module."""

from __future__ import annotations

from app.jobs import periodic


@periodic("tickets.autoclose", seconds=3600)
def autoclose_job() -> int:
    """Close the tickets resolved more than ``TICKETS_AUTOCLOSE_DAYS`` days ago."""
    from tickets.services import autoclose_resolved

    return autoclose_resolved()

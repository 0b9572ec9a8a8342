"""Background jobs of the indicators: survey reminders before the due date."""

from __future__ import annotations

from app.jobs import periodic


@periodic("indicators.survey_reminders", seconds=6 * 3600)
def survey_reminders() -> dict[str, int]:
    from indicators.surveys import send_reminders

    return {"sent": send_reminders()}

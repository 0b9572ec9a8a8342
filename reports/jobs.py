"""Report jobs: the facts and their daily rollups kept up to date, the 80% hours warning, schedules, alerts."""

from __future__ import annotations

from app.jobs import periodic


@periodic("reports.refresh_facts", seconds=60)
def refresh_facts_job() -> None:
    from reports.facts import refresh_facts

    refresh_facts()


@periodic("reports.sweep_facts", seconds=6 * 3600)
def sweep_facts_job() -> None:
    """Every ticket whose facts differ, whatever its ``updated_at`` (a change the incremental pass missed)."""
    from reports.facts import refresh_facts
    from reports.rollups import rollup

    refresh_facts(full=True)
    rollup()


@periodic("reports.hours_warning", seconds=3600)
def hours_warning_job() -> None:
    from reports.hours import warn_hours

    warn_hours()


@periodic("reports.schedules", seconds=3600)
def schedules_job() -> None:
    from reports.scheduling import run_schedules

    run_schedules()


@periodic("reports.alerts", seconds=300)
def alerts_job() -> None:
    from reports.facts import refresh_facts
    from reports.scheduling import check_alerts

    refresh_facts()
    check_alerts()


@periodic("reports.rollup", seconds=300)
def rollup_job() -> None:
    """The days touched since the last run rolled up again (after the facts they are made of)."""
    from reports.facts import refresh_facts
    from reports.rollups import rollup

    refresh_facts()
    rollup()

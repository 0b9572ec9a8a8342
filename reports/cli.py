"""`flask --app wsgi reports …` commands."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup, with_appcontext

reports_cli = AppGroup("reports", help="Reports: the fact table and its daily rollups.")


@reports_cli.command("rollup")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Rebuild every day from DATE.")
@with_appcontext
def rollup_command(since: dt.datetime | None) -> None:
    """Bring the facts up to date, then roll up the days touched since the last run (and every day
    from ``--since``, when given). Running it twice changes nothing."""
    from reports.facts import refresh_facts
    from reports.rollups import rollup

    facts = refresh_facts()
    result = rollup(since=since.date() if since else None)
    click.echo(f"{facts} tickets' facts computed; {result['days']} days rolled up ({result['rows']} rows)")

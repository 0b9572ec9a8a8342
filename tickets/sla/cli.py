"""`flask --app wsgi sla …`: run the SLA check now, recompute every open ticket, test the calendar."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

sla_cli = AppGroup("sla", help="SLA: check breaches, recompute due times, business calendar.")


@sla_cli.command("check")
def check_command() -> None:
    """Flag tickets at risk or breached and send the due alerts (what the worker does every 5 minutes)."""
    from tickets.sla.alerts import check_sla

    result = check_sla()
    click.echo(f"checked {result['checked']} ticket(s), sent {result['alerts']} alert(s)")


@sla_cli.command("recompute")
def recompute_command() -> None:
    """Recompute the due times of every open ticket (after restoring policies or calendars by hand)."""
    from tickets.sla.admin import recompute_open_tickets

    click.echo(f"recomputed {recompute_open_tickets()} open ticket(s)")


@sla_cli.command("due")
@click.argument("start")
@click.argument("minutes", type=int)
def due_command(start: str, minutes: int) -> None:
    """When MINUTES business minutes after START (ISO date-time, local time if no offset) end."""
    from tickets.sla.engine import load_calendar

    cal = load_calendar()
    try:
        when = dt.datetime.fromisoformat(start)
    except ValueError as exc:
        raise click.UsageError(f"START is not an ISO date-time: {start}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=cal.tz)
    due = cal.add_business_minutes(when, minutes)
    if due is None:
        raise click.ClickException("the calendar never reaches that many business minutes")
    click.echo(due.astimezone(cal.tz).isoformat())

"""`flask --app wsgi assist …` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from app.errors import DomainError

assist_cli = AppGroup("assist", help="Assisted triage: the suggestion model trained on resolved tickets.")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


@assist_cli.command("train")
@click.option("--limit", type=click.IntRange(min=20), default=50_000, show_default=True, help="Newest tickets used.")
@click.option("--test-size", type=click.FloatRange(min=0.05, max=0.5), default=0.2, show_default=True)
@with_appcontext
def train_command(limit: int, test_size: float) -> None:
    """Rebuild the model from the resolved tickets and print its accuracy on a held-out split."""
    from app.cli import fail
    from kb.assist import train

    try:
        result = train(limit=limit, test_size=test_size)
    except DomainError as exc:
        detail = "; ".join(m for msgs in exc.fields.values() for m in msgs)
        fail(f"{exc.message}: {detail}" if detail else exc.message)
        return
    click.echo(f"model version {result['version']}: trained on {result['trained_on']} resolved tickets")
    click.echo(
        f"service accuracy on the held-out split: {_pct(result['service_accuracy'])} "
        f"({result['service_tested_on']} tickets)"
    )
    click.echo(
        f"priority accuracy on the held-out split: {_pct(result['priority_accuracy'])} "
        f"({result['priority_tested_on']} tickets)"
    )

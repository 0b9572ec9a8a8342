"""`flask --app wsgi crm …` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from app.errors import DomainError

crm_cli = AppGroup("crm", help="CRM: enti, registry of comuni, convenzioni.")


@crm_cli.command("import-comuni")
@click.option("--province", required=True, help="Province sigla, e.g. BA.")
@with_appcontext
def import_comuni_command(province: str) -> None:
    """Import or update the comuni of a province from the bundled ISTAT registry."""
    from app.cli import fail
    from crm.registry import import_comuni

    try:
        counts = import_comuni(province=province)
    except DomainError as exc:
        fail(exc.message)
        return
    click.echo(
        f"{province.upper()}: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
    )


@crm_cli.command("agreement-alerts")
@with_appcontext
def agreement_alerts_command() -> None:
    """Expire convenzioni past their end date and send the due renewal alerts now."""
    from crm.jobs import agreement_alerts

    result = agreement_alerts()
    click.echo(f"{result['expired']} expired, {result['alerted']} alerted")

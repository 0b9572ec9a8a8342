"""``flask gdpr purge [--dry-run]``: what is past its retention period."""

from __future__ import annotations

import click
from flask.cli import AppGroup

gdpr_cli = AppGroup("gdpr", help="Dati personali: conservazione e cancellazione.")


@gdpr_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Elenca cosa verrebbe cancellato, senza cancellare.")
def purge_command(dry_run: bool) -> None:
    """Delete attachments, raw e-mails, recordings and audit entries past their period."""
    from gdpr.retention import purge

    report = purge(dry_run=dry_run)
    for kind, result in report.items():
        verb = "da cancellare" if dry_run else "cancellati"
        count = len(result["items"]) if dry_run else result["rows"]
        click.echo(f"{kind}: più vecchi di {result['days']} giorni: {count} {verb}")
        if not dry_run:
            click.echo(f"  file rimossi: {result['files']}")
        for item in result["items"] if dry_run else []:
            click.echo(f"  - #{item.id} {item.at.isoformat() if item.at else ''} {item.detail}")

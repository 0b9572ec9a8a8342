"""`flask --app wsgi billing run --year YYYY [--dry-run]` (shared/CONTRACT.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from app.cli import fail
from app.errors import DomainError

billing_cli = AppGroup("billing", help="Billing: the annual run.")


@billing_cli.command("run")
@click.option("--year", type=int, required=True, help="The year to bill.")
@click.option("--dry-run", is_flag=True, help="Show what would be billed; write nothing.")
@with_appcontext
def run_command(year: int, dry_run: bool) -> None:
    """The annual billing run: a draft per convenzione in force during YEAR, never twice."""
    from billing import services
    from billing.fees import fmt

    try:
        rows = services.preview_run(year)
        if dry_run:
            total = sum((r.fee.total for r in rows if r.state == "new"), start=services.D("0"))
            for r in rows:
                click.echo(
                    f"{r.state:8} {r.agreement_code:14} {r.kind:20} {fmt(r.fee.net_total):>12} {fmt(r.fee.total):>12}  "
                    f"{r.organization_name}" + (f"  [{'; '.join(r.warnings)}]" if r.warnings else "")
                )
            new = sum(1 for r in rows if r.state == "new")
            click.echo(f"dry run {year}: {new} draft(s) to create, total {fmt(total)}; nothing written")
            return
        run = services.run_now(year=year)
    except DomainError as exc:
        fail(exc.message)
        return
    click.echo(
        f"billing run {year} (#{run.id}): {run.created_count} draft(s) created, {run.skipped_count} skipped, "
        f"total {fmt(run.amount)}"
    )

"""`flask --app wsgi indicators …` commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from app.errors import DomainError

indicators_cli = AppGroup("indicators", help="Digital-agenda indicators: imports.")


def _run(func_name: str, path: str) -> None:
    from app.cli import fail
    from indicators import imports

    try:
        text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
        result = getattr(imports, func_name)(text)
    except DomainError as exc:
        fail(exc.message)
        return
    except OSError as exc:
        fail(str(exc))
        return
    for line, reason in result.errors:
        click.echo(f"riga {line}: {reason}", err=True)
    click.echo(f"{result.stored} stored, {result.unchanged} unchanged, {len(result.errors)} rejected")
    if result.errors:
        sys.exit(1)


@indicators_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_command(path: str) -> None:
    """Values from a CSV istat_code,indicator_code,value,as_of; bad lines reported by number, nothing of them stored."""
    _run("import_values", path)


@indicators_cli.command("import-padigitale")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_padigitale_command(path: str) -> None:
    """The PA digitale 2026 open data of funded applications (codice_ipa, avviso, importo, data)."""
    _run("import_padigitale", path)

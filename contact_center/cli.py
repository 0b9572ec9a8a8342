"""`flask --app wsgi mail poll`: poll every configured mailbox once."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext

mail_cli = AppGroup("mail", help="Inbound mail of the contact center.")


@mail_cli.command("poll")
@with_appcontext
def mail_poll() -> None:
    """Poll every active mailbox once."""
    from contact_center.channels.imap import poll_all

    results = poll_all()
    if not results:
        click.echo("no active mailbox")
        return
    failed = False
    for r in results:
        line = f"{r['mailbox']}: fetched {r['fetched']}, new {r['new']}, quarantined {r['failed']}"
        if r["error"]:
            failed = True
            line += f", error: {r['error']}"
        click.echo(line)
    if failed:
        click.echo("Error: at least one mailbox could not be polled", err=True)
        sys.exit(1)

"""Command line: `flask --app wsgi …` (shared/CONTRACT.md lists the promised commands)."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app.errors import DomainError

user_cli = AppGroup("user", help="Manage user accounts.")
token_cli = AppGroup("token", help="Manage API tokens.")
seed_cli = AppGroup("seed", help="Load demo or bulk data.")
jobs_cli = AppGroup("jobs", help="Inspect and relay background jobs.")
storage_cli = AppGroup("storage", help="Stored files: attachments, recordings, signed convenzioni.")


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def resolve_organization_id(code: str) -> int:
    """An organization's id, ISTAT code (leading zeros optional) or Belfiore code."""
    from crm.services import find_organization_by_code

    org = find_organization_by_code(code)
    if org is None:
        raise DomainError(f"nessun ente con codice {code!r}", {"organization_id": [f"ente {code!r} non trovato"]})
    return org.id


@user_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "operator", "finance", "referente"]))
@click.option("--org", "org", default=None, help="Organization id, ISTAT or Belfiore code (referente only).")
@click.option("--password", default=None, help="Initial password (at least 10 characters).")
@click.option("--name", default="", help="Full name.")
@click.option("--fiscal-code", "fiscal_code", default=None, help="Codice fiscale (SPID/CIE login).")
@with_appcontext
def user_create(
    email: str, role: str, org: str | None, password: str | None, name: str, fiscal_code: str | None = None
) -> None:
    """Create a user account."""
    from app.auth.services import create_user

    try:
        org_id = resolve_organization_id(org) if org else None
        if role == "referente" and org_id is None:
            fail("a referente needs --org (an organization's id, ISTAT or Belfiore code)")
        user = create_user(
            email=email, role=role, name=name, password=password, organization_id=org_id, fiscal_code=fiscal_code
        )
    except DomainError as exc:
        fail(exc.message)
        return
    click.echo(f"created {user.email} ({user.role})")


@user_cli.command("deactivate")
@click.argument("email")
@with_appcontext
def user_deactivate(email: str) -> None:
    """The user can no longer sign in; their sessions and API tokens stop at once."""
    from app.auth.services import deactivate_user

    try:
        user = deactivate_user(email=email)
    except DomainError as exc:
        fail(exc.message)
        return
    click.echo(f"deactivated {user.email}")


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="cli", help="A label for the token.")
@with_appcontext
def token_create(email: str, name: str) -> None:
    """Print a new API token for EMAIL, once."""
    from app.auth.services import get_user_by_email, issue_token

    user = get_user_by_email(email)
    if user is None:
        fail(f"no user {email}")
        return
    _, raw = issue_token(user=user, name=name)
    click.echo(raw)


@seed_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when demo data is already there.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Idempotent demo data: the comuni of the Città Metropolitana di Bari, one user per role."""
    from app.demo import DEMO_PASSWORD, load_demo

    try:
        summary = load_demo(if_empty=if_empty)
    except DomainError as exc:
        fail(exc.message)
        return
    for key, value in summary.items():
        if key != "users":
            click.echo(f"{key}: {value}")
    click.echo("")
    click.echo(f"Presidio demo logins (password for all: {DEMO_PASSWORD})")
    for email, role in summary.get("users", []):
        click.echo(f"  {role:10} {email}")
    click.echo("")


@seed_cli.command("bulk")
@click.option("--tickets", type=click.IntRange(min=0), required=True, help="How many tickets to generate.")
@click.option(
    "--orgs", type=click.IntRange(min=1), default=None, help="How many enti (default: tickets/125, max 8000)."
)
@click.option("--years", type=click.IntRange(min=1, max=20), default=5, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed (same seed, same data).")
@with_appcontext
def seed_bulk(tickets: int, orgs: int | None, years: int, seed: int) -> None:
    """Realistic volume for benchmarks (PostgreSQL COPY): enti, contacts, convenzioni, tickets, messages."""
    from app.bulk import load_bulk

    try:
        result = load_bulk(tickets=tickets, orgs=orgs, years=years, seed=seed, echo=click.echo)
    except (RuntimeError, ValueError) as exc:
        fail(str(exc))
        return
    click.echo(str(result))


@jobs_cli.command("relay")
@with_appcontext
def jobs_relay() -> None:
    """Send pending outbox jobs to the queue (or run them, without Redis)."""
    from app.jobs import relay

    click.echo(f"relayed {relay()} job(s)")


@jobs_cli.command("status")
@with_appcontext
def jobs_status() -> None:
    """Count outbox jobs by status."""
    from app.jobs import counts

    for status, n in sorted(counts().items()):
        click.echo(f"{status:10} {n}")


@storage_cli.command("migrate")
@click.option(
    "--from-dir",
    "from_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Local directory to copy from (default: ATTACHMENTS_DIR).",
)
@click.option("--overwrite", is_flag=True, help="Copy files the target already has too.")
@with_appcontext
def storage_migrate(from_dir: str | None, overwrite: bool) -> None:
    """Copy the files kept on local disk into the configured storage (STORAGE_BACKEND=s3). Safe to
    re-run: files already there are skipped (keys are content hashes)."""
    from pathlib import Path

    from flask import current_app

    from app.storage import LocalStorage, copy_all, get_storage

    source = LocalStorage(from_dir or current_app.config["ATTACHMENTS_DIR"])
    try:
        target = get_storage()
    except DomainError as exc:
        fail(exc.message)
        return
    if isinstance(target, LocalStorage) and Path(target.root).resolve() == Path(source.root).resolve():
        fail("source and target are the same directory: set STORAGE_BACKEND=s3 and the S3_* variables")
        return
    if not Path(source.root).is_dir():
        fail(f"no such directory: {source.root}")
        return
    try:
        copied, skipped = copy_all(source, target, overwrite=overwrite)
    except DomainError as exc:
        fail(exc.message)
        return
    click.echo(f"copied {copied} file(s) to {target.name}, {skipped} already there")


def init_app(app: Flask) -> None:
    from app.jobs.worker import worker_command

    for group in (user_cli, token_cli, seed_cli, jobs_cli, storage_cli):
        app.cli.add_command(group)
    app.cli.add_command(worker_command)

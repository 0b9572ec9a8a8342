"""Ticket business rules. Other modules call these functions, never the tables.

Stable signatures (other packages depend on them): ``open_ticket``, ``add_message``,
``add_attachment``, ``get_ticket``, ``find_ticket_by_number``, ``billable_minutes``, ``list_teams``.
Every status change goes through ``record_status`` (the SLA clock reads the history) and every change
that can move a due time calls ``tickets.sla.apply_sla``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.db import transaction, utcnow
from app.errors import Invalid, NotFound
from app.extensions import db
from tickets import sla
from tickets.models import (
    Channel,
    Priority,
    Team,
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketMessage,
    TicketStatus,
    TicketStatusChange,
    TimeEntry,
)

NUMBER_PREFIX = "AST"


def next_number(year: int) -> str:
    """Allocate the next human number of ``year`` (row-locked counter: no duplicates, no gaps)."""
    session = db.session()
    counter = session.execute(
        sa.select(TicketCounter).where(TicketCounter.year == year).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            session.execute(pg_insert(TicketCounter).values(year=year, last=0).on_conflict_do_nothing())
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            session.execute(sqlite_insert(TicketCounter).values(year=year, last=0).on_conflict_do_nothing())
        counter = session.execute(
            sa.select(TicketCounter).where(TicketCounter.year == year).with_for_update()
        ).scalar_one()
    counter.last += 1
    session.flush()
    return f"{NUMBER_PREFIX}-{year}-{counter.last:06d}"


def open_ticket(
    *,
    subject: str,
    description: str = "",
    organization_id: int | None = None,
    requester_contact_id: int | None = None,
    service_id: int | None = None,
    channel: Channel | str = Channel.PORTAL,
    priority: Priority | str = Priority.NORMAL,
    assignee_id: int | None = None,
    team_id: int | None = None,
    follow_up_of_id: int | None = None,
    author_label: str = "",
    message_ref: str | None = None,
    actor: Any = None,
    created_at: dt.datetime | None = None,
) -> Ticket:
    """Open a ticket with its first message (the description)."""
    subject = (subject or "").strip()
    if not subject:
        raise Invalid("oggetto obbligatorio", {"subject": ["obbligatorio"]})
    try:
        channel = Channel(channel)
        priority = Priority(priority)
    except ValueError as exc:
        raise Invalid(str(exc), {"channel": [str(exc)]}) from exc
    now = created_at or utcnow()
    with transaction(actor=actor):
        ticket = Ticket(
            number=next_number(now.year),
            subject=subject[:300],
            description=description or "",
            organization_id=organization_id,
            requester_contact_id=requester_contact_id,
            service_id=service_id,
            channel=channel,
            priority=priority,
            assignee_id=assignee_id,
            team_id=team_id,
            follow_up_of_id=follow_up_of_id,
            created_by_id=getattr(actor, "id", None),
            status=TicketStatus.NEW,
            created_at=now,
            updated_at=now,
        )
        db.session.add(ticket)
        db.session.flush()
        record_status(ticket, TicketStatus.NEW, actor=actor, at=now, initial=True)
        if description:
            db.session.add(
                TicketMessage(
                    ticket_id=ticket.id,
                    body=description,
                    internal=False,
                    author_user_id=getattr(actor, "id", None),
                    author_contact_id=requester_contact_id,
                    author_label=author_label,
                    channel=channel,
                    external_ref=message_ref,
                    created_at=now,
                )
            )
            db.session.flush()
        sla.apply_sla(ticket, now=now)
    return ticket


def record_status(
    ticket: Ticket,
    status: TicketStatus,
    *,
    actor: Any = None,
    at: dt.datetime | None = None,
    initial: bool = False,
) -> None:
    """Move ``ticket`` to ``status`` and append the change to its history (the SLA clock's source)."""
    at = at or utcnow()
    previous = None if initial else ticket.status
    if previous == status:
        return
    ticket.status = status
    db.session.add(
        TicketStatusChange(
            ticket_id=ticket.id, from_status=previous, to_status=status, at=at, actor_id=getattr(actor, "id", None)
        )
    )


def add_message(
    *,
    ticket_id: int,
    body: str,
    internal: bool = False,
    author_contact_id: int | None = None,
    author_label: str = "",
    channel: Channel | str = Channel.PORTAL,
    message_ref: str | None = None,
    actor: Any = None,
) -> TicketMessage:
    """Add a public reply or an internal note to a ticket."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("ticket non trovato")
    if not (body or "").strip():
        raise Invalid("messaggio vuoto", {"body": ["obbligatorio"]})
    with transaction(actor=actor):
        message = TicketMessage(
            ticket_id=ticket.id,
            body=body,
            internal=internal,
            author_user_id=getattr(actor, "id", None),
            author_contact_id=author_contact_id,
            author_label=author_label,
            channel=Channel(channel),
            external_ref=message_ref,
        )
        db.session.add(message)
        ticket.updated_at = utcnow()
        db.session.flush()
    return message


def get_ticket(ticket_id: int) -> Ticket | None:
    return db.session.get(Ticket, ticket_id)


def find_ticket_by_number(number: str) -> Ticket | None:
    return db.session.scalar(sa.select(Ticket).where(Ticket.number == number.strip().upper()))


def billable_minutes(*, organization_id: int, start: dt.date, end: dt.date) -> int:
    """Billable minutes logged on an organization's tickets with start <= work_date <= end."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(TimeEntry.minutes), 0)).where(
            TimeEntry.organization_id == organization_id,
            TimeEntry.billable.is_(True),
            TimeEntry.work_date >= start,
            TimeEntry.work_date <= end,
        )
    )
    return int(total or 0)


def list_teams(*, active_only: bool = True) -> list[Team]:
    stmt = sa.select(Team).order_by(Team.name)
    if active_only:
        stmt = stmt.where(Team.active.is_(True))
    return list(db.session.scalars(stmt))


def attachment_path(sha256: str) -> Path:
    """Where the bytes of an attachment live: outside the web root, by content hash."""
    return Path(current_app.config["ATTACHMENTS_DIR"]) / sha256[:2] / sha256


def add_attachment(
    *,
    ticket_id: int,
    filename: str,
    data: bytes,
    content_type: str = "application/octet-stream",
    message_id: int | None = None,
    content_id: str | None = None,
    actor: Any = None,
) -> TicketAttachment:
    """Store a file on a ticket. The bytes are written before the row commits (content-addressed, so a
    rolled-back attempt leaves at most an unreferenced file, never a row without its file)."""
    if db.session.get(Ticket, ticket_id) is None:
        raise NotFound("ticket non trovato")
    name = os.path.basename((filename or "").replace("\\", "/")).strip() or "allegato"
    digest = hashlib.sha256(data).hexdigest()
    path = attachment_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    with transaction(actor=actor):
        attachment = TicketAttachment(
            ticket_id=ticket_id,
            message_id=message_id,
            filename=name[:255],
            content_type=(content_type or "application/octet-stream")[:127],
            size=len(data),
            sha256=digest,
            content_id=content_id,
            uploaded_by_id=getattr(actor, "id", None),
        )
        db.session.add(attachment)
        db.session.flush()
    return attachment

"""Ticket business rules. Other modules call these functions, never the tables.

Stable signatures (other packages depend on them): ``open_ticket``, ``add_message``,
``add_attachment``, ``get_ticket``, ``find_ticket_by_number``, ``billable_minutes``, ``list_teams``.
Every status change goes through ``record_status`` (the SLA clock reads the history) and every change
that can move a due time calls ``tickets.sla.apply_sla``.

Lifecycle: new → open → pending ⇄ open → resolved → closed. A reply from the requester reopens a
pending or resolved ticket; resolved tickets close by themselves after ``TICKETS_AUTOCLOSE_DAYS``;
closed is final: a new message from the requester opens a follow-up ticket linked to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.auth.models import Role, User
from app.db import transaction, utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from app.storage import FileMissing, content_key, get_storage
from tickets import sla
from tickets.models import (
    CannedResponse,
    Channel,
    Priority,
    Team,
    Ticket,
    TicketAttachment,
    TicketCc,
    TicketCounter,
    TicketLink,
    TicketMessage,
    TicketStatus,
    TicketStatusChange,
    TicketTag,
    TimeEntry,
)
from tickets.sla import engine as sla_engine

NUMBER_PREFIX = "AST"
OPEN_STATES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)

# Which status may follow which. Closed is final.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset({TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.OPEN: frozenset({TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.PENDING: frozenset({TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED}),
    TicketStatus.RESOLVED: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}

DEFAULT_AUTOCLOSE_DAYS = 7
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = frozenset(
    {
        *("pdf", "p7m", "xml", "txt", "csv", "log", "eml", "msg", "zip", "7z"),
        *("png", "jpg", "jpeg", "gif", "webp", "tif", "tiff"),
        *("doc", "docx", "odt", "rtf", "xls", "xlsx", "ods", "ppt", "pptx", "odp"),
    }
)
TAG_RE = re.compile(r"^[\w.\-àèéìòù]{1,50}$")


# --- numbering ---------------------------------------------------------------------------------


def next_number(year: int) -> str:
    """Allocate the next human number of ``year``: unique, increasing, gaps possible (a rolled-back opening).

    PostgreSQL: a sequence per year (``ticket_number_next``), so concurrent openings never queue on a
    counter row. SQLite (one writer at a time anyway): the ``ticket_counters`` row.
    """
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        return str(session.scalar(sa.select(number_expr(year))))
    return _next_number_counter(session, year)


def number_expr(year: int) -> Any:
    """The next number of ``year`` as SQL, to compute inside the INSERT of the ticket (PostgreSQL)."""
    return sa.func.ticket_number_next(NUMBER_PREFIX, year, type_=sa.String)


def _next_number_counter(session: Any, year: int) -> str:
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    session.execute(sqlite_insert(TicketCounter).values(year=year, last=0).on_conflict_do_nothing())
    last = session.scalar(
        sa.update(TicketCounter)
        .where(TicketCounter.year == year)
        .values(last=TicketCounter.last + 1)
        .returning(TicketCounter.last)
    )
    return f"{NUMBER_PREFIX}-{year}-{last:06d}"


# --- helpers ---------------------------------------------------------------------------------


def _enum(enum_cls: Any, value: Any, field: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError as exc:
        allowed = ", ".join(e.value for e in enum_cls)
        raise Invalid(f"valore non valido per {field}", {field: [f"valori ammessi: {allowed}"]}) from exc


def _check_refs(
    *,
    organization_id: int | None = None,
    requester_contact_id: int | None = None,
    service_id: int | None = None,
    assignee_id: int | None = None,
    team_id: int | None = None,
) -> None:
    from crm.models import Contact, Organization, Service

    if organization_id is not None and db.session.get(Organization, organization_id) is None:
        raise Invalid("ente inesistente", {"organization_id": ["ente inesistente"]})
    if requester_contact_id is not None:
        contact = db.session.get(Contact, requester_contact_id)
        if contact is None:
            raise Invalid("contatto inesistente", {"requester_contact_id": ["contatto inesistente"]})
        if organization_id is not None and contact.organization_id != organization_id:
            raise Invalid(
                "il contatto non appartiene all'ente", {"requester_contact_id": ["il contatto è di un altro ente"]}
            )
    if service_id is not None and db.session.get(Service, service_id) is None:
        raise Invalid("servizio inesistente", {"service_id": ["servizio inesistente"]})
    if assignee_id is not None:
        user = db.session.get(User, assignee_id)
        if user is None or user.role not in (Role.ADMIN, Role.OPERATOR) or not user.active:
            raise Invalid("operatore non valido", {"assignee_id": ["non è un operatore attivo"]})
    if team_id is not None and db.session.get(Team, team_id) is None:
        raise Invalid("gruppo inesistente", {"team_id": ["gruppo inesistente"]})


def normalize_tags(tags: Iterable[str] | str | None) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = re.split(r"[,\s]+", tags)
    out: list[str] = []
    for raw in tags:
        tag = (raw or "").strip().lower().lstrip("#")
        if not tag:
            continue
        if not TAG_RE.match(tag):
            raise Invalid("etichetta non valida", {"tags": [f"etichetta non valida: {tag[:50]}"]})
        if tag not in out:
            out.append(tag)
    return out[:20]


def ticket_tags(ticket_id: int) -> list[str]:
    return list(
        db.session.scalars(sa.select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id).order_by(TicketTag.tag))
    )


def set_tags(ticket: Ticket, tags: Iterable[str] | str | None, *, actor: Any = None) -> list[str]:
    wanted = normalize_tags(tags)
    with transaction(actor=actor):
        db.session.execute(sa.delete(TicketTag).where(TicketTag.ticket_id == ticket.id))
        for tag in wanted:
            db.session.add(TicketTag(ticket_id=ticket.id, tag=tag))
        ticket.updated_at = utcnow()
        db.session.flush()
    return wanted


def ticket_ccs(ticket_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(TicketCc.contact_id).where(TicketCc.ticket_id == ticket_id).order_by(TicketCc.contact_id)
        )
    )


def set_ccs(ticket: Ticket, contact_ids: Iterable[int] | None, *, actor: Any = None) -> list[int]:
    """Contacts copied on the ticket (same organization): they follow it even with "only my own requests"."""
    from crm.models import Contact

    wanted = list(dict.fromkeys(int(c) for c in (contact_ids or [])))[:20]
    with transaction(actor=actor):
        for contact_id in wanted:
            contact = db.session.get(Contact, contact_id)
            if contact is None or (ticket.organization_id and contact.organization_id != ticket.organization_id):
                raise Invalid("contatto non valido", {"cc_contact_ids": [f"contatto {contact_id} non valido"]})
        db.session.execute(sa.delete(TicketCc).where(TicketCc.ticket_id == ticket.id))
        for contact_id in wanted:
            db.session.add(TicketCc(ticket_id=ticket.id, contact_id=contact_id))
        db.session.flush()
    return wanted


# --- opening -------------------------------------------------------------------------------------


def _open_lookups(
    *,
    organization_id: int | None,
    requester_contact_id: int | None,
    service_id: int | None,
    assignee_id: int | None,
    team_id: int | None,
    day: dt.date,
    year: int,
) -> dict[str, Any]:
    """What opening a ticket needs, in one query: the references exist (else 422 naming the field), the
    ente's SLA ``tier`` on ``day``, the SLA configuration's fingerprint (``version``) and, on PostgreSQL,
    the ticket's ``number`` and ``id`` (sequences: a refused opening leaves a gap), so the ticket and
    its rows go to the database in one flush."""
    from crm.models import Contact, Organization, Service
    from crm.services import sla_tier_expr

    def first(stmt: Any) -> Any:
        return stmt.limit(1).scalar_subquery()

    cols: dict[str, Any] = {"one": sa.literal(1)}
    if organization_id is not None:
        cols["org"] = first(sa.select(Organization.id).where(Organization.id == organization_id))
        cols["tier"] = sla_tier_expr(organization_id, day)
    if requester_contact_id is not None:
        cols["contact"] = first(sa.select(Contact.id).where(Contact.id == requester_contact_id))
        cols["contact_org"] = first(sa.select(Contact.organization_id).where(Contact.id == requester_contact_id))
    if service_id is not None:
        cols["service"] = first(sa.select(Service.id).where(Service.id == service_id))
    if assignee_id is not None:
        cols["assignee"] = first(
            sa.select(User.id).where(
                User.id == assignee_id, User.role.in_([Role.ADMIN, Role.OPERATOR]), User.active.is_(True)
            )
        )
    if team_id is not None:
        cols["team"] = first(sa.select(Team.id).where(Team.id == team_id))
    version_expr = sla_engine.config_version_expr()
    if version_expr is not None:
        cols["version"] = version_expr
    if db.session.get_bind().dialect.name == "postgresql":
        cols["number"] = number_expr(year)
        cols["id"] = sa.func.nextval(sa.func.pg_get_serial_sequence(Ticket.__tablename__, "id"))
    row = db.session.execute(sa.select(*[c.label(k) for k, c in cols.items()])).one()._mapping
    if organization_id is not None and row["org"] is None:
        raise Invalid("ente inesistente", {"organization_id": ["ente inesistente"]})
    if requester_contact_id is not None:
        if row["contact"] is None:
            raise Invalid("contatto inesistente", {"requester_contact_id": ["contatto inesistente"]})
        if organization_id is not None and row["contact_org"] != organization_id:
            raise Invalid(
                "il contatto non appartiene all'ente", {"requester_contact_id": ["il contatto è di un altro ente"]}
            )
    if service_id is not None and row["service"] is None:
        raise Invalid("servizio inesistente", {"service_id": ["servizio inesistente"]})
    if assignee_id is not None and row["assignee"] is None:
        raise Invalid("operatore non valido", {"assignee_id": ["non è un operatore attivo"]})
    if team_id is not None and row["team"] is None:
        raise Invalid("gruppo inesistente", {"team_id": ["gruppo inesistente"]})
    return dict(row)


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
    tags: Iterable[str] | str | None = None,
    notify: bool = True,
) -> Ticket:
    """Open a ticket with its first message (the description) and tell the requester its number.

    Built for volume (API, mail ingestion): one query checks the references and reads the SLA tier
    and the number, the SLA clock of a new ticket is computed before it
    (no history to read) and its rows (history, message, tags, clock) go in one flush.
    """
    subject = (subject or "").strip()
    if not subject:
        raise Invalid("oggetto obbligatorio", {"subject": ["obbligatorio"]})
    channel = _enum(Channel, channel, "channel")
    priority = _enum(Priority, priority, "priority")
    if requester_contact_id is not None and organization_id is None:
        from crm.models import Contact

        contact = db.session.get(Contact, requester_contact_id)
        organization_id = contact.organization_id if contact else None
    tag_list = normalize_tags(tags)
    now = created_at or utcnow()
    with transaction(actor=actor):
        found = _open_lookups(
            organization_id=organization_id,
            requester_contact_id=requester_contact_id,
            service_id=service_id,
            assignee_id=assignee_id,
            team_id=team_id,
            day=now.astimezone(sla_engine._center_tz()).date(),
            year=now.year,
        )
        ticket = Ticket(
            id=found.get("id"),
            number=found.get("number") or next_number(now.year),
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
        clock = sla.compute(ticket, now=now, tier=found.get("tier"), config_version=found.get("version"), new=True)
        sla_engine.set_due(ticket, clock)
        db.session.add(ticket)
        if ticket.id is None:
            db.session.flush()
        record_status(ticket, TicketStatus.NEW, actor=actor, at=now, initial=True)
        for tag in tag_list:
            db.session.add(TicketTag(ticket_id=ticket.id, tag=tag))
        if description:
            db.session.add(
                TicketMessage(
                    ticket_id=ticket.id,
                    body=description,
                    internal=False,
                    author_user_id=getattr(actor, "id", None),
                    author_contact_id=requester_contact_id,
                    author_label=author_label or _actor_label(actor),
                    channel=channel,
                    external_ref=message_ref,
                    created_at=now,
                )
            )
        sla_engine.store(ticket, clock, now=now, new=True)
        if notify:
            from tickets import notifications

            notifications.ticket_opened(ticket)
            if assignee_id is not None and assignee_id != getattr(actor, "id", None):
                notifications.ticket_assigned(ticket)
        db.session.flush()
    return ticket


def _actor_label(actor: Any) -> str:
    if actor is None:
        return ""
    return getattr(actor, "display_name", "") or getattr(actor, "email", "") or ""


# --- status -------------------------------------------------------------------------------------


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
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = at
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = at
        ticket.resolved_at = ticket.resolved_at or at
    elif previous in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        ticket.resolved_at = None
    db.session.add(
        TicketStatusChange(
            ticket_id=ticket.id, from_status=previous, to_status=status, at=at, actor_id=getattr(actor, "id", None)
        )
    )


def allowed_transitions(ticket: Ticket) -> list[TicketStatus]:
    if ticket.merged_into_id:
        return []
    return [s for s in TicketStatus if s in TRANSITIONS[ticket.status]]


def change_status(
    *,
    ticket_id: int,
    status: TicketStatus | str,
    actor: Any = None,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Ticket:
    """A transition by hand (operator, or a referente confirming/reopening): checked against the rules."""
    status = TicketStatus(_enum(TicketStatus, status, "status"))
    now = now or utcnow()
    with transaction(actor=actor):
        ticket = _locked(ticket_id)
        if ticket.status == status:
            return ticket
        if status not in TRANSITIONS[ticket.status] or ticket.merged_into_id:
            raise Conflict(
                f"transizione non ammessa: {ticket.status.value} → {status.value}",
                {"status": [f"da {ticket.status.value} non si può passare a {status.value}"]},
            )
        previous = ticket.status
        record_status(ticket, status, actor=actor, at=now)
        ticket.updated_at = now
        db.session.flush()
        sla.apply_sla(ticket, now=now)
        if notify and status == TicketStatus.RESOLVED:
            from tickets import notifications

            notifications.ticket_resolved(ticket)
        if notify and status == TicketStatus.OPEN and previous == TicketStatus.RESOLVED and _is_staff(actor):
            pass  # an operator reopening needs no mail; the requester's reply is the common case
    return ticket


def _is_staff(actor: Any) -> bool:
    return actor is not None and getattr(actor, "role", None) in (Role.ADMIN, Role.OPERATOR, Role.FINANCE)


def _locked(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id, with_for_update=True, populate_existing=True)
    if ticket is None:
        raise NotFound("ticket non trovato")
    return ticket


def autoclose_resolved(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Close resolved tickets older than the configured number of days. Returns how many closed."""
    now = now or utcnow()
    if days is None:
        days = int(current_app.config.get("TICKETS_AUTOCLOSE_DAYS", DEFAULT_AUTOCLOSE_DAYS))
    limit = now - dt.timedelta(days=days)
    ids = list(
        db.session.scalars(
            sa.select(Ticket.id)
            .where(Ticket.status == TicketStatus.RESOLVED, Ticket.resolved_at <= limit)
            .order_by(Ticket.id)
            .limit(5000)
        )
    )
    closed = 0
    for ticket_id in ids:
        with transaction():
            ticket = _locked(ticket_id)
            if ticket.status != TicketStatus.RESOLVED:
                continue
            record_status(ticket, TicketStatus.CLOSED, at=now)
            ticket.updated_at = now
            sla.apply_sla(ticket, now=now)
            closed += 1
    return closed


# --- updates ------------------------------------------------------------------------------------

UPDATABLE = ("subject", "priority", "service_id", "team_id", "organization_id", "requester_contact_id", "channel")


def update_ticket(*, ticket_id: int, actor: Any = None, now: dt.datetime | None = None, **changes: Any) -> Ticket:
    """Change fields (priority, service, team, …), assignment, status and tags in one transaction."""
    now = now or utcnow()
    unknown = set(changes) - set(UPDATABLE) - {"assignee_id", "status", "tags", "cc_contact_ids"}
    if unknown:
        raise Invalid("campi non modificabili", {f: ["non modificabile"] for f in sorted(unknown)})
    with transaction(actor=actor):
        ticket = _locked(ticket_id)
        if ticket.status == TicketStatus.CLOSED and set(changes) - {"tags", "cc_contact_ids"}:
            raise Conflict("il ticket è chiuso", {"status": ["un ticket chiuso non si modifica"]})
        if "subject" in changes:
            subject = (changes["subject"] or "").strip()
            if not subject:
                raise Invalid("oggetto obbligatorio", {"subject": ["obbligatorio"]})
            ticket.subject = subject[:300]
        if "priority" in changes:
            ticket.priority = _enum(Priority, changes["priority"], "priority")
        if "channel" in changes:
            ticket.channel = _enum(Channel, changes["channel"], "channel")
        refs = {
            k: changes[k] for k in ("service_id", "team_id", "organization_id", "requester_contact_id") if k in changes
        }
        if refs:
            _check_refs(
                organization_id=refs.get("organization_id", ticket.organization_id),
                requester_contact_id=refs.get("requester_contact_id"),
                service_id=refs.get("service_id"),
                team_id=refs.get("team_id"),
            )
            for key, value in refs.items():
                setattr(ticket, key, value)
        if "cc_contact_ids" in changes:
            set_ccs(ticket, changes["cc_contact_ids"], actor=actor)
        if "tags" in changes:
            db.session.execute(sa.delete(TicketTag).where(TicketTag.ticket_id == ticket.id))
            for tag in normalize_tags(changes["tags"]):
                db.session.add(TicketTag(ticket_id=ticket.id, tag=tag))
        ticket.updated_at = now
        db.session.flush()
        if "assignee_id" in changes:
            assign(ticket_id=ticket.id, assignee_id=changes["assignee_id"], actor=actor)
        if "status" in changes and changes["status"] is not None:
            change_status(ticket_id=ticket.id, status=changes["status"], actor=actor, now=now)
        sla.apply_sla(ticket, now=now)
    return ticket


def assign(*, ticket_id: int, assignee_id: int | None, team_id: int | None | object = ..., actor: Any = None) -> Ticket:
    """Give the ticket to an operator (and/or a team); the new assignee gets an email."""
    with transaction(actor=actor):
        ticket = _locked(ticket_id)
        if ticket.status == TicketStatus.CLOSED:
            raise Conflict("il ticket è chiuso", {"status": ["un ticket chiuso non si assegna"]})
        _check_refs(assignee_id=assignee_id, team_id=team_id if isinstance(team_id, int) else None)
        changed = ticket.assignee_id != assignee_id
        ticket.assignee_id = assignee_id
        if team_id is not ...:
            ticket.team_id = team_id  # type: ignore[assignment]
        ticket.updated_at = utcnow()
        db.session.flush()
        if changed and assignee_id is not None and assignee_id != getattr(actor, "id", None):
            from tickets import notifications

            notifications.ticket_assigned(ticket)
    return ticket


def bulk_update(
    *,
    ticket_ids: Iterable[int],
    actor: Any = None,
    assignee_id: int | None | object = ...,
    status: str | None = None,
    team_id: int | None | object = ...,
    priority: str | None = None,
) -> dict[str, Any]:
    """Apply one change to many tickets. Each ticket is its own transaction; refused ones are reported."""
    done: list[int] = []
    errors: dict[int, str] = {}
    for ticket_id in list(dict.fromkeys(int(i) for i in ticket_ids))[:500]:
        try:
            with transaction(actor=actor):
                if assignee_id is not ... or team_id is not ...:
                    current = _locked(ticket_id)
                    assign(
                        ticket_id=ticket_id,
                        assignee_id=current.assignee_id if assignee_id is ... else assignee_id,  # type: ignore[arg-type]
                        team_id=team_id,
                        actor=actor,
                    )
                if priority:
                    update_ticket(ticket_id=ticket_id, priority=priority, actor=actor)
                if status:
                    change_status(ticket_id=ticket_id, status=status, actor=actor)
            done.append(ticket_id)
        except (Conflict, Invalid, NotFound) as exc:
            errors[ticket_id] = exc.message
    return {"updated": done, "errors": errors}


# --- conversation ---------------------------------------------------------------------------------


def _survivor(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id and ticket.id not in seen:
        seen.add(ticket.id)
        nxt = db.session.get(Ticket, ticket.merged_into_id)
        if nxt is None:
            break
        ticket = nxt
    return ticket


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
    notify: bool = True,
    now: dt.datetime | None = None,
) -> TicketMessage:
    """Add a public reply or an internal note to a ticket.

    From the requester's side (a contact, a referente, or no staff actor): the message follows
    ``merged_into_id`` to the survivor, reopens a pending or resolved ticket and, on a closed ticket,
    opens a follow-up linked to it; the returned message's ``ticket_id`` says where it landed.
    From an operator: a public reply is the first response (new → open) and is emailed to the
    requester; an internal note is never shown to referenti nor emailed.
    """
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("ticket non trovato")
    if not (body or "").strip():
        raise Invalid("messaggio vuoto", {"body": ["obbligatorio"]})
    channel = _enum(Channel, channel, "channel")
    staff = _is_staff(actor)
    if internal and not staff:
        raise Forbidden("solo gli operatori scrivono note interne")
    now = now or utcnow()
    with transaction(actor=actor):
        ticket = _survivor(ticket)
        ticket = _locked(ticket.id)
        if not staff and ticket.status == TicketStatus.CLOSED:
            follow = open_ticket(
                subject=ticket.subject
                if ticket.subject.lower().startswith("seguito")
                else f"Seguito: {ticket.subject}",
                description="",
                organization_id=ticket.organization_id,
                requester_contact_id=author_contact_id or ticket.requester_contact_id,
                service_id=ticket.service_id,
                channel=channel,
                priority=ticket.priority,
                team_id=ticket.team_id,
                assignee_id=ticket.assignee_id,
                follow_up_of_id=ticket.id,
                actor=actor,
                created_at=now,
                notify=notify,
            )
            _link(follow.id, ticket.id)
            ticket = follow
        elif staff and ticket.status == TicketStatus.CLOSED and not internal:
            raise Conflict("il ticket è chiuso", {"status": ["un ticket chiuso non riceve risposte"]})
        message = TicketMessage(
            ticket_id=ticket.id,
            body=body,
            internal=internal,
            author_user_id=getattr(actor, "id", None),
            author_contact_id=author_contact_id,
            author_label=author_label or _actor_label(actor),
            channel=channel,
            external_ref=message_ref,
            created_at=now,
        )
        db.session.add(message)
        ticket.updated_at = now
        db.session.flush()
        if staff and not internal:
            if ticket.first_responded_at is None:
                ticket.first_responded_at = now
            if ticket.status == TicketStatus.NEW:
                record_status(ticket, TicketStatus.OPEN, actor=actor, at=now)
        elif not staff and ticket.status in (TicketStatus.PENDING, TicketStatus.RESOLVED):
            record_status(ticket, TicketStatus.OPEN, actor=actor, at=now)
        db.session.flush()
        sla.apply_sla(ticket, now=now)
        if notify and staff and not internal:
            from tickets import notifications

            notifications.public_reply(ticket, message)
    return message


def reply(
    *,
    ticket_id: int,
    body: str,
    actor: Any,
    internal: bool = False,
    status: str | None = None,
    files: Iterable[tuple[str, bytes, str]] = (),
    channel: Channel | str | None = None,
) -> TicketMessage:
    """A reply from the web or the API: message, attachments and an optional status change together."""
    staff = _is_staff(actor)
    files = list(files)
    for name, data, ctype in files:
        check_upload(name, data, ctype)
    with transaction(actor=actor):
        message = add_message(
            ticket_id=ticket_id,
            body=body,
            internal=internal,
            author_contact_id=None if staff else getattr(actor, "contact_id", None),
            channel=channel or (Channel.WEB if staff else Channel.PORTAL),
            actor=actor,
        )
        for name, data, ctype in files:
            add_attachment(
                ticket_id=message.ticket_id,
                filename=name,
                data=data,
                content_type=ctype,
                message_id=message.id,
                actor=actor,
            )
        if status and staff:
            change_status(ticket_id=message.ticket_id, status=status, actor=actor)
    return message


def messages_for(ticket_id: int, *, include_internal: bool) -> list[TicketMessage]:
    stmt = (
        sa.select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket_id)
        .order_by(TicketMessage.created_at, TicketMessage.id)
    )
    if not include_internal:
        stmt = stmt.where(TicketMessage.internal.is_(False))
    return list(db.session.scalars(stmt))


def attachments_for(ticket_id: int, *, include_internal: bool) -> list[TicketAttachment]:
    stmt = (
        sa.select(TicketAttachment)
        .outerjoin(TicketMessage, TicketMessage.id == TicketAttachment.message_id)
        .where(TicketAttachment.ticket_id == ticket_id)
        .order_by(TicketAttachment.id)
    )
    if not include_internal:
        stmt = stmt.where(sa.or_(TicketMessage.id.is_(None), TicketMessage.internal.is_(False)))
    return list(db.session.scalars(stmt))


def status_history(ticket_id: int) -> list[TicketStatusChange]:
    return list(
        db.session.scalars(
            sa.select(TicketStatusChange)
            .where(TicketStatusChange.ticket_id == ticket_id)
            .order_by(TicketStatusChange.at, TicketStatusChange.id)
        )
    )


# --- merge and links ------------------------------------------------------------------------------


def _link(a: int, b: int) -> None:
    for x, y in ((a, b), (b, a)):
        if db.session.get(TicketLink, (x, y)) is None:
            db.session.add(TicketLink(ticket_id=x, other_id=y))
    db.session.flush()


def link_tickets(*, ticket_id: int, other_id: int, actor: Any = None) -> None:
    if ticket_id == other_id:
        raise Invalid("un ticket non si collega a sé stesso", {"other_id": ["stesso ticket"]})
    with transaction(actor=actor):
        if db.session.get(Ticket, ticket_id) is None or db.session.get(Ticket, other_id) is None:
            raise NotFound("ticket non trovato")
        _link(ticket_id, other_id)


def unlink_tickets(*, ticket_id: int, other_id: int, actor: Any = None) -> None:
    with transaction(actor=actor):
        db.session.execute(
            sa.delete(TicketLink).where(
                sa.or_(
                    sa.and_(TicketLink.ticket_id == ticket_id, TicketLink.other_id == other_id),
                    sa.and_(TicketLink.ticket_id == other_id, TicketLink.other_id == ticket_id),
                )
            )
        )


def linked_tickets(ticket_id: int) -> list[Ticket]:
    return list(
        db.session.scalars(
            sa.select(Ticket)
            .join(TicketLink, TicketLink.other_id == Ticket.id)
            .where(TicketLink.ticket_id == ticket_id)
            .order_by(Ticket.id)
        )
    )


def merge_tickets(*, source_id: int, target_id: int, actor: Any = None, now: dt.datetime | None = None) -> Ticket:
    """Merge a duplicate into a survivor: its messages and attachments move, it closes and points there."""
    if source_id == target_id:
        raise Invalid("un ticket non si unisce a sé stesso", {"target_id": ["stesso ticket"]})
    now = now or utcnow()
    with transaction(actor=actor):
        first, second = sorted((source_id, target_id))
        _locked(first)
        _locked(second)
        source = db.session.get(Ticket, source_id)
        target = db.session.get(Ticket, target_id)
        assert source is not None and target is not None
        if source.merged_into_id:
            raise Conflict("il ticket è già stato unito", {"source_id": ["già unito"]})
        if target.merged_into_id or target.status == TicketStatus.CLOSED:
            raise Conflict("il ticket di destinazione è chiuso o unito", {"target_id": ["chiuso o unito"]})
        if source.organization_id and target.organization_id and source.organization_id != target.organization_id:
            raise Invalid("i ticket sono di enti diversi", {"target_id": ["ente diverso"]})
        db.session.execute(
            sa.update(TicketMessage).where(TicketMessage.ticket_id == source.id).values(ticket_id=target.id)
        )
        db.session.execute(
            sa.update(TicketAttachment).where(TicketAttachment.ticket_id == source.id).values(ticket_id=target.id)
        )
        for tag in ticket_tags(source.id):
            if db.session.get(TicketTag, (target.id, tag)) is None:
                db.session.add(TicketTag(ticket_id=target.id, tag=tag))
        db.session.add(
            TicketMessage(
                ticket_id=target.id,
                body=f"Unito il ticket {source.number} ({source.subject}).",
                internal=True,
                author_user_id=getattr(actor, "id", None),
                author_label=_actor_label(actor),
                channel=Channel.WEB,
                created_at=now,
            )
        )
        source.merged_into_id = target.id
        if source.status != TicketStatus.CLOSED:
            record_status(source, TicketStatus.CLOSED, actor=actor, at=now)
        source.updated_at = target.updated_at = now
        if target.organization_id is None and source.organization_id:
            target.organization_id = source.organization_id
        db.session.flush()
        db.session.expire_all()
        target = db.session.get(Ticket, target_id)
        assert target is not None
        sla.apply_sla(target, now=now)
    return target


# --- survey ---------------------------------------------------------------------------------------


def survey_token(ticket_id: int) -> str:
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ticket-survey").dumps(ticket_id)


def ticket_from_survey_token(token: str) -> Ticket:
    from itsdangerous import BadSignature, URLSafeSerializer

    try:
        ticket_id = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ticket-survey").loads(token)
    except BadSignature as exc:
        raise NotFound("link non valido") from exc
    ticket = db.session.get(Ticket, int(ticket_id))
    if ticket is None:
        raise NotFound("ticket non trovato")
    return ticket


def rate_ticket(*, ticket_id: int, rating: Any, comment: str = "", actor: Any = None) -> Ticket:
    """The requester's satisfaction (1–5 and a comment), once the ticket is resolved or closed."""
    try:
        value = int(rating)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise Invalid("valutazione non valida", {"rating": ["da 1 a 5"]})
    with transaction(actor=actor):
        ticket = _locked(ticket_id)
        if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            raise Conflict("si valuta un ticket risolto", {"rating": ["il ticket non è ancora risolto"]})
        ticket.rating = value
        ticket.rating_comment = (comment or "").strip()[:2000] or None
        ticket.rated_at = utcnow()
    return ticket


def satisfaction_summary(*, organization_id: int | None = None, since: dt.datetime | None = None) -> dict[str, Any]:
    stmt = sa.select(sa.func.count(Ticket.rating), sa.func.avg(Ticket.rating)).where(Ticket.rating.is_not(None))
    if organization_id is not None:
        stmt = stmt.where(Ticket.organization_id == organization_id)
    if since is not None:
        stmt = stmt.where(Ticket.rated_at >= since)
    count, avg = db.session.execute(stmt).one()
    return rating_summary(count, avg)


def rating_summary(count: Any, avg: Any) -> dict[str, Any]:
    """``count(rating)`` and ``avg(rating)`` as the satisfaction figures pages show."""
    return {"count": int(count or 0), "average": round(float(avg), 2) if avg is not None else None}


# --- canned responses -------------------------------------------------------------------------------


def list_canned(*, active_only: bool = True) -> list[CannedResponse]:
    stmt = sa.select(CannedResponse).order_by(CannedResponse.title)
    if active_only:
        stmt = stmt.where(CannedResponse.active.is_(True))
    return list(db.session.scalars(stmt))


def save_canned(
    *, title: str, body: str, active: bool = True, canned_id: int | None = None, actor: Any = None
) -> CannedResponse:
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = ["obbligatorio"]
    if not body:
        errors["body"] = ["obbligatorio"]
    if errors:
        raise Invalid("dati mancanti", errors)
    with transaction(actor=actor):
        clash = db.session.scalar(sa.select(CannedResponse).where(CannedResponse.title == title))
        if clash is not None and clash.id != canned_id:
            raise Invalid("titolo già usato", {"title": ["titolo già usato"]})
        if canned_id is None:
            canned = CannedResponse(title=title[:150], body=body, active=active)
            db.session.add(canned)
        else:
            found = db.session.get(CannedResponse, canned_id)
            if found is None:
                raise NotFound("risposta non trovata")
            canned = found
            canned.title, canned.body, canned.active = title[:150], body, active
        db.session.flush()
    return canned


def delete_canned(*, canned_id: int, actor: Any = None) -> None:
    with transaction(actor=actor):
        canned = db.session.get(CannedResponse, canned_id)
        if canned is None:
            raise NotFound("risposta non trovata")
        db.session.delete(canned)


def render_canned(canned: CannedResponse, ticket: Ticket, operator: Any = None) -> str:
    """Fill the placeholders: {numero} {oggetto} {richiedente} {ente} {operatore} {servizio}."""
    return fill_canned(canned, placeholders(ticket, operator))


def fill_canned(canned: CannedResponse, values: dict[str, str]) -> str:
    """The canned text with ``placeholders(...)`` filled in (computed once for many responses)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), canned.body)


def placeholders(ticket: Ticket, operator: Any = None) -> dict[str, str]:
    from crm.models import Contact, Organization, Service

    contact = db.session.get(Contact, ticket.requester_contact_id) if ticket.requester_contact_id else None
    org = db.session.get(Organization, ticket.organization_id) if ticket.organization_id else None
    service = db.session.get(Service, ticket.service_id) if ticket.service_id else None
    return {
        "numero": ticket.number,
        "oggetto": ticket.subject,
        "richiedente": contact.name if contact else "",
        "ente": org.name if org else "",
        "servizio": service.name if service else "",
        "operatore": _actor_label(operator),
    }


# --- reading and searching --------------------------------------------------------------------------


def get_ticket(ticket_id: int) -> Ticket | None:
    return db.session.get(Ticket, ticket_id)


def find_ticket_by_number(number: str) -> Ticket | None:
    return db.session.scalar(sa.select(Ticket).where(Ticket.number == number.strip().upper()))


def visible_stmt(user: Any, stmt: sa.Select | None = None) -> sa.Select:
    """Tickets ``user`` may see: staff everything; a referente its organization's (or only its own
    and those it is copied on, when its contact is flagged "only my own requests")."""
    stmt = stmt if stmt is not None else sa.select(Ticket)
    if user is None or getattr(user, "role", None) != Role.REFERENTE:
        return stmt
    stmt = stmt.where(Ticket.organization_id == (user.organization_id or -1))
    if _only_own(user):
        cc = sa.select(TicketCc.ticket_id).where(TicketCc.contact_id == (user.contact_id or -1))
        stmt = stmt.where(
            sa.or_(
                Ticket.created_by_id == user.id,
                Ticket.requester_contact_id == (user.contact_id or -1),
                Ticket.id.in_(cc),
            )
        )
    return stmt


def _only_own(user: Any) -> bool:
    if not getattr(user, "contact_id", None):
        return False
    from crm.models import Contact

    contact = db.session.get(Contact, user.contact_id)
    return bool(contact and contact.only_own_requests)


def ticket_for(user: Any, ticket_id: int) -> Ticket:
    """The ticket if ``user`` may see it, else NotFound (never a hint that it exists)."""
    try:
        ticket_id = int(ticket_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("ticket non trovato") from exc
    ticket = db.session.scalar(visible_stmt(user).where(Ticket.id == ticket_id))
    if ticket is None:
        raise NotFound("ticket non trovato")
    return ticket


def attachment_for(user: Any, attachment_id: int) -> TicketAttachment:
    att = db.session.get(TicketAttachment, attachment_id)
    if att is None:
        raise NotFound("allegato non trovato")
    ticket_for(user, att.ticket_id)
    if att.message_id and not _is_staff(user):
        msg = db.session.get(TicketMessage, att.message_id)
        if msg is not None and msg.internal:
            raise NotFound("allegato non trovato")
    return att


FILTERS = (
    "status",
    "priority",
    "organization_id",
    "service_id",
    "assignee_id",
    "team_id",
    "channel",
    "sla_state",
    "tag",
)


def search_stmt(user: Any, *, q: str | None = None, view: str | None = None, **filters: Any) -> sa.Select:
    """The queue: visible tickets filtered. ``status`` may be a list or "aperti" (new, open, pending);
    ``assignee_id`` may be "none" (unassigned); ``q`` is full text (Italian stemming on PostgreSQL)
    or a ticket number. Saved views: ``mine``, ``unassigned``, ``at_risk``."""
    stmt = visible_stmt(user)
    if view == "mine":
        stmt = stmt.where(Ticket.assignee_id == getattr(user, "id", -1), Ticket.status.in_(OPEN_STATES))
    elif view == "unassigned":
        stmt = stmt.where(Ticket.assignee_id.is_(None), Ticket.status.in_(OPEN_STATES))
    elif view == "at_risk":
        stmt = stmt.where(Ticket.sla_state.in_(("at_risk", "breached")), Ticket.status.in_(OPEN_STATES))
    elif view == "open":
        stmt = stmt.where(Ticket.status.in_(OPEN_STATES))
    status = filters.get("status")
    if status:
        values = status if isinstance(status, list | tuple) else str(status).split(",")
        wanted: list[str] = []
        for v in values:
            if v in ("aperti", "active"):
                wanted.extend(s.value for s in OPEN_STATES)
            else:
                wanted.append(_enum(TicketStatus, v, "status").value)
        stmt = stmt.where(Ticket.status.in_(wanted))
    if filters.get("priority"):
        stmt = stmt.where(Ticket.priority == _enum(Priority, filters["priority"], "priority"))
    if filters.get("channel"):
        stmt = stmt.where(Ticket.channel == _enum(Channel, filters["channel"], "channel"))
    if filters.get("sla_state"):
        from tickets.models import SlaState

        stmt = stmt.where(Ticket.sla_state == _enum(SlaState, filters["sla_state"], "sla_state"))
    for key in ("organization_id", "service_id", "team_id"):
        value = filters.get(key)
        if value not in (None, ""):
            stmt = stmt.where(getattr(Ticket, key) == _int(value, key))
    assignee = filters.get("assignee_id")
    if assignee not in (None, ""):
        if str(assignee) in ("none", "0"):
            stmt = stmt.where(Ticket.assignee_id.is_(None))
        else:
            stmt = stmt.where(Ticket.assignee_id == _int(assignee, "assignee_id"))
    if filters.get("tag"):
        tag = str(filters["tag"]).strip().lower()
        stmt = stmt.where(Ticket.id.in_(sa.select(TicketTag.ticket_id).where(TicketTag.tag == tag)))
    if q and q.strip():
        stmt = stmt.where(text_condition(q.strip()))
    return stmt


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Invalid("numero non valido", {field: ["deve essere un numero"]}) from exc


_ITALIAN_ENDINGS = ("zioni", "zione", "mente", "ture", "tura", "ità", "he", "hi", "a", "e", "i", "o")


def sqlite_match_query(q: str) -> str | None:
    """An FTS5 MATCH expression for the words of ``q``: each word's rough Italian stem as a prefix."""
    terms = []
    for word in re.findall(r"\w+", q.lower()):
        stem = word
        if len(word) > 4:
            for ending in _ITALIAN_ENDINGS:
                if word.endswith(ending) and len(word) - len(ending) >= 4:
                    stem = word[: -len(ending)]
                    break
        terms.append(f'"{stem}"*')
    return " ".join(terms) or None


_NUMBER_QUERY = re.compile(r"(?i)\s*(AST-\d{4}-\d{1,6})\s*")


def text_condition(q: str) -> Any:
    q = q[:200]
    number = _NUMBER_QUERY.fullmatch(q)
    if number:
        return Ticket.number == number.group(1).upper()
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        query = sa.func.websearch_to_tsquery("italian", q)
        return sa.or_(Ticket.search_vector.op("@@")(query), Ticket.number == q.upper())
    if dialect == "sqlite":
        match = sqlite_match_query(q)
        if match is None:
            return sa.true()
        hits: Any = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.table("tickets_fts"))
            .where(sa.text("tickets_fts MATCH :fts_query").bindparams(fts_query=match))
        )
        return sa.or_(Ticket.id.in_(hits), Ticket.number == q.upper())
    like = f"%{q.lower().replace('%', '').replace('_', '')}%"
    msg = sa.select(TicketMessage.ticket_id).where(
        TicketMessage.internal.is_(False), sa.func.lower(TicketMessage.body).like(like)
    )
    return sa.or_(
        sa.func.lower(Ticket.subject).like(like), sa.func.lower(Ticket.description).like(like), Ticket.id.in_(msg)
    )


# --- dashboard ------------------------------------------------------------------------------------


def dashboard_figures(user: Any, *, today_start: dt.datetime) -> dict[str, Any]:
    def count(stmt: sa.Select) -> int:
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0)

    base = visible_stmt(user, sa.select(Ticket.id))
    open_base = base.where(Ticket.status.in_(OPEN_STATES))
    by_channel = dict(
        db.session.execute(
            sa.select(Ticket.channel, sa.func.count()).where(Ticket.created_at >= today_start).group_by(Ticket.channel)
        ).all()
    )
    return {
        "mine": count(open_base.where(Ticket.assignee_id == user.id)),
        "unassigned": count(open_base.where(Ticket.assignee_id.is_(None))),
        "at_risk": count(open_base.where(Ticket.sla_state == "at_risk")),
        "breached": count(open_base.where(Ticket.sla_state == "breached")),
        "open": count(open_base),
        "today_by_channel": {(k.value if hasattr(k, "value") else k): v for k, v in by_channel.items()},
        "today_total": sum(by_channel.values()),
        "satisfaction": satisfaction_summary(since=today_start - dt.timedelta(days=30)),
    }


# --- time, teams ----------------------------------------------------------------------------------


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


def _billable_in(organization_ids: Iterable[int], start: dt.date, end: dt.date) -> list[Any]:
    ids = sorted({i for i in organization_ids if i})
    conditions = [TimeEntry.billable.is_(True), TimeEntry.work_date >= start, TimeEntry.work_date <= end]
    # Many enti (a billing run): filter after grouping rather than with a huge IN list.
    if len(ids) <= 1000:
        conditions.append(TimeEntry.organization_id.in_(ids))
    return conditions


def billable_minutes_by_organization(
    *, organization_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, int]:
    """``billable_minutes`` of many organizations in one query: {organization id: minutes}."""
    wanted = {i for i in organization_ids if i}
    rows = db.session.execute(
        sa.select(TimeEntry.organization_id, sa.func.sum(TimeEntry.minutes))
        .where(*_billable_in(wanted, start, end))
        .group_by(TimeEntry.organization_id)
    )
    return {org: int(total or 0) for org, total in rows if org in wanted}


def billable_minutes_by_day(
    *, organization_ids: Iterable[int], start: dt.date, end: dt.date
) -> dict[int, list[tuple[dt.date, int]]]:
    """Billable minutes per organization and work day in one query: {organization id: [(day, minutes)]}."""
    wanted = {i for i in organization_ids if i}
    rows = db.session.execute(
        sa.select(TimeEntry.organization_id, TimeEntry.work_date, sa.func.sum(TimeEntry.minutes))
        .where(*_billable_in(wanted, start, end))
        .group_by(TimeEntry.organization_id, TimeEntry.work_date)
    )
    out: dict[int, list[tuple[dt.date, int]]] = {}
    for org, day, total in rows:
        if org in wanted:
            out.setdefault(org, []).append((day, int(total or 0)))
    return out


def list_teams(*, active_only: bool = True) -> list[Team]:
    stmt = sa.select(Team).order_by(Team.name)
    if active_only:
        stmt = stmt.where(Team.active.is_(True))
    return list(db.session.scalars(stmt))


def create_team(*, name: str, email: str | None = None, actor: Any = None) -> Team:
    name = (name or "").strip()
    if not name:
        raise Invalid("nome obbligatorio", {"name": ["obbligatorio"]})
    with transaction(actor=actor):
        if db.session.scalar(sa.select(Team).where(Team.name == name)):
            raise Invalid("gruppo già esistente", {"name": ["già esistente"]})
        team = Team(name=name[:100], email=email or None, active=True)
        db.session.add(team)
        db.session.flush()
    return team


def list_operators() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role.in_((Role.ADMIN, Role.OPERATOR)), User.active.is_(True))
            .order_by(User.name, User.email)
        )
    )


# --- attachments ----------------------------------------------------------------------------------


def attachment_key(sha256: str) -> str:
    """The storage key of an attachment's bytes (app.storage): content-addressed, outside the web root."""
    return content_key(sha256)


def attachment_path(sha256: str) -> Path:
    """Where the bytes of an attachment live with the local storage backend (the default)."""
    return Path(current_app.config["ATTACHMENTS_DIR"]) / sha256[:2] / sha256


def store_blob(data: bytes, content_type: str | None = None) -> str:
    """Store bytes where ticket attachments live, once per content; returns their SHA-256. Channels
    (e-mail, voicemail) store files before a ticket exists and attach them later by hash."""
    digest = hashlib.sha256(data).hexdigest()
    storage = get_storage()
    key = attachment_key(digest)
    if not storage.exists(key):
        storage.put(key, data, content_type)
    return digest


def read_blob(sha256: str) -> bytes | None:
    """The stored bytes of that hash, or None when they are not (or no longer) there."""
    try:
        return get_storage().read(attachment_key(sha256))
    except (FileMissing, ValueError):
        return None


def check_upload(filename: str, data: bytes, content_type: str | None = None) -> None:
    """Limits for files users upload (web, portal, API): size and type."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    if not name:
        raise Invalid("file senza nome", {"file": ["file senza nome"]})
    limit = int(current_app.config.get("TICKETS_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES))
    if len(data) > limit:
        raise Invalid("file troppo grande", {"file": [f"massimo {limit // (1024 * 1024)} MB"]})
    if not data:
        raise Invalid("file vuoto", {"file": ["file vuoto"]})
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_EXTENSIONS:
        raise Invalid("tipo di file non ammesso", {"file": [f"tipo non ammesso: .{ext or '?'}"]})


def upload_attachment(
    *, ticket_id: int, filename: str, data: bytes, content_type: str = "", actor: Any = None
) -> TicketAttachment:
    check_upload(filename, data, content_type)
    return add_attachment(ticket_id=ticket_id, filename=filename, data=data, content_type=content_type, actor=actor)


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
    name = re.sub(r"[\x00-\x1f\x7f\"]", "", name) or "allegato"
    digest = store_blob(data, content_type)
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


# --- queue paging ---------------------------------------------------------------------------------

# Full text, newest first: the GIN index finds the matches but cannot give them in id order, so
# PostgreSQL either walks the primary key backwards testing each ticket (slow for a rare word) or
# fetches every match to sort them (21,000 heap pages for "albo pretorio" at 1M tickets: seconds).
# Asking for the newest SEARCH_WINDOW ids first (a BitmapAnd of the GIN and the primary key), then a
# window eight times wider, and so on, reads only the matches near the top; a rare word costs a few
# cheap index probes more.
SEARCH_WINDOW = 20_000


def is_text_search(q: str | None) -> bool:
    """True when ``q`` searches the text (not a ticket number): the case for ``windowed`` paging."""
    q = (q or "").strip()
    return bool(q) and not _NUMBER_QUERY.fullmatch(q[:200])


def _newest_in_windows(stmt: sa.Select, *, below: int | None, wanted: int) -> list[Ticket]:
    """The first ``wanted`` rows of ``stmt`` (ordered by id descending, ids < ``below``), window by window."""
    top = below if below is not None else (db.session.scalar(sa.select(sa.func.max(Ticket.id))) or 0) + 1
    width = SEARCH_WINDOW
    rows: list[Ticket] = []
    while len(rows) < wanted and top > 0:
        bottom = top - width
        part = stmt.where(Ticket.id < top)
        if bottom > 0:
            part = part.where(Ticket.id >= bottom)
        rows.extend(db.session.scalars(part.limit(wanted - len(rows))))
        top, width = bottom, width * 8
    return rows


FAR_FUTURE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
SORTS = ("recenti", "aggiornati", "scadenza")


def page_tickets(
    stmt: sa.Select, *, sort: str = "recenti", limit: int = 50, cursor: str | None = None, windowed: bool = False
) -> tuple[list[Ticket], str | None]:
    """Keyset pagination of a ticket query: newest first, last updated first, or by SLA due time.

    ``windowed`` (full-text search, see ``is_text_search``): newest first is read window by window of
    ids; the same rows, without reading every match of a common word."""
    from app.api import decode_cursor, encode_cursor

    key: Any
    if sort == "aggiornati":
        key, descending = Ticket.updated_at, True
    elif sort == "scadenza":
        key, descending = sa.func.coalesce(Ticket.resolution_due, FAR_FUTURE), False
    else:
        key, descending = None, True
    if cursor:
        values = decode_cursor(cursor)
        if key is None:
            if len(values) != 1:
                raise Invalid("cursore non valido", {"cursor": ["cursore non valido"]})
            stmt = stmt.where(Ticket.id < _int(values[0], "cursor"))
        else:
            if len(values) != 2 or not isinstance(values[0], dt.datetime):
                raise Invalid("cursore non valido", {"cursor": ["cursore non valido"]})
            bound, last_id = values[0], _int(values[1], "cursor")
            if descending:
                stmt = stmt.where(sa.or_(key < bound, sa.and_(key == bound, Ticket.id < last_id)))
            else:
                stmt = stmt.where(sa.or_(key > bound, sa.and_(key == bound, Ticket.id > last_id)))
    if key is None:
        stmt = stmt.order_by(Ticket.id.desc())
    elif descending:
        stmt = stmt.order_by(key.desc(), Ticket.id.desc())
    else:
        stmt = stmt.order_by(key.asc(), Ticket.id.asc())
    if key is None and windowed:
        top = _int(values[0], "cursor") if cursor else None
        rows = _newest_in_windows(stmt, below=top, wanted=limit + 1)
    else:
        rows = list(db.session.scalars(stmt.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        if sort == "aggiornati":
            next_cursor = encode_cursor([last.updated_at, last.id])
        elif sort == "scadenza":
            next_cursor = encode_cursor([last.resolution_due or FAR_FUTURE, last.id])
        else:
            next_cursor = encode_cursor([last.id])
    return rows, next_cursor


from tickets.seams import is_business_time, open_tickets_of, portal_url, staff_replies_since  # noqa: E402, F401

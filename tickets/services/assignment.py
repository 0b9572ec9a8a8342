"""Changing a ticket's fields and assignment, one at a time or in bulk; teams and operators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.auth.models import Role, User
from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from tickets import sla
from tickets.models import (
    Channel,
    Priority,
    Team,
    Ticket,
    TicketStatus,
    TicketTag,
)
from tickets.services import rules
from tickets.services.common import _check_refs, _enum, _locked
from tickets.services.properties import normalize_tags, set_ccs
from tickets.services.status import change_status

UPDATABLE = ("subject", "priority", "service_id", "team_id", "organization_id", "requester_contact_id", "channel")


def update_ticket(*, ticket_id: int, actor: Any = None, now: dt.datetime | None = None, **changes: Any) -> Ticket:
    """Change fields (priority, service, team, …), assignment, status and tags in one transaction."""
    now = now or utcnow()
    rules.check_update(actor, changes)
    if rules.is_referente(actor):
        return change_status(ticket_id=ticket_id, status=changes["status"], actor=actor, now=now)
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
    """Apply one change to many tickets. Each ticket is its own transaction; refused ones are reported.
    Tickets the actor does not see (another ente's, or none) are left out silently."""
    from tickets.services.access import visible_ticket_ids

    done: list[int] = []
    errors: dict[int, str] = {}
    wanted = list(dict.fromkeys(int(i) for i in ticket_ids))[:500]
    visible = visible_ticket_ids(actor, wanted) if actor is not None else set(wanted)
    for ticket_id in [i for i in wanted if i in visible]:
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

"""What the ticket pages read, in a fixed number of statements: names for a page of tickets, the
records around one ticket. Views render these; they never query the tables themselves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from tickets.models import Team, Ticket
from tickets.services.assignment import list_operators, list_teams
from tickets.services.links import linked_tickets
from tickets.services.properties import ticket_ccs, ticket_tags
from tickets.services.status import status_history


def names_for(tickets: list[Ticket], known: dict[str, dict[int, str]] | None = None) -> dict[str, dict[int, str]]:
    """Organization, assignee, team and service names for a page of tickets: from ``known`` (the cached
    pick lists) and, for ids not there (an inactive ente, a former operator), one query per kind."""
    from crm.models import Organization, Service

    known = known or {}

    def lookup(kind: str, id_col: Any, name_col: Any, ids: set[Any]) -> dict[int, str]:
        ids.discard(None)
        have = known.get(kind, {})
        found = {pk: have[pk] for pk in ids if pk in have}
        missing = ids - found.keys()
        if missing:
            found.update(
                (row[0], row[1]) for row in db.session.execute(sa.select(id_col, name_col).where(id_col.in_(missing)))
            )
        return found

    display = sa.func.coalesce(sa.func.nullif(User.name, ""), User.email)  # User.display_name
    return {
        "org": lookup("org", Organization.id, Organization.name, {t.organization_id for t in tickets}),
        "user": lookup("user", User.id, display, {t.assignee_id for t in tickets}),
        "team": lookup("team", Team.id, Team.name, {t.team_id for t in tickets}),
        "service": lookup("service", Service.id, Service.name, {t.service_id for t in tickets}),
    }


def user_names(ids: Iterable[int]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(sa.select(User).where(User.id.in_(wanted)))}


def active_organizations() -> list[tuple[int, str]]:
    """(id, name) of the active enti, by name: the ente pick list of a new ticket."""
    from crm.models import Organization

    rows = db.session.execute(
        sa.select(Organization.id, Organization.name).where(Organization.active.is_(True)).order_by(Organization.name)
    )
    return [(row[0], row[1]) for row in rows]


def related(ticket: Ticket) -> dict[str, Any]:
    """The tickets around ``ticket`` and its service: what both the operator's and the portal's page show."""
    from crm.models import Service

    return {
        "service": db.session.get(Service, ticket.service_id) if ticket.service_id else None,
        "merged_into": db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None,
        "follow_up_of": db.session.get(Ticket, ticket.follow_up_of_id) if ticket.follow_up_of_id else None,
    }


def ticket_page(ticket: Ticket) -> dict[str, Any]:
    """Everything the operator's ticket page reads, each list once (the operator list names the
    assignee and the status changes' actors; the status history feeds the timeline and the SLA clock)."""
    from crm.models import Contact, Organization
    from crm.services import list_services

    operators = list_operators()
    teams = list_teams()
    users = {u.id: u.display_name for u in operators}
    team_names = {t.id: t.name for t in teams}
    # An inactive assignee or team is not among the choices but is still named.
    if ticket.assignee_id and ticket.assignee_id not in users:
        users.update(user_names([ticket.assignee_id]))
    if ticket.team_id and ticket.team_id not in team_names:
        team = db.session.get(Team, ticket.team_id)
        if team is not None:
            team_names[team.id] = team.name
    cc_ids = ticket_ccs(ticket.id)
    ccs = (
        list(db.session.scalars(sa.select(Contact).where(Contact.id.in_(cc_ids)).order_by(Contact.id)))
        if cc_ids
        else []
    )
    return {
        **related(ticket),
        "operators": operators,
        "teams": teams,
        "services": list_services(),
        "users": users,
        "team_names": team_names,
        "org": db.session.get(Organization, ticket.organization_id) if ticket.organization_id else None,
        "contact": db.session.get(Contact, ticket.requester_contact_id) if ticket.requester_contact_id else None,
        "tags": ticket_tags(ticket.id),
        "history": status_history(ticket.id),
        "ccs": ccs,
        "linked": linked_tickets(ticket.id),
        "merged_here": list(db.session.scalars(sa.select(Ticket).where(Ticket.merged_into_id == ticket.id))),
    }

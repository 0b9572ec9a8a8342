"""Opening a ticket: references checked, number, SLA clock and first message in one flush."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from app.auth.models import Role, User
from app.db import transaction, utcnow
from app.errors import Invalid
from app.extensions import db
from tickets import sla
from tickets.models import (
    Channel,
    Priority,
    Team,
    Ticket,
    TicketMessage,
    TicketStatus,
    TicketTag,
)
from tickets.services import rules
from tickets.services.common import _actor_label, _enum
from tickets.services.numbering import next_number, number_expr
from tickets.services.properties import normalize_tags
from tickets.services.status import record_status
from tickets.sla import engine as sla_engine


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
    if rules.is_referente(actor):
        scoped = rules.opening_for(
            actor,
            {
                "organization_id": organization_id,
                "requester_contact_id": requester_contact_id,
                "assignee_id": assignee_id,
                "team_id": team_id,
            },
        )
        organization_id, requester_contact_id = scoped["organization_id"], scoped["requester_contact_id"]
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


def open_with_files(
    *,
    files: Iterable[tuple[str, bytes, str]] = (),
    requester_email: str | None = None,
    actor: Any = None,
    **values: Any,
) -> Ticket:
    """Open a ticket with the files attached to the request (web form, portal), all or nothing.

    ``requester_email`` (an operator typing who asked): its CRM contact becomes the requester, and its
    ente the ticket's when none is given; a contact of another ente than the one given is left out."""
    from tickets.services.attachments import attach_files, check_upload

    if requester_email:
        from crm.services import match_email

        match = match_email(requester_email)
        org_id = values.get("organization_id") or match.organization_id
        values["organization_id"] = org_id
        same_ente = match.contact_id is not None and (org_id is None or match.organization_id == org_id)
        values["requester_contact_id"] = match.contact_id if same_ente else None
    files = list(files)
    for name, data, ctype in files:
        check_upload(name, data, ctype)
    with transaction(actor=actor):
        ticket = open_ticket(actor=actor, **values)
        attach_files(ticket_id=ticket.id, files=files, actor=actor)
    return ticket

"""Linked tickets and merging a duplicate into a survivor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from tickets import sla
from tickets.models import (
    Channel,
    Ticket,
    TicketAttachment,
    TicketLink,
    TicketMessage,
    TicketStatus,
    TicketTag,
)
from tickets.services.common import _actor_label, _locked
from tickets.services.properties import ticket_tags
from tickets.services.status import record_status


def _survivor(ticket: Ticket) -> Ticket:
    seen = set()
    while ticket.merged_into_id and ticket.id not in seen:
        seen.add(ticket.id)
        nxt = db.session.get(Ticket, ticket.merged_into_id)
        if nxt is None:
            break
        ticket = nxt
    return ticket


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

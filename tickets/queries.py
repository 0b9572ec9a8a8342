"""Read helpers for the ticket API's answers (one query per page, not one per row)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from app.extensions import db
from tickets.models import TicketAttachment, TicketCc, TicketTag


def tags_and_ccs(ticket_ids: Iterable[int]) -> tuple[dict[int, list[str]], dict[int, list[int]]]:
    """The tags and the copied contacts of many tickets, each in one query."""
    ids = list(ticket_ids)
    tags: dict[int, list[str]] = {i: [] for i in ids}
    ccs: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for ticket_id, contact_id in db.session.execute(
            sa.select(TicketCc.ticket_id, TicketCc.contact_id)
            .where(TicketCc.ticket_id.in_(ids))
            .order_by(TicketCc.contact_id)
        ):
            ccs[ticket_id].append(contact_id)
        for ticket_id, tag in db.session.execute(
            sa.select(TicketTag.ticket_id, TicketTag.tag).where(TicketTag.ticket_id.in_(ids)).order_by(TicketTag.tag)
        ):
            tags[ticket_id].append(tag)
    return tags, ccs


def message_attachments(message_id: int) -> list[TicketAttachment]:
    return list(
        db.session.scalars(
            sa.select(TicketAttachment).where(TicketAttachment.message_id == message_id).order_by(TicketAttachment.id)
        )
    )

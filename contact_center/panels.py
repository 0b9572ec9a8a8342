"""The ente's 360° timeline: the email, PEC and web requests it sent (phone adds its calls itself)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from app import panels
from app.auth.permissions import can
from app.extensions import db
from contact_center.models import InboundChannel, InboundItem

ICONS = {InboundChannel.EMAIL: "it-mail", InboundChannel.PEC: "it-locked", InboundChannel.WEB: "it-pencil"}


def org_timeline(organization_id: int, user: Any, limit: int) -> list[panels.TimelineEvent]:
    if not can(user, "contact_center.triage"):
        return []
    rows = db.session.scalars(
        sa.select(InboundItem)
        .where(
            InboundItem.organization_id == organization_id,
            InboundItem.channel.in_(list(ICONS)),
        )
        .order_by(InboundItem.id.desc())
        .limit(limit)
    )
    labels = {InboundChannel.EMAIL: _("Email"), InboundChannel.PEC: _("PEC"), InboundChannel.WEB: _("Modulo web")}
    return [
        panels.TimelineEvent(
            at=item.received_at,
            kind=item.channel.value,
            title=f"{labels[item.channel]}: {item.subject or _('(senza oggetto)')}",
            url=url_for("contact_center.item_detail", item_id=item.id),
            detail=item.sender_email or "",
            icon=ICONS[item.channel],
        )
        for item in rows
    ]


def register() -> None:
    panels.register_org_timeline("contact_center", org_timeline)

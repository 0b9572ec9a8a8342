"""The CRM's own contribution to the 360° page of an ente: its timeline of interactions, contacts and
convenzioni (other modules register their panels and timelines in ``app.panels`` the same way)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, url_for
from flask_babel import gettext as _

from app import panels
from app.auth.permissions import is_staff
from app.extensions import db
from crm.models import Agreement, Contact, Interaction

KIND_ICONS = {"meeting": "it-user", "call": "it-telephone", "email": "it-mail", "note": "it-pencil"}


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8, 0), tzinfo=dt.UTC)


def remember_page_rows(organization_id: int, *, agreements: list[Agreement], contacts: list[Contact]) -> None:
    """The 360° page hands the ente's convenzioni and contacts (all of them) to its timeline."""
    g.setdefault("_crm_page_rows", {})[organization_id] = {"agreements": agreements, "contacts": contacts}


def _page_rows(organization_id: int) -> dict[str, list[Any]] | None:
    return g.get("_crm_page_rows", {}).get(organization_id) if has_request_context() else None


def crm_timeline(organization_id: int, user: Any, limit: int) -> list[panels.TimelineEvent]:
    events: list[panels.TimelineEvent] = []
    if is_staff(user):
        for item in db.session.scalars(
            sa.select(Interaction)
            .where(Interaction.organization_id == organization_id)
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
        ):
            events.append(
                panels.TimelineEvent(
                    at=item.occurred_at,
                    kind="interaction",
                    title=item.subject,
                    detail=item.body[:300],
                    icon=KIND_ICONS.get(item.kind.value, "it-info-circle"),
                )
            )
    known = _page_rows(organization_id)
    if known is not None:  # the 360° page read every convenzione and contact of the ente already
        agreements = sorted(known["agreements"], key=lambda a: a.created_at, reverse=True)[:limit]
        contacts = sorted(known["contacts"], key=lambda c: c.created_at, reverse=True)[:limit]
    else:
        agreements = list(
            db.session.scalars(
                sa.select(Agreement)
                .where(Agreement.organization_id == organization_id)
                .order_by(Agreement.created_at.desc())
                .limit(limit)
            )
        )
        contacts = list(
            db.session.scalars(
                sa.select(Contact)
                .where(Contact.organization_id == organization_id)
                .order_by(Contact.created_at.desc())
                .limit(limit)
            )
        )
    for agreement in agreements:
        url = url_for("crm.agreement_detail", agreement_id=agreement.id)
        events.append(
            panels.TimelineEvent(
                at=agreement.created_at,
                kind="agreement",
                title=_("Convenzione %(code)s registrata", code=agreement.code),
                url=url,
                icon="it-file",
            )
        )
        events.append(
            panels.TimelineEvent(
                at=_at(agreement.start_date),
                kind="agreement",
                title=_("Inizio della convenzione %(code)s", code=agreement.code),
                url=url,
                icon="it-calendar",
            )
        )
    for contact in contacts:
        events.append(
            panels.TimelineEvent(
                at=contact.created_at,
                kind="contact",
                title=_("Nuovo contatto: %(name)s", name=contact.name),
                icon="it-user",
            )
        )
    now = dt.datetime.now(dt.UTC)
    events = [e for e in events if e.at <= now]
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


def register() -> None:
    panels.register_org_timeline("crm", crm_timeline)

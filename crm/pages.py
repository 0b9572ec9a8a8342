"""What the CRM's pages read: the records around one ente, the service catalog, enti by filter.
Views render these; they never query the tables themselves."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from crm.models import Agreement, Contact, Interaction, Service
from crm.queries import organizations_query


def contacts_of(organization_id: int) -> list[Contact]:
    return list(
        db.session.scalars(sa.select(Contact).where(Contact.organization_id == organization_id).order_by(Contact.name))
    )


def agreements_of(organization_id: int) -> list[Agreement]:
    return list(
        db.session.scalars(
            sa.select(Agreement)
            .where(Agreement.organization_id == organization_id)
            .options(sa.orm.selectinload(Agreement.services))  # the table lists each one's services
            .order_by(Agreement.end_date.desc())
        )
    )


def recent_interactions(organization_id: int, limit: int = 20) -> list[Interaction]:
    return list(
        db.session.scalars(
            sa.select(Interaction)
            .where(Interaction.organization_id == organization_id)
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit)
        )
    )


def service_catalog() -> list[Service]:
    """Every service, active ones first, by name."""
    return list(db.session.scalars(sa.select(Service).order_by(Service.active.desc(), Service.name)))


def organization_ids(**filters: Any) -> list[int]:
    """The ids of the enti ``organizations_query`` finds with these filters."""
    stmt = organizations_query(**filters)
    return [o.id for o in db.session.scalars(stmt)]

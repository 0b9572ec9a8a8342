"""The CRM's list queries, one builder an object: the web pages, their CSV exports, the API and
other modules filter enti, contacts, convenzioni and interactions the same way, and a referente only
ever sees its own ente. Each returns a ``Select`` to page, count or export; a bad filter value is
``Invalid`` naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.auth.permissions import org_scope
from app.db import local_today
from crm.cleaning import Errors, enum_value
from crm.models import (
    Agreement,
    AgreementService,
    AgreementStatus,
    Contact,
    ContactRole,
    Interaction,
    Organization,
    OrgKind,
    UnionMember,
)


def scoped(stmt: sa.Select, column: Any, user: Any, organization_id: int | None = None) -> sa.Select:
    """Confine ``stmt`` to a referente's own ente; ``organization_id`` narrows it to one ente."""
    scope = org_scope(user)
    if scope is not None:
        stmt = stmt.where(column == scope)
    if organization_id:
        stmt = stmt.where(column == organization_id)
    return stmt


def member(enum_cls: Any, value: Any, field: str) -> Any:
    """The member a filter names, or ``Invalid`` naming ``field``."""
    e = Errors()
    found = enum_value(enum_cls, value, field, e)
    e.raise_if_any()
    return found


def contains(q: str | None, *columns: Any) -> Any:
    """Any of ``columns`` contains the search text (case-insensitive); None when there is none."""
    term = (q or "").strip().lower()
    if not term:
        return None
    like = f"%{term}%"
    return sa.or_(*(sa.func.lower(c).like(like) for c in columns))


def organizations_query(
    *,
    user: Any = None,
    q: str | None = None,
    kind: str | None = None,
    province: str | None = None,
    agreement_status: str | None = None,
    active: bool | None = None,
    union_id: int | None = None,
) -> sa.Select:
    """Enti by name or official code (Belfiore, ISTAT, fiscal, IPA). ``agreement_status``: a
    convenzione status, or "none" for enti with no convenzione in force."""
    stmt = scoped(sa.select(Organization), Organization.id, user)
    if q and q.strip():
        term = q.strip()
        conds = [contains(term, Organization.name), Organization.belfiore_code == term.upper()]
        if term.isdigit():
            conds += [Organization.istat_code == term.zfill(6), Organization.fiscal_code == term]
        conds.append(sa.func.lower(Organization.ipa_code) == term.lower())
        stmt = stmt.where(sa.or_(*conds))
    if kind:
        stmt = stmt.where(Organization.kind == member(OrgKind, kind, "kind"))
    if province:
        stmt = stmt.where(Organization.province == province.strip().upper())
    if active is not None:
        stmt = stmt.where(Organization.active.is_(active))
    if union_id:
        stmt = stmt.where(Organization.id.in_(sa.select(UnionMember.member_id).where(UnionMember.union_id == union_id)))
    if agreement_status:
        today = local_today()
        if agreement_status == "none":
            in_force = sa.select(Agreement.organization_id).where(
                Agreement.status == AgreementStatus.ACTIVE, Agreement.end_date >= today
            )
            stmt = stmt.where(Organization.id.not_in(in_force))
        else:
            status = member(AgreementStatus, agreement_status, "agreement_status")
            stmt = stmt.where(
                Organization.id.in_(sa.select(Agreement.organization_id).where(Agreement.status == status))
            )
    return stmt


def contacts_query(
    *, user: Any = None, organization_id: int | None = None, q: str | None = None, role: str | None = None
) -> sa.Select:
    """Contacts by name or email."""
    stmt = scoped(sa.select(Contact), Contact.organization_id, user, organization_id)
    if role:
        stmt = stmt.where(Contact.role == member(ContactRole, role, "role"))
    search = contains(q, Contact.name, Contact.email)
    return stmt if search is None else stmt.where(search)


def agreements_query(
    *,
    user: Any = None,
    organization_id: int | None = None,
    status: str | None = None,
    service_id: int | None = None,
    expiring_within: int | None = None,
    q: str | None = None,
) -> sa.Select:
    """Convenzioni by code, title or the ente's name; ``expiring_within`` days: in force and ending."""
    stmt = scoped(sa.select(Agreement), Agreement.organization_id, user, organization_id)
    if status:
        stmt = stmt.where(Agreement.status == member(AgreementStatus, status, "status"))
    if service_id:
        stmt = stmt.where(
            Agreement.id.in_(sa.select(AgreementService.agreement_id).where(AgreementService.service_id == service_id))
        )
    if expiring_within is not None:
        today = local_today()
        stmt = stmt.where(
            Agreement.status.in_([AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED]),
            Agreement.end_date >= today,
            Agreement.end_date <= today + dt.timedelta(days=expiring_within),
        )
    search = contains(q, Agreement.code, Agreement.title)
    if search is not None:
        by_name = sa.select(Organization.id).where(contains(q, Organization.name))
        stmt = stmt.where(sa.or_(search, Agreement.organization_id.in_(by_name)))
    return stmt


def interactions_query(*, user: Any = None, organization_id: int | None = None) -> sa.Select:
    return scoped(sa.select(Interaction), Interaction.organization_id, user, organization_id)

"""CRM business rules. Plain functions, keyword arguments, the acting user passed in."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from crm.models import Organization


def normalize_istat(code: str) -> str | None:
    code = (code or "").strip()
    if code.isdigit() and 1 <= len(code) <= 6:
        return code.zfill(6)
    return None


def find_organization_by_code(code: str) -> Organization | None:
    """An organization by id, ISTAT code (leading zeros optional) or Belfiore code."""
    code = (code or "").strip()
    if not code:
        return None
    istat = normalize_istat(code)
    if istat:
        org = db.session.scalar(sa.select(Organization).where(Organization.istat_code == istat))
        if org is not None:
            return org
        if len(code) < 6:
            return db.session.get(Organization, int(code))
        return None
    return db.session.scalar(sa.select(Organization).where(Organization.belfiore_code == code.upper()))


def get_organization(organization_id: int) -> Organization | None:
    return db.session.get(Organization, organization_id)

"""CRM business rules. Plain functions, keyword arguments, the acting user passed in."""

from __future__ import annotations

import dataclasses
import datetime as dt

import phonenumbers
import sqlalchemy as sa

from app.db import local_today
from app.extensions import db
from crm.models import Agreement, AgreementStatus, Contact, Organization, Service


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


# --- lookups other modules rely on (contact center, tickets, billing) --------------------------


@dataclasses.dataclass(frozen=True)
class Match:
    """Who an inbound address or number belongs to. ``confidence``: "known" (a contact's own
    address or number, or the ente's PEC) or "probable" (a domain rule, a number seen before)."""

    organization_id: int | None = None
    contact_id: int | None = None
    confidence: str | None = None


def normalize_phone(raw: str | None, region: str = "IT") -> str | None:
    """E.164 (``+39080…``), keeping the leading 0 of Italian landlines; None when not a valid number."""
    if not raw or not str(raw).strip():
        return None
    try:
        number = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def match_email(address: str | None) -> Match:
    """A sender address -> contact -> ente; then an ente's PEC or e-mail address; else no match."""
    address = (address or "").strip().lower()
    if not address:
        return Match()
    contact = db.session.scalar(
        sa.select(Contact)
        .where(sa.func.lower(Contact.email) == address, Contact.active.is_(True))
        .order_by(Contact.id)
        .limit(1)
    )
    if contact is not None:
        return Match(contact.organization_id, contact.id, "known")
    org_id = db.session.scalar(
        sa.select(Organization.id)
        .where(sa.or_(sa.func.lower(Organization.pec) == address, sa.func.lower(Organization.email) == address))
        .order_by(Organization.id)
        .limit(1)
    )
    if org_id is not None:
        return Match(org_id, None, "known")
    return Match()


def match_phone(number: str | None) -> Match:
    """A caller number -> contact -> ente, or the ente's own switchboard number."""
    e164 = normalize_phone(number)
    if e164 is None:
        return Match()
    contact = db.session.scalar(
        sa.select(Contact).where(Contact.phone == e164, Contact.active.is_(True)).order_by(Contact.id).limit(1)
    )
    if contact is not None:
        return Match(contact.organization_id, contact.id, "known")
    org_id = db.session.scalar(sa.select(Organization.id).where(Organization.phone == e164).limit(1))
    if org_id is not None:
        return Match(org_id, None, "known")
    return Match()


def get_contact(contact_id: int) -> Contact | None:
    return db.session.get(Contact, contact_id)


def list_services(*, active_only: bool = True) -> list[Service]:
    stmt = sa.select(Service).order_by(Service.name)
    if active_only:
        stmt = stmt.where(Service.active.is_(True))
    return list(db.session.scalars(stmt))


def active_agreement(organization_id: int, on: dt.date | None = None) -> Agreement | None:
    """The organization's convenzione in force on ``on`` (today by default), if any."""
    on = on or local_today()
    return db.session.scalar(
        sa.select(Agreement)
        .where(
            Agreement.organization_id == organization_id,
            Agreement.status == AgreementStatus.ACTIVE,
            Agreement.start_date <= on,
            Agreement.end_date >= on,
        )
        .order_by(Agreement.start_date.desc())
        .limit(1)
    )


def service_covered(organization_id: int | None, service_id: int | None, on: dt.date | None = None) -> bool | None:
    """Whether the ente's active convenzione includes the service; None when either is unknown."""
    if not organization_id or not service_id:
        return None
    agreement = active_agreement(organization_id, on)
    if agreement is None:
        return False
    return any(s.id == service_id for s in agreement.services)


def sla_tier_for(organization_id: int | None, on: dt.date | None = None) -> str | None:
    """The SLA tier of the ente's active convenzione (e.g. "standard", "premium"), or None."""
    if not organization_id:
        return None
    agreement = active_agreement(organization_id, on)
    return agreement.sla_tier if agreement is not None else None

"""CRM business rules. Plain functions, keyword arguments, the acting user passed in.

Stable seams other packages call: ``Match``, ``normalize_phone``, ``match_email``, ``match_phone``,
``get_contact``, ``list_services``, ``active_agreement``, ``service_covered``, ``sla_tier_for``,
``get_organization``, ``find_organization_by_code``. Convenzioni live in ``crm.agreements``, the
cleaning of what users type in ``crm.cleaning``, the list queries in ``crm.queries`` (both re-exported
here for the callers that know them from this module).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

import phonenumbers
import sqlalchemy as sa

from app.api import keyset_page
from app.auth.permissions import check_org
from app.db import local_today, transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from crm.cleaning import (
    CONTACT_FIELDS,
    ORG_DEPENDENCIES,
    ORG_FIELDS,
    SERVICE_FIELDS,
    Errors,
    clean_changes,
    clean_contact,
    clean_organization,
    clean_service,
    enum_value,
    text_value,
)
from crm.models import (
    Agreement,
    AgreementStatus,
    Contact,
    Interaction,
    InteractionKind,
    Organization,
    OrgKind,
    Service,
    UnionMember,
)
from crm.queries import contacts_query, interactions_query, organizations_query
from crm.terms import (  # noqa: F401  (the typed seam billing reads the CRM through)
    BILLABLE_STATUSES,
    AgreementTerms,
    ExpiringAgreement,
    Recipient,
    ServiceFee,
    agreement_terms,
    billable_agreements,
    count_billable_agreements,
    expiring_agreements,
    finance_contact_email,
    invoice_recipient,
    invoice_recipients,
)


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


def organization_names(ids: Iterable[int]) -> dict[int, str]:
    """Names of many enti in one query (list pages of other modules)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(Organization.id, Organization.name).where(Organization.id.in_(wanted)))
    return {org_id: name for org_id, name in rows}


def load_organization(organization_id: int, user: Any = None) -> Organization:
    """The organization or NotFound; a referente only finds its own."""
    org = db.session.get(Organization, organization_id)
    if org is None:
        raise NotFound("ente non trovato")
    check_org(user, org.id, "ente non trovato")
    return org


# --- validation ------------------------------------------------------------------------------


def _check_unique(org_id: int | None, values: dict[str, Any]) -> None:
    """Duplicates of an official identifier are refused (409) naming the field."""
    fields: dict[str, list[str]] = {}
    for field in ("istat_code", "belfiore_code", "ipa_code", "fiscal_code"):
        value = values.get(field)
        if not value:
            continue
        column = getattr(Organization, field)
        stmt = sa.select(Organization.id, Organization.name).where(column == value)
        if org_id is not None:
            stmt = stmt.where(Organization.id != org_id)
        other = db.session.execute(stmt.limit(1)).first()
        if other is not None:
            fields[field] = [f"già usato da {other.name} (id {other.id})"]
    if fields:
        raise Conflict("identificativo già registrato per un altro ente", fields)


# --- organizations ---------------------------------------------------------------------------


def _fill_from_registry(values: dict[str, Any]) -> None:
    """A new comune given by its ISTAT code gets what the bundled registry knows and was left blank."""
    if values.get("kind") != OrgKind.COMUNE or not values.get("istat_code"):
        return
    from crm.registry import lookup

    comune = lookup(istat_code=values["istat_code"])
    if comune is None:
        return
    defaults = {
        "belfiore_code": comune.belfiore_code,
        "province": comune.province,
        "region": comune.region,
        "city": comune.name,
        "population": comune.population,
        "population_year": comune.population_year if values.get("population") is None else None,
    }
    for key, value in defaults.items():
        if values.get(key) in (None, "") and value is not None:
            values[key] = value


def create_organization(*, actor: Any = None, **data: Any) -> Organization:
    unknown = set(data) - set(ORG_FIELDS)
    if unknown:
        raise Invalid("campi sconosciuti", {k: ["campo sconosciuto"] for k in sorted(unknown)})
    values = clean_organization(data)
    _fill_from_registry(values)
    with transaction(actor=actor):
        _check_unique(None, values)
        org = Organization(**values)
        db.session.add(org)
        db.session.flush()
    return org


def update_organization(*, organization_id: int, actor: Any = None, **changes: Any) -> Organization:
    unknown = set(changes) - set(ORG_FIELDS)
    if unknown:
        raise Invalid("campi non modificabili", {k: ["campo sconosciuto o non modificabile"] for k in sorted(unknown)})
    org = load_organization(organization_id)
    merged = {f: getattr(org, f) for f in ORG_FIELDS}
    merged["kind"] = org.kind.value
    values = clean_changes(clean_organization, merged, changes, ORG_DEPENDENCIES)
    with transaction(actor=actor):
        _check_unique(org.id, values)
        for key, value in values.items():
            if getattr(org, key) != value:
                setattr(org, key, value)
    return org


def set_union_members(*, union_id: int, member_ids: Iterable[int], actor: Any = None) -> Organization:
    """Which comuni belong to an unione (the whole list: members not named leave it)."""
    union = load_organization(union_id)
    if not union.is_union:
        raise Invalid("solo un'unione ha comuni membri", {"member_ids": ["l'ente non è un'unione di comuni"]})
    wanted = {int(i) for i in member_ids}
    if union.id in wanted:
        raise Invalid("un'unione non può contenere sé stessa", {"member_ids": ["un'unione non contiene sé stessa"]})
    found = set(db.session.scalars(sa.select(Organization.id).where(Organization.id.in_(wanted)))) if wanted else set()
    missing = wanted - found
    if missing:
        raise Invalid("enti inesistenti", {"member_ids": [f"ente {i} non trovato" for i in sorted(missing)]})
    with transaction(actor=actor):
        current = {
            m.member_id: m for m in db.session.scalars(sa.select(UnionMember).where(UnionMember.union_id == union.id))
        }
        for member_id, row in current.items():
            if member_id not in wanted:
                db.session.delete(row)
        for member_id in wanted - set(current):
            db.session.add(UnionMember(union_id=union.id, member_id=member_id))
        db.session.flush()
        db.session.expire(union, ["members"])
    return union


def list_organizations(
    *, limit: int = 50, cursor: str | None = None, **filters: Any
) -> tuple[list[Organization], str | None]:
    """Enti by name, keyset-paginated; ``filters`` as ``crm.queries.organizations_query`` takes them."""
    stmt = organizations_query(**filters)
    # unions and members in two queries for the whole page (the API dumps their ids), not two per ente
    stmt = stmt.options(sa.orm.selectinload(Organization.members), sa.orm.selectinload(Organization.unions))
    return keyset_page(stmt, [Organization.name, Organization.id], limit=limit, cursor=cursor, descending=False)


def coverage_summary(stmt: sa.Select) -> dict[str, int]:
    """How many of the enti selected by ``stmt`` are covered by a convenzione in force, and how many
    of those end within 90 days: the finance officer's "at a glance"."""
    today = local_today()
    ids = stmt.with_only_columns(Organization.id).order_by(None).subquery()
    in_force = sa.select(Agreement.organization_id).where(
        Agreement.status == AgreementStatus.ACTIVE, Agreement.start_date <= today, Agreement.end_date >= today
    )
    expiring = in_force.where(Agreement.end_date <= today + dt.timedelta(days=90))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ids)) or 0
    covered = db.session.scalar(sa.select(sa.func.count()).select_from(ids).where(ids.c.id.in_(in_force))) or 0
    ending = db.session.scalar(sa.select(sa.func.count()).select_from(ids).where(ids.c.id.in_(expiring))) or 0
    return {"total": total, "covered": covered, "uncovered": total - covered, "expiring": ending}


def current_agreements(org_ids: Iterable[int]) -> dict[int, Agreement]:
    """For each ente its most relevant convenzione: in force first, then the latest by end date."""
    ids = list(org_ids)
    if not ids:
        return {}
    rank = sa.case(
        (Agreement.status == AgreementStatus.ACTIVE, 0),
        (Agreement.status == AgreementStatus.SUSPENDED, 1),
        (Agreement.status == AgreementStatus.DRAFT, 2),
        else_=3,
    )
    rows = db.session.scalars(
        sa.select(Agreement)
        .where(Agreement.organization_id.in_(ids))
        .options(sa.orm.selectinload(Agreement.services))  # one query for the page, not one per ente
        .order_by(rank, Agreement.end_date.desc())
    )
    out: dict[int, Agreement] = {}
    for agreement in rows:
        out.setdefault(agreement.organization_id, agreement)
    return out


def provinces() -> list[str]:
    return [
        str(p)
        for (p,) in db.session.execute(
            sa.select(Organization.province)
            .where(Organization.province.is_not(None))
            .distinct()
            .order_by(Organization.province)
        )
    ]


# --- contacts --------------------------------------------------------------------------------


def _sync_portal_user(contact: Contact, actor: Any) -> None:
    """Portal access makes the contact a referente user of its ente; revoking it deactivates the user."""
    from app.auth.models import Role, User
    from app.auth.services import create_user

    user = db.session.scalar(sa.select(User).where(User.contact_id == contact.id))
    if user is None and contact.email:
        user = db.session.scalar(sa.select(User).where(User.email == contact.email))
    if contact.portal_access and contact.active:
        if user is None:
            create_user(
                email=contact.email or "",
                role=Role.REFERENTE,
                name=contact.name,
                organization_id=contact.organization_id,
                contact_id=contact.id,
                actor=actor,
            )
        elif user.role != Role.REFERENTE or (user.organization_id not in (None, contact.organization_id)):
            raise Conflict(
                "l'indirizzo appartiene già a un altro utente",
                {"email": ["l'indirizzo è già usato da un utente con un altro ruolo o ente"]},
            )
        else:
            user.active = True
            user.contact_id = contact.id
            user.organization_id = contact.organization_id
    elif user is not None and user.role == Role.REFERENTE and user.contact_id == contact.id:
        user.active = False


def create_contact(*, actor: Any = None, **data: Any) -> Contact:
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise Invalid("campi sconosciuti", {k: ["campo sconosciuto"] for k in sorted(unknown)})
    values = clean_contact(data)
    with transaction(actor=actor):
        contact = Contact(**values)
        if contact.consent:
            contact.consent_at = utcnow()
        db.session.add(contact)
        db.session.flush()
        _sync_portal_user(contact, actor)
    return contact


def load_contact(contact_id: int, user: Any = None) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("contatto non trovato")
    check_org(user, contact.organization_id, "contatto non trovato")
    return contact


def update_contact(*, contact_id: int, actor: Any = None, **changes: Any) -> Contact:
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise Invalid("campi non modificabili", {k: ["campo sconosciuto o non modificabile"] for k in sorted(unknown)})
    contact = load_contact(contact_id)
    merged = {f: getattr(contact, f) for f in CONTACT_FIELDS}
    merged["role"] = contact.role.value
    values = clean_changes(clean_contact, merged, changes, {"portal_access": ("email",)})
    with transaction(actor=actor):
        if values["consent"] and not contact.consent:
            contact.consent_at = utcnow()
        for key, value in values.items():
            if getattr(contact, key) != value:
                setattr(contact, key, value)
        db.session.flush()
        _sync_portal_user(contact, actor)
    return contact


def list_contacts(*, limit: int = 50, cursor: str | None = None, **filters: Any) -> tuple[list[Contact], str | None]:
    """Contacts by name, keyset-paginated; ``filters`` as ``crm.queries.contacts_query`` takes them."""
    return keyset_page(
        contacts_query(**filters), [Contact.name, Contact.id], limit=limit, cursor=cursor, descending=False
    )


def find_contacts_by_fiscal_code(code: str) -> list[Contact]:
    """Active contacts carrying a codice fiscale (SPID/CIE first login, app/auth/sso.py)."""
    return list(
        db.session.scalars(
            sa.select(Contact).where(Contact.fiscal_code == code, Contact.active.is_(True)).order_by(Contact.id)
        )
    )


def referente_contacts(organization_id: int) -> list[Contact]:
    """Contacts with portal access (the ente's referenti)."""
    return list(
        db.session.scalars(
            sa.select(Contact)
            .where(Contact.organization_id == organization_id, Contact.portal_access.is_(True))
            .order_by(Contact.name)
        )
    )


# --- service catalog -------------------------------------------------------------------------


def create_service(*, actor: Any = None, **data: Any) -> Service:
    values = clean_service(data)
    with transaction(actor=actor):
        if db.session.scalar(sa.select(Service.id).where(Service.code == values["code"])):
            raise Conflict("codice già usato", {"code": ["codice già usato da un altro servizio"]})
        service = Service(**values)
        db.session.add(service)
        db.session.flush()
    return service


def update_service(*, service_id: int, actor: Any = None, **changes: Any) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound("servizio non trovato")
    merged = {f: getattr(service, f) for f in SERVICE_FIELDS}
    merged.update(changes)
    values = clean_service(merged)
    with transaction(actor=actor):
        if db.session.scalar(sa.select(Service.id).where(Service.code == values["code"], Service.id != service.id)):
            raise Conflict("codice già usato", {"code": ["codice già usato da un altro servizio"]})
        for key, value in values.items():
            setattr(service, key, value)
    return service


def list_catalog(
    *, active: bool | None = None, limit: int = 50, cursor: str | None = None
) -> tuple[list[Service], str | None]:
    stmt = sa.select(Service)
    if active is not None:
        stmt = stmt.where(Service.active.is_(active))
    return keyset_page(stmt, [Service.id], limit=limit, cursor=cursor, descending=False)


def get_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        raise NotFound("servizio non trovato")
    return service


# --- interactions ----------------------------------------------------------------------------


def log_interaction(
    *,
    organization_id: int,
    subject: str,
    kind: str = "note",
    body: str = "",
    contact_id: int | None = None,
    occurred_at: dt.datetime | None = None,
    actor: Any = None,
) -> Interaction:
    e = Errors()
    k = enum_value(InteractionKind, kind, "kind", e)
    subject = text_value(subject, "subject", e, max_len=300, required=True) or ""
    org = db.session.get(Organization, organization_id)
    if org is None:
        e.add("organization_id", "ente non trovato")
    if contact_id:
        contact = db.session.get(Contact, contact_id)
        if contact is None or contact.organization_id != organization_id:
            e.add("contact_id", "il contatto non appartiene all'ente")
    if occurred_at is not None and occurred_at.tzinfo is None:
        e.add("occurred_at", "data e ora con fuso orario")
    e.raise_if_any()
    with transaction(actor=actor):
        item = Interaction(
            organization_id=organization_id,
            contact_id=contact_id or None,
            author_id=getattr(actor, "id", None),
            kind=k,
            subject=subject,
            body=body or "",
            occurred_at=occurred_at or utcnow(),
        )
        db.session.add(item)
        db.session.flush()
    return item


def list_interactions(
    *, user: Any = None, organization_id: int | None = None, limit: int = 50, cursor: str | None = None
) -> tuple[list[Interaction], str | None]:
    stmt = interactions_query(user=user, organization_id=organization_id)
    return keyset_page(stmt, [Interaction.occurred_at, Interaction.id], limit=limit, cursor=cursor)


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


def coverage(organization_id: int | None, service_id: int | None, on: dt.date | None = None) -> dict[str, Any] | None:
    """What an operator needs to see on a ticket: is its service inside the ente's convenzione in force?

    None when the ticket has no ente or no service; otherwise ``covered`` (bool), the ``agreement``
    in force (or None) and the ``service``.
    """
    if not organization_id or not service_id:
        return None
    agreement = active_agreement(organization_id, on)
    service = db.session.get(Service, service_id)
    covered = agreement is not None and any(s.id == service_id for s in agreement.services)
    return {"covered": covered, "agreement": agreement, "service": service}


def sla_tier_expr(organization_id: int, on: dt.date) -> Any:
    """``sla_tier_for`` as a scalar SQL subquery, for a caller that reads it with other values at once."""
    return (
        sa.select(Agreement.sla_tier)
        .where(
            Agreement.organization_id == organization_id,
            Agreement.status == AgreementStatus.ACTIVE,
            Agreement.start_date <= on,
            Agreement.end_date >= on,
        )
        .order_by(Agreement.start_date.desc())
        .limit(1)
        .scalar_subquery()
    )


def sla_tier_for(organization_id: int | None, on: dt.date | None = None) -> str | None:
    """The SLA tier of the ente's active convenzione (e.g. "standard", "premium"), or None."""
    if not organization_id:
        return None
    agreement = active_agreement(organization_id, on)
    return agreement.sla_tier if agreement is not None else None


from crm.seams import sms_subscribers  # noqa: E402, F401

LOOKUP_LIMIT = 20


def lookup_organizations(*, user: Any, q: str | None, limit: int = LOOKUP_LIMIT) -> list[dict[str, Any]]:
    """Enti for a typeahead: by part of the name or an official code (ISTAT, Belfiore, fiscal, IPA),
    active ones, at most ``limit`` (20), a referente only its own. Each is ``{id, label, hint}``."""
    term = (q or "").strip()[:100]
    if not term:
        return []
    stmt = organizations_query(user=user, q=term, active=True).order_by(Organization.name, Organization.id)
    orgs = db.session.scalars(stmt.limit(max(1, min(limit, LOOKUP_LIMIT)))).all()
    return [
        {"id": o.id, "label": o.name, "hint": " · ".join(c for c in (o.istat_code, o.belfiore_code, o.province) if c)}
        for o in orgs
    ]


def lookup_contacts(
    *, user: Any, q: str | None, organization_id: int | None = None, limit: int = LOOKUP_LIMIT
) -> list[dict[str, Any]]:
    """Contacts for a typeahead: by part of the name or email, of one ente when given, at most
    ``limit`` (20); a referente only its own ente's. Each is ``{id, label, hint}`` (hint: the email)."""
    term = (q or "").strip()[:100]
    if not term:
        return []
    stmt = contacts_query(user=user, organization_id=organization_id, q=term).where(Contact.active.is_(True))
    contacts = db.session.scalars(stmt.order_by(Contact.name, Contact.id).limit(max(1, min(limit, LOOKUP_LIMIT)))).all()
    return [{"id": c.id, "label": c.name, "hint": c.email or ""} for c in contacts]

"""The one place billing reads the CRM and the tickets from.

The convenzioni belong to the crm package, which keeps extending them: every field is read here
defensively (``getattr`` with a default), so a renamed or missing field changes one file only.
Everything else in billing works on the plain dataclasses below.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa

from app.extensions import db

D = decimal.Decimal

# Convenzioni that may carry a quota for a year: drafts and suspended ones are never billed.
BILLABLE_STATUSES = ("active", "expired", "terminated")


@dataclasses.dataclass(frozen=True)
class ServiceFee:
    service_id: int | None
    code: str
    name: str
    annual_fee: D
    quantity: D = D("1")
    vat_rate: D | None = None
    vat_nature: str | None = None


@dataclasses.dataclass(frozen=True)
class AgreementTerms:
    id: int
    organization_id: int
    code: str
    title: str
    status: str
    start_date: dt.date
    end_date: dt.date
    billing_document: str  # "fattura" | "richiesta_pagamento"
    annual_fee_fixed: D
    fee_per_inhabitant: D
    included_hours: D
    hourly_rate: D
    cig: str | None = None
    cup: str | None = None
    vat_rate: D | None = None
    vat_nature: str | None = None
    population_override: int | None = None
    service_fees: tuple[ServiceFee, ...] = ()


@dataclasses.dataclass(frozen=True)
class Recipient:
    id: int
    name: str
    kind: str
    fiscal_code: str | None
    vat_number: str | None
    sdi_code: str | None
    ipa_code: str | None
    pec: str | None
    email: str | None
    address: str | None
    zip_code: str | None
    city: str | None
    province: str | None
    population: int | None
    population_year: int | None = None

    @property
    def is_public_administration(self) -> bool:
        """Split payment applies to public administrations: every kind but "altro", or one in IPA."""
        return self.kind != "altro" or bool(self.ipa_code)

    def snapshot(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # flat: no deep copy needed


def _dec(value: Any, default: str = "0") -> D:
    if value is None or value == "":
        return D(default)
    try:
        return D(str(value))
    except decimal.InvalidOperation:
        return D(default)


def _value(obj: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value.value if hasattr(value, "value") and not isinstance(value, D) else value
    return default


FEE_FIELDS = ("annual_fee", "fee", "price", "unit_price", "amount")
CHUNK = 1000  # ids per IN (...) list


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def service_fees_by_agreement(agreement_ids: list[int]) -> dict[int, tuple[ServiceFee, ...]]:
    """Per-service fees of many convenzioni at once: an ``AgreementService`` association with a fee,
    if the CRM has one. Without a fee field on the association nothing is read at all."""
    try:
        from crm import models as crm_models
    except ImportError:  # pragma: no cover
        return {}
    assoc = getattr(crm_models, "AgreementService", None)
    if assoc is None or not hasattr(assoc, "agreement_id") or not any(hasattr(assoc, f) for f in FEE_FIELDS):
        return {}
    rows = [
        row
        for chunk in _chunks(sorted(set(agreement_ids)))
        for row in db.session.scalars(sa.select(assoc).where(assoc.agreement_id.in_(chunk)))
    ]
    service_ids = sorted({sid for row in rows if (sid := _value(row, "service_id")) is not None})
    services = {
        s.id: s
        for chunk in _chunks(service_ids)
        for s in db.session.scalars(sa.select(crm_models.Service).where(crm_models.Service.id.in_(chunk)))
    }
    fees: dict[int, list[ServiceFee]] = {}
    for row in rows:
        fee = _dec(_value(row, *FEE_FIELDS))
        if fee <= 0:
            continue
        service_id = _value(row, "service_id")
        service = getattr(row, "service", None) or services.get(service_id)
        fees.setdefault(row.agreement_id, []).append(
            ServiceFee(
                service_id=service_id,
                code=getattr(service, "code", "") or "",
                name=getattr(service, "name", "") or str(service_id),
                annual_fee=fee,
                quantity=_dec(_value(row, "quantity"), "1"),
                vat_rate=_dec(_value(row, "vat_rate")) if _value(row, "vat_rate") is not None else None,
                vat_nature=_value(row, "vat_nature", "vat_natura", "natura"),
            )
        )
    return {agreement_id: tuple(items) for agreement_id, items in fees.items()}


def agreement_terms(agreement: Any, service_fees: tuple[ServiceFee, ...] | None = None) -> AgreementTerms:
    """The billing terms of a convenzione (``service_fees`` when the caller loaded them in bulk)."""
    if service_fees is None:
        service_fees = service_fees_by_agreement([agreement.id]).get(agreement.id, ())
    vat_rate = _value(agreement, "vat_rate")
    population = _value(agreement, "population", "reference_population", "population_override")
    return AgreementTerms(
        id=agreement.id,
        organization_id=agreement.organization_id,
        code=agreement.code or f"CONV-{agreement.id}",
        title=_value(agreement, "title", default="") or "",
        status=str(_value(agreement, "status", default="active")),
        start_date=agreement.start_date,
        end_date=agreement.end_date,
        billing_document=str(_value(agreement, "billing_document", default="richiesta_pagamento")),
        annual_fee_fixed=_dec(_value(agreement, "annual_fee_fixed")),
        fee_per_inhabitant=_dec(_value(agreement, "fee_per_inhabitant")),
        included_hours=_dec(_value(agreement, "included_hours")),
        hourly_rate=_dec(_value(agreement, "hourly_rate")),
        cig=_value(agreement, "cig"),
        cup=_value(agreement, "cup"),
        vat_rate=_dec(vat_rate) if vat_rate is not None else None,
        vat_nature=_value(agreement, "vat_nature", "vat_natura", "natura"),
        population_override=int(population) if population else None,
        service_fees=service_fees,
    )


def agreements_for_year(year: int) -> list[AgreementTerms]:
    """Every convenzione whose period touches ``year`` and that may be billed, by ente name."""
    from crm.models import Agreement, Organization

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = db.session.scalars(
        sa.select(Agreement)
        .join(Organization, Organization.id == Agreement.organization_id)
        .where(
            Agreement.status.in_(BILLABLE_STATUSES),
            Agreement.start_date <= end,
            Agreement.end_date >= start,
        )
        .order_by(Organization.name, Agreement.id)
    ).all()
    fees = service_fees_by_agreement([a.id for a in rows])
    return [agreement_terms(a, fees.get(a.id, ())) for a in rows]


def count_agreements_for_year(year: int) -> int:
    from crm.models import Agreement

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Agreement.status.in_(BILLABLE_STATUSES), Agreement.start_date <= end, Agreement.end_date >= start
            )
        )
        or 0
    )


def get_agreement(agreement_id: int) -> AgreementTerms | None:
    from crm.models import Agreement

    row = db.session.get(Agreement, agreement_id)
    return agreement_terms(row) if row is not None else None


def _recipient(org: Any) -> Recipient:
    return Recipient(
        id=org.id,
        name=org.name,
        kind=str(_value(org, "kind", default="comune")),
        fiscal_code=_value(org, "fiscal_code"),
        vat_number=_value(org, "vat_number"),
        sdi_code=_value(org, "sdi_code"),
        ipa_code=_value(org, "ipa_code"),
        pec=_value(org, "pec"),
        email=_value(org, "email"),
        address=_value(org, "address"),
        zip_code=_value(org, "zip_code"),
        city=_value(org, "city"),
        province=_value(org, "province"),
        population=_value(org, "population"),
        population_year=_value(org, "population_year"),
    )


def recipient(organization_id: int) -> Recipient | None:
    from crm.services import get_organization

    org = get_organization(organization_id)
    return _recipient(org) if org is not None else None


def recipients(organization_ids: set[int] | list[int]) -> dict[int, Recipient]:
    """The recipients of many enti in a few queries (the annual run), by id."""
    from crm.models import Organization

    return {
        org.id: _recipient(org)
        for chunk in _chunks(sorted({i for i in organization_ids if i}))
        for org in db.session.scalars(sa.select(Organization).where(Organization.id.in_(chunk)))
    }


def organization_names(ids: set[int] | list[int]) -> dict[int, str]:
    from crm.models import Organization

    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())


def finance_contact_email(organization_id: int) -> str | None:
    """A contact of the ente's ragioneria (or any active contact) with an email address."""
    from crm.models import Contact

    rows = db.session.execute(
        sa.select(Contact.email, Contact.role)
        .where(Contact.organization_id == organization_id, Contact.active.is_(True), Contact.email.is_not(None))
        .order_by(Contact.id)
    ).all()
    for email, role in rows:
        if str(getattr(role, "value", role)) == "ragioneria":
            return email
    return rows[0][0] if rows else None


def expiring_agreements(within_days: int, today: dt.date) -> list[dict[str, Any]]:
    from crm.models import Agreement, Organization

    rows = db.session.execute(
        sa.select(Agreement.id, Agreement.code, Agreement.end_date, Organization.id, Organization.name)
        .join(Organization, Organization.id == Agreement.organization_id)
        .where(
            Agreement.status == "active",
            Agreement.end_date >= today,
            Agreement.end_date <= today + dt.timedelta(days=within_days),
        )
        .order_by(Agreement.end_date)
        .limit(50)
    ).all()
    return [
        {"id": r[0], "code": r[1], "end_date": r[2], "organization_id": r[3], "organization_name": r[4]} for r in rows
    ]


def billable_minutes(organization_id: int, start: dt.date, end: dt.date) -> int:
    """Billable support minutes logged on the ente's tickets between the two dates (inclusive)."""
    try:
        from tickets.services import billable_minutes as tickets_billable_minutes
    except ImportError:  # pragma: no cover
        return 0
    return tickets_billable_minutes(organization_id=organization_id, start=start, end=end)


def billable_minutes_for(ranges: list[tuple[int, dt.date, dt.date]], year: int) -> list[int]:
    """Billable minutes of many (ente, first day, last day) ranges inside ``year``, in two queries:
    per ente over the whole year for the ranges that cover it, per ente and day for the others."""
    try:
        from tickets.services import billable_minutes_by_day, billable_minutes_by_organization
    except ImportError:  # pragma: no cover
        return [0] * len(ranges)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    whole = {org for org, lo, hi in ranges if lo <= start and hi >= end}
    partial = {org for org, lo, hi in ranges if lo <= hi and not (lo <= start and hi >= end)}
    totals = billable_minutes_by_organization(organization_ids=whole, start=start, end=end) if whole else {}
    days = billable_minutes_by_day(organization_ids=partial, start=start, end=end) if partial else {}
    out = []
    for org, lo, hi in ranges:
        if lo > hi:
            out.append(0)
        elif lo <= start and hi >= end:
            out.append(totals.get(org, 0))
        else:
            out.append(sum(m for day, m in days.get(org, ()) if lo <= day <= hi))
    return out

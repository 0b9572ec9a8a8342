"""What billing needs to know of the CRM, as typed records: the terms of the convenzioni, the fees of
their services and the enti to invoice. Billing reads the CRM only through these functions (re-exported
by ``crm.services``), never its tables, so a CRM column renamed changes this file and the type checker
points at every use."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from crm.models import Agreement, AgreementService, Contact, Organization, Service

D = decimal.Decimal

# Convenzioni that may carry a quota for a year: drafts and suspended ones are never billed.
BILLABLE_STATUSES = ("active", "expired", "terminated")
CHUNK = 1000  # ids per IN (...) list


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


@dataclasses.dataclass(frozen=True)
class ExpiringAgreement:
    id: int
    code: str
    end_date: dt.date
    organization_id: int
    organization_name: str


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))


def service_fees_by_agreement(agreement_ids: list[int]) -> dict[int, tuple[ServiceFee, ...]]:
    """The services of many convenzioni that carry a yearly fee of their own, by convenzione id."""
    fees: dict[int, list[ServiceFee]] = {}
    for chunk in _chunks(sorted(set(agreement_ids))):
        rows = db.session.execute(
            sa.select(AgreementService.agreement_id, AgreementService.annual_fee)
            .add_columns(Service.id, Service.code, Service.name)
            .join(Service, Service.id == AgreementService.service_id)
            .where(AgreementService.agreement_id.in_(chunk), AgreementService.annual_fee > 0)
            .order_by(AgreementService.agreement_id, Service.code)
        )
        for agreement_id, fee, service_id, code, name in rows:
            fees.setdefault(agreement_id, []).append(
                ServiceFee(service_id=service_id, code=code or "", name=name or str(service_id), annual_fee=D(fee))
            )
    return {agreement_id: tuple(items) for agreement_id, items in fees.items()}


def _terms(agreement: Agreement, service_fees: tuple[ServiceFee, ...]) -> AgreementTerms:
    return AgreementTerms(
        id=agreement.id,
        organization_id=agreement.organization_id,
        code=agreement.code or f"CONV-{agreement.id}",
        title=agreement.title or "",
        status=_text(agreement.status),
        start_date=agreement.start_date,
        end_date=agreement.end_date,
        billing_document=_text(agreement.billing_document),
        annual_fee_fixed=D(agreement.annual_fee_fixed or 0),
        fee_per_inhabitant=D(agreement.fee_per_inhabitant or 0),
        included_hours=D(agreement.included_hours or 0),
        hourly_rate=D(agreement.hourly_rate or 0),
        cig=agreement.cig,
        cup=agreement.cup,
        vat_rate=D(agreement.vat_rate) if agreement.vat_rate is not None else None,
        vat_nature=agreement.vat_nature or None,
        service_fees=service_fees,
    )


def billable_agreements(year: int) -> list[AgreementTerms]:
    """Every convenzione whose period touches ``year`` and that may be billed, by ente name."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = db.session.scalars(
        sa.select(Agreement)
        .join(Organization, Organization.id == Agreement.organization_id)
        .where(Agreement.status.in_(BILLABLE_STATUSES), Agreement.start_date <= end, Agreement.end_date >= start)
        .order_by(Organization.name, Agreement.id)
    ).all()
    fees = service_fees_by_agreement([a.id for a in rows])
    return [_terms(a, fees.get(a.id, ())) for a in rows]


def count_billable_agreements(year: int) -> int:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Agreement.status.in_(BILLABLE_STATUSES), Agreement.start_date <= end, Agreement.end_date >= start
            )
        )
        or 0
    )


def agreement_terms(agreement_id: int) -> AgreementTerms | None:
    row = db.session.get(Agreement, agreement_id)
    if row is None:
        return None
    return _terms(row, service_fees_by_agreement([row.id]).get(row.id, ()))


def _recipient(org: Organization) -> Recipient:
    return Recipient(
        id=org.id,
        name=org.name,
        kind=_text(org.kind) if org.kind is not None else "comune",
        fiscal_code=org.fiscal_code,
        vat_number=org.vat_number,
        sdi_code=org.sdi_code,
        ipa_code=org.ipa_code,
        pec=org.pec,
        email=org.email,
        address=org.address,
        zip_code=org.zip_code,
        city=org.city,
        province=org.province,
        population=org.population,
        population_year=org.population_year,
    )


def invoice_recipient(organization_id: int) -> Recipient | None:
    org = db.session.get(Organization, organization_id)
    return _recipient(org) if org is not None else None


def invoice_recipients(organization_ids: set[int] | list[int]) -> dict[int, Recipient]:
    """The recipients of many enti in a few queries (the annual run), by id."""
    return {
        org.id: _recipient(org)
        for chunk in _chunks(sorted({i for i in organization_ids if i}))
        for org in db.session.scalars(sa.select(Organization).where(Organization.id.in_(chunk)))
    }


def finance_contact_email(organization_id: int) -> str | None:
    """A contact of the ente's ragioneria (or any active contact) with an email address."""
    rows = db.session.execute(
        sa.select(Contact.email, Contact.role)
        .where(Contact.organization_id == organization_id, Contact.active.is_(True), Contact.email.is_not(None))
        .order_by(Contact.id)
    ).all()
    for email, role in rows:
        if _text(role) == "ragioneria":
            return email
    return rows[0][0] if rows else None


def expiring_agreements(within_days: int, today: dt.date) -> list[ExpiringAgreement]:
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
    return [ExpiringAgreement(*row) for row in rows]

"""The one place billing reads the CRM and the tickets from, through their services.

The CRM answers with typed records (``crm.services``: ``AgreementTerms``, ``ServiceFee``,
``Recipient``): a renamed CRM column fails the type check, not an invoice. Everything else in billing
works on these records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm import services as crm
from crm.services import AgreementTerms, Recipient, ServiceFee

__all__ = [
    "BILLABLE_STATUSES",
    "CHUNK",
    "AgreementTerms",
    "Recipient",
    "ServiceFee",
    "agreements_for_year",
    "billable_minutes",
    "billable_minutes_for",
    "count_agreements_for_year",
    "expiring_agreements",
    "finance_contact_email",
    "get_agreement",
    "organization_names",
    "recipient",
    "recipients",
]

BILLABLE_STATUSES = crm.BILLABLE_STATUSES
CHUNK = 1000  # ids per IN (...) list


def agreements_for_year(year: int) -> list[AgreementTerms]:
    """Every convenzione whose period touches ``year`` and that may be billed, by ente name."""
    return crm.billable_agreements(year)


def count_agreements_for_year(year: int) -> int:
    return crm.count_billable_agreements(year)


def get_agreement(agreement_id: int) -> AgreementTerms | None:
    return crm.agreement_terms(agreement_id)


def recipient(organization_id: int) -> Recipient | None:
    return crm.invoice_recipient(organization_id)


def recipients(organization_ids: set[int] | list[int]) -> dict[int, Recipient]:
    """The recipients of many enti in a few queries (the annual run), by id."""
    return crm.invoice_recipients(organization_ids)


def organization_names(ids: set[int] | list[int]) -> dict[int, str]:
    return crm.organization_names(ids)


def finance_contact_email(organization_id: int) -> str | None:
    """A contact of the ente's ragioneria (or any active contact) with an email address."""
    return crm.finance_contact_email(organization_id)


def expiring_agreements(within_days: int, today: dt.date) -> list[dict[str, Any]]:
    return [vars(row).copy() for row in crm.expiring_agreements(within_days, today)]


def billable_minutes(organization_id: int, start: dt.date, end: dt.date) -> int:
    """Billable support minutes logged on the ente's tickets between the two dates (inclusive)."""
    from tickets.services import billable_minutes as tickets_billable_minutes

    return tickets_billable_minutes(organization_id=organization_id, start=start, end=end)


def billable_minutes_for(ranges: list[tuple[int, dt.date, dt.date]], year: int) -> list[int]:
    """Billable minutes of many (ente, first day, last day) ranges inside ``year``, in two queries:
    per ente over the whole year for the ranges that cover it, per ente and day for the others."""
    from tickets.services import billable_minutes_by_day, billable_minutes_by_organization

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

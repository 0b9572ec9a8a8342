"""What a convenzione owes for a year. Pure functions on Decimal: never a float.

The quota for year Y is ``(annual_fee_fixed + fee_per_inhabitant × population) × days of Y inside
the convenzione ÷ days in Y``, rounded half-up to the cent; plus each service's own annual fee (same
pro rata); plus the billable support minutes logged in Y beyond ``included_hours``, at ``hourly_rate``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal

from billing.sources import AgreementTerms

D = decimal.Decimal
CENT = D("0.01")
ZERO = D("0.00")


def money(value: D | int | str) -> D:
    """Half-up to the cent (the commercial rounding Italian invoices use)."""
    return D(value).quantize(CENT, rounding=decimal.ROUND_HALF_UP)


def fmt(value: D | None) -> str:
    """A money string with two decimals, as the API writes it."""
    return f"{money(value if value is not None else ZERO):.2f}"


def days_in_year(year: int) -> int:
    return (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days


def covered_days(start: dt.date, end: dt.date, year: int) -> int:
    """Days of ``year`` inside [start, end] (both inclusive)."""
    lo = max(start, dt.date(year, 1, 1))
    hi = min(end, dt.date(year, 12, 31))
    return max((hi - lo).days + 1, 0)


@dataclasses.dataclass(frozen=True)
class FeeLine:
    code: str  # fixed | per_inhabitant | service:<code> | extra_hours
    description: str
    quantity: D
    unit_price: D
    amount: D
    vat_rate: D
    vat_nature: str | None


@dataclasses.dataclass(frozen=True)
class VatSummary:
    vat_rate: D
    vat_nature: str | None
    taxable: D
    tax: D


@dataclasses.dataclass(frozen=True)
class FeeBreakdown:
    agreement_id: int
    organization_id: int
    year: int
    kind: str
    days: int
    days_in_year: int
    population: int
    quota: D  # fixed + per inhabitant, pro rata, rounded once
    extra_minutes: int
    lines: tuple[FeeLine, ...]

    @property
    def net_total(self) -> D:
        return money(sum((line.amount for line in self.lines), ZERO))

    @property
    def vat_summary(self) -> list[VatSummary]:
        return vat_summary(self.lines)

    @property
    def vat_total(self) -> D:
        return money(sum((s.tax for s in self.vat_summary), ZERO))

    @property
    def total(self) -> D:
        return money(self.net_total + self.vat_total)

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        return (dt.date(self.year, 1, 1), dt.date(self.year, 12, 31))


def vat_summary(lines) -> list[VatSummary]:
    """One summary per (rate, natura): VAT is computed on the summed taxable, as FatturaPA's
    DatiRiepilogo requires, not line by line."""
    groups: dict[tuple[D, str | None], D] = {}
    for line in lines:
        key = (D(line.vat_rate).quantize(CENT), line.vat_nature or None)
        groups[key] = groups.get(key, ZERO) + D(line.amount)
    return [
        VatSummary(rate, nature, money(taxable), money(taxable * rate / 100))
        for (rate, nature), taxable in sorted(groups.items(), key=lambda kv: (-kv[0][0], kv[0][1] or ""))
    ]


def vat_for(terms: AgreementTerms, default_rate: D) -> tuple[D, str | None]:
    """A fattura charges VAT at the convenzione's rate (or the default); a richiesta di pagamento
    is outside the VAT field (rate 0 with a natura, N2.2 unless the convenzione says otherwise)."""
    if terms.billing_document == "richiesta_pagamento":
        return ZERO, terms.vat_nature or "N2.2"
    if terms.vat_nature:
        return ZERO, terms.vat_nature
    return (terms.vat_rate if terms.vat_rate is not None else default_rate), None


def _it(value: D, places: int = 2) -> str:
    """Italian number formatting for line descriptions (1.234,50)."""
    q = D(1).scaleb(-places)
    s = f"{D(value).quantize(q, rounding=decimal.ROUND_HALF_UP):,.{places}f}"
    return s.replace(",", "X").replace(".", ",").replace("X", ".")


def compute_fee(
    terms: AgreementTerms,
    year: int,
    *,
    population: int | None,
    population_year: int | None = None,
    billable_minutes: int = 0,
    default_vat_rate: D = D("22"),
) -> FeeBreakdown:
    """The breakdown of what ``terms`` owes for ``year``."""
    days = covered_days(terms.start_date, terms.end_date, year)
    total_days = days_in_year(year)
    ratio = D(days) / D(total_days)
    pop = terms.population_override or population or 0
    rate, nature = vat_for(terms, default_vat_rate)
    lines: list[FeeLine] = []
    if days <= 0:
        return FeeBreakdown(
            terms.id, terms.organization_id, year, terms.billing_document, 0, total_days, pop, ZERO, 0, ()
        )
    pro_rata = "" if days == total_days else f" (pro rata {days}/{total_days} giorni)"
    quota = money((terms.annual_fee_fixed + terms.fee_per_inhabitant * pop) * ratio)
    fixed = money(terms.annual_fee_fixed * ratio)
    if terms.annual_fee_fixed:
        lines.append(
            FeeLine(
                "fixed",
                f"Quota fissa annua {year} convenzione {terms.code}{pro_rata}",
                D("1"),
                fixed,
                fixed,
                rate,
                nature,
            )
        )
    if terms.fee_per_inhabitant and pop:
        per_inh = quota - fixed  # so that the two lines add up to the quota rounded once
        lines.append(
            FeeLine(
                "per_inhabitant",
                f"Quota per abitante {year}: {_it(D(pop), 0)} abitanti"
                f"{f' (popolazione {population_year})' if population_year and not terms.population_override else ''}"
                f" × € {_it(terms.fee_per_inhabitant, 4)}{pro_rata}",
                D("1"),
                per_inh,
                per_inh,
                rate,
                nature,
            )
        )
    for fee in terms.service_fees:
        amount = money(fee.annual_fee * fee.quantity * ratio)
        if amount <= 0:
            continue
        s_rate, s_nature = rate, nature
        if terms.billing_document == "fattura" and (fee.vat_rate is not None or fee.vat_nature):
            s_rate, s_nature = (ZERO, fee.vat_nature) if fee.vat_nature else (fee.vat_rate or ZERO, None)
        lines.append(
            FeeLine(
                f"service:{fee.code}"[:30],
                f"Servizio {fee.name} {year}{pro_rata}",
                D("1"),
                amount,
                amount,
                s_rate,
                s_nature,
            )
        )
    included = int(terms.included_hours * 60)
    extra_minutes = max(int(billable_minutes) - included, 0)
    if extra_minutes and terms.hourly_rate > 0:
        hours = (D(extra_minutes) / D(60)).quantize(CENT, rounding=decimal.ROUND_HALF_UP)
        amount = money(hours * terms.hourly_rate)
        lines.append(
            FeeLine(
                "extra_hours",
                f"Assistenza oltre le {_it(terms.included_hours)} ore incluse {year}: "
                f"{_it(hours)} ore × € {_it(terms.hourly_rate)}",
                hours,
                terms.hourly_rate,
                amount,
                rate,
                nature,
            )
        )
    return FeeBreakdown(
        terms.id,
        terms.organization_id,
        year,
        terms.billing_document,
        days,
        total_days,
        pop,
        quota,
        extra_minutes,
        tuple(lines),
    )

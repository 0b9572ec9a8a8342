"""The fee maths: Decimal, pro rata, half-up rounding to the cent, extra hours."""

from __future__ import annotations

import datetime as dt
import decimal

from billing import fees, pagopa
from billing.sources import AgreementTerms, ServiceFee

D = decimal.Decimal


def terms(**kw) -> AgreementTerms:
    values = dict(
        id=1,
        organization_id=1,
        code="CONV-1",
        title="",
        status="active",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        billing_document="fattura",
        annual_fee_fixed=D("1000.00"),
        fee_per_inhabitant=D("0.15"),
        included_hours=D("10"),
        hourly_rate=D("40.00"),
    )
    values.update(kw)
    return AgreementTerms(**values)


def test_full_year_fixed_plus_per_inhabitant():
    fee = fees.compute_fee(terms(), 2026, population=12_345)
    assert fee.quota == D("2851.75")  # 1000 + 0.15 × 12345
    assert [line.amount for line in fee.lines] == [D("1000.00"), D("1851.75")]
    assert fee.net_total == D("2851.75")
    assert fee.vat_total == D("627.39")  # 22% of 2851.75 = 627.385 -> half up
    assert fee.total == D("3479.14")
    assert all(isinstance(line.amount, D) for line in fee.lines)


def test_pro_rata_partial_year_rounds_once_half_up():
    # 1 July – 31 Dec 2026 = 184 of 365 days
    fee = fees.compute_fee(
        terms(start_date=dt.date(2026, 7, 1), annual_fee_fixed=D("100.00"), fee_per_inhabitant=D("0")),
        2026,
        population=0,
    )
    assert fee.days == 184 and fee.days_in_year == 365
    assert fee.quota == D("50.41")  # 100 × 184/365 = 50.4109…
    assert "184/365" in fee.lines[0].description


def test_leap_year_and_convenzione_ending_mid_year():
    fee = fees.compute_fee(
        terms(start_date=dt.date(2025, 1, 1), end_date=dt.date(2028, 2, 29), fee_per_inhabitant=D("0")),
        2028,
        population=0,
    )
    assert (fee.days, fee.days_in_year) == (60, 366)
    assert fee.quota == fees.money(D("1000") * 60 / 366) == D("163.93")


def test_lines_add_up_to_the_quota_rounded_once():
    # 0.005 per inhabitant × 1 inhabitant would round each line to 0 separately
    t = terms(annual_fee_fixed=D("0.50"), fee_per_inhabitant=D("0.0050"), start_date=dt.date(2026, 1, 1))
    fee = fees.compute_fee(t, 2026, population=1)
    assert fee.quota == D("0.51")  # 0.505 -> 0.51 half up (banker's rounding would give 0.50)
    assert sum(line.amount for line in fee.lines) == fee.quota


def test_half_up_not_bankers():
    assert fees.money(D("2.345")) == D("2.35")
    assert fees.money(D("2.335")) == D("2.34")
    assert fees.money(D("-2.345")) == D("-2.35")
    assert fees.fmt(D("1234.5")) == "1234.50"


def test_no_days_in_year_bills_nothing():
    fee = fees.compute_fee(terms(start_date=dt.date(2027, 1, 1), end_date=dt.date(2027, 12, 31)), 2026, population=100)
    assert fee.lines == () and fee.net_total == D("0.00")


def test_extra_hours_beyond_included_at_hourly_rate():
    fee = fees.compute_fee(terms(), 2026, population=0, billable_minutes=10 * 60 + 90)
    extra = [line for line in fee.lines if line.code == "extra_hours"][0]
    assert extra.quantity == D("1.50") and extra.unit_price == D("40.00") and extra.amount == D("60.00")
    fee = fees.compute_fee(terms(), 2026, population=0, billable_minutes=10 * 60)
    assert not [line for line in fee.lines if line.code == "extra_hours"]


def test_richiesta_pagamento_is_outside_vat():
    fee = fees.compute_fee(terms(billing_document="richiesta_pagamento"), 2026, population=1000)
    assert fee.vat_total == D("0.00") and fee.total == fee.net_total == D("1150.00")
    assert {line.vat_nature for line in fee.lines} == {"N2.2"}


def test_service_fees_and_vat_summary_by_rate_and_natura():
    t = terms(
        fee_per_inhabitant=D("0"),
        service_fees=(
            ServiceFee(3, "PEC", "Caselle PEC", D("120.00")),
            ServiceFee(4, "FORM", "Formazione", D("300.00"), vat_nature="N4"),
        ),
    )
    fee = fees.compute_fee(t, 2026, population=0)
    assert [line.amount for line in fee.lines] == [D("1000.00"), D("120.00"), D("300.00")]
    summary = {(s.vat_rate, s.vat_nature): (s.taxable, s.tax) for s in fee.vat_summary}
    assert summary == {(D("22.00"), None): (D("1120.00"), D("246.40")), (D("0.00"), "N4"): (D("300.00"), D("0.00"))}


def test_pagopa_notice_code_check_digits_match_the_spec_example():
    code = pagopa.notice_code("01", "0000000012345")
    assert code == "301000000001234519"
    assert pagopa.iuv_of(code) == "01000000001234519" and len(pagopa.iuv_of(code)) == 17
    assert pagopa.is_valid_notice(code)
    assert not pagopa.is_valid_notice("301000000001234518")
    assert pagopa.qr_payload(code, "80000110728", D("1234.50")) == "PAGOPA|002|301000000001234519|80000110728|123450"
    assert pagopa.grouped(code) == "3010 0000 0001 2345 19"

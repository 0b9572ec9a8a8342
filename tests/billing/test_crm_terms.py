"""Billing reads the CRM through typed records (``crm.services``): a convenzione's VAT natura and the
yearly fees of its services are real CRM fields, set through the CRM's services, and reach the fattura."""

from __future__ import annotations

import decimal

import pytest

from app.errors import Invalid
from billing import run, sources
from crm import agreements
from crm.models import AgreementService, Service

D = decimal.Decimal


def test_vat_natura_and_service_fee_from_the_crm_reach_the_fee(db, make_agreement, finance):
    agreement = make_agreement()
    service = Service(code="PEC", name="Caselle PEC")
    db.session.add(service)
    db.session.flush()
    db.session.add(AgreementService(agreement_id=agreement.id, service_id=service.id))
    db.session.commit()
    agreements.update_agreement(agreement_id=agreement.id, vat_nature="n2.2", actor=finance)
    agreements.set_service_fee(agreement_id=agreement.id, service_id=service.id, annual_fee="120,00", actor=finance)

    terms = sources.get_agreement(agreement.id)
    assert terms is not None
    assert terms.vat_nature == "N2.2"
    assert [(f.code, f.annual_fee) for f in terms.service_fees] == [("PEC", D("120.00"))]
    fee = run.compute_for(terms, 2026)
    assert any(line.unit_price == D("120.00") for line in fee.lines)
    assert {line.vat_nature for line in fee.lines} == {"N2.2"}
    assert all(line.vat_rate == 0 for line in fee.lines)


def test_unknown_vat_natura_is_refused_with_its_field(db, make_agreement, finance):
    agreement = make_agreement()
    with pytest.raises(Invalid) as exc:
        agreements.update_agreement(agreement_id=agreement.id, vat_nature="N9", actor=finance)
    assert "vat_nature" in exc.value.fields

"""invoice.issued and payment.recorded reach a subscribed endpoint, with money as strings."""

from __future__ import annotations

import datetime as dt
import decimal

from integrations.services import create_endpoint

D = decimal.Decimal


def test_issue_and_payment_are_delivered(db, make_org, make_user, admin, receiver, allow_private, run_jobs):
    from billing import services, sources
    from billing.collections import register_payment
    from crm.models import Agreement

    create_endpoint(actor=admin, url=receiver.url, events=["invoice.issued", "payment.recorded"], secret="x" * 20)
    finance = make_user("finance")
    org = make_org(sdi_code="UF0001", fiscal_code="80015010723", pec="protocollo@pec.example.it")
    agreement = Agreement(
        organization_id=org.id,
        code="CONV-001",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2030, 12, 31),
        status="active",
        billing_document="fattura",
        annual_fee_fixed=D("1000.00"),
        fee_per_inhabitant=D("0"),
        included_hours=D("10"),
        hourly_rate=D("40.00"),
    )
    db.session.add(agreement)
    db.session.commit()
    draft = services.create_annual_draft(terms=sources.get_agreement(agreement.id), year=2026)
    db.session.commit()
    run_jobs()
    assert receiver.requests == []  # a draft is not an event

    invoice = services.issue_invoice(invoice_id=draft.id, actor=finance, issue_date=dt.date(2026, 2, 1))
    register_payment(invoice_id=invoice.id, amount="100.00", paid_on="2026-03-01", method="bonifico", actor=finance)
    run_jobs()
    by_event = {r["headers"]["X-Presidio-Event"]: receiver.json(i) for i, r in enumerate(receiver.requests)}
    assert set(by_event) == {"invoice.issued", "payment.recorded"}
    assert by_event["invoice.issued"]["data"]["number"] == invoice.number
    assert by_event["invoice.issued"]["data"]["total"] == f"{invoice.total:.2f}"
    assert by_event["payment.recorded"]["data"] == {
        **by_event["payment.recorded"]["data"],
        "invoice_id": invoice.id,
        "amount": "100.00",
        "paid_on": "2026-03-01",
    }

"""The pagoPA notice PDF: who may download it, and its QR code decodes to the pagoPA string."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.extensions import db


def test_notice_pdf_qr_decodes_to_the_pagopa_string(issued, api_as, app):
    zxingcpp = pytest.importorskip("zxingcpp")
    app.config["PAGOPA_CBILL_CODE"] = "A1B2C"
    invoice = issued()
    answer = api_as("finance").get(f"/api/v1/invoices/{invoice.id}/notice.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    page = PdfReader(io.BytesIO(answer.data)).pages[0]
    text = page.extract_text()
    grouped = " ".join(invoice.notice_code[i : i + 4] for i in range(0, 18, 4))
    assert grouped in text and "80000110728" in text and "A1B2C" in text
    images = [img.image for img in page.images]
    decoded = [r.text for img in images for r in zxingcpp.read_barcodes(img.convert("L"))]
    cents = int(invoice.amount_due * 100)
    assert decoded == [f"PAGOPA|002|{invoice.notice_code}|80000110728|{cents}"]


def test_who_gets_the_notice(issued, api_as, make_org, finance):
    from billing import services, sources
    from crm.models import Organization

    invoice = issued()
    org = db.session.get(Organization, invoice.organization_id)
    assert api_as("referente", organization=org).get(f"/api/v1/invoices/{invoice.id}/notice.pdf").status_code == 200
    other = api_as("referente", organization=make_org())
    assert other.get(f"/api/v1/invoices/{invoice.id}/notice.pdf").status_code == 404
    assert api_as("operator").get(f"/api/v1/invoices/{invoice.id}/notice.pdf").status_code == 403
    assert api_as("admin").get(f"/api/v1/invoices/{invoice.id}/notice.pdf").status_code == 200
    agreement_id = invoice.agreement_id
    draft = services.create_annual_draft(terms=sources.get_agreement(agreement_id), year=2027)
    db.session.commit()
    assert api_as("referente", organization=org).get(f"/api/v1/invoices/{draft.id}/notice.pdf").status_code == 404


def test_the_reminder_email_carries_the_notice_pdf(issued, smtp_server, run_jobs):
    import datetime as dt

    from app.db import local_today
    from app.jobs import enqueue, transaction

    invoice = issued(issue_date=local_today() - dt.timedelta(days=30 + 20))  # 20 days past due
    with transaction():
        enqueue("billing.reminders")
    run_jobs()
    message = next(m for m in smtp_server.parsed() if invoice.number in m["Subject"] and "sollecito" in m["Subject"])
    pdfs = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert [p.get_filename() for p in pdfs] == [f"avviso-{invoice.notice_code}.pdf"]
    assert pdfs[0].get_content()[:4] == b"%PDF"


def test_the_invoice_email_carries_the_notice_pdf(issued, smtp_server, run_jobs):
    """Issuing a document emails it to the ente with the pagoPA notice to pay with."""
    invoice = issued()
    run_jobs()
    messages = [m for m in smtp_server.parsed() if invoice.number in m["Subject"]]
    assert len(messages) == 1 and "sollecito" not in messages[0]["Subject"]
    message = messages[0]
    assert message["To"].startswith(invoice.recipient["pec"]) or "@" in message["To"]
    grouped = " ".join(invoice.notice_code[i : i + 4] for i in range(0, 18, 4))
    assert grouped in message.get_body(("plain",)).get_content()
    pdfs = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert [p.get_filename() for p in pdfs] == [f"avviso-{invoice.notice_code}.pdf"]
    text = PdfReader(io.BytesIO(pdfs[0].get_content())).pages[0].extract_text()
    assert grouped in text
    run_jobs()  # a second run sends nothing new
    assert len([m for m in smtp_server.parsed() if invoice.number in m["Subject"]]) == 1


def test_no_invoice_email_when_turned_off(issued, smtp_server, run_jobs, app, monkeypatch):
    monkeypatch.setitem(app.config, "BILLING_EMAIL_ON_ISSUE", False)
    invoice = issued()
    run_jobs()
    assert [m for m in smtp_server.parsed() if invoice.number in m["Subject"]] == []

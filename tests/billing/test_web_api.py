"""The finance pages and the API: permissions, money as strings, referente confined, exports."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from app.extensions import db
from billing import services


def test_finance_pages_render(make_agreement, issued, login_as, client):
    make_agreement()
    invoice = issued()
    login_as("finance")
    for path in [
        "/ragioneria/",
        "/ragioneria/fatture",
        "/ragioneria/fatture?status=issued&year=2026&kind=fattura&q=FT",
        f"/ragioneria/fatture/{invoice.id}",
        f"/ragioneria/fatture/{invoice.id}/stampa",
        f"/ragioneria/fatture/{invoice.id}/avviso",
        "/ragioneria/fatturazione",
        "/ragioneria/fatturazione?year=2026",
        "/ragioneria/incassi",
        "/ragioneria/crediti",
    ]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.data[:300])
    notice = client.get(f"/ragioneria/fatture/{invoice.id}/avviso").get_data(as_text=True)
    assert "data:image/svg+xml;base64," in notice and invoice.notice_code[:4] in notice
    xml = client.get(f"/ragioneria/fatture/{invoice.id}/fatturapa.xml")
    assert xml.status_code == 200 and b"FPA12" in xml.data


def test_operator_cannot_see_finance_pages(login_as, client):
    login_as("operator")
    assert client.get("/ragioneria/").status_code == 403
    assert client.get("/ragioneria/fatturazione").status_code == 403


def test_api_invoices_money_as_strings_and_issue(api_as, make_agreement, finance):
    a = make_agreement()
    draft = services.create_annual_draft(terms=services.sources.get_agreement(a.id), year=2026)
    db.session.commit()
    api = api_as(user=finance)
    body = api.get("/api/v1/invoices?limit=10").get_json()
    assert body["next_cursor"] is None and len(body["items"]) == 1
    item = body["items"][0]
    assert item["status"] == "draft" and item["number"] is None
    assert isinstance(item["total"], str) and item["total"].count(".") == 1 and len(item["total"].split(".")[1]) == 2
    issued = api.post(f"/api/v1/invoices/{draft.id}/issue", json={"issue_date": "2026-03-02"})
    assert issued.status_code == 200, issued.get_json()
    data = issued.get_json()
    assert data["number"] == "FT-2026-00001" and data["status"] == "issued" and len(data["notice_code"]) == 18
    assert data["balance"] == data["net_total"]  # split payment
    assert api.post(f"/api/v1/invoices/{draft.id}/issue").status_code == 409
    xml = api.get(f"/api/v1/invoices/{draft.id}/fatturapa.xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert api.get(f"/api/v1/invoices/{draft.id}/notice").get_json()["qr_payload"].startswith("PAGOPA|002|")
    assert api.get("/api/v1/invoices/999999").status_code == 404
    assert api.get("/api/v1/invoices?status=bogus").status_code == 422


def test_api_richiesta_pagamento_has_no_xml(api_as, issued, finance):
    rp = issued(billing_document="richiesta_pagamento")
    assert api_as(user=finance).get(f"/api/v1/invoices/{rp.id}/fatturapa.xml").status_code == 409


def test_api_payments_partial_then_full_and_overpayment_422(api_as, issued, finance):
    invoice = issued(issue_date=dt.date.today())
    api = api_as(user=finance)
    due = invoice.amount_due
    r = api.post(
        "/api/v1/payments",
        json={"invoice_id": invoice.id, "amount": "100.00", "paid_on": "2026-03-01", "method": "bonifico"},
    )
    assert r.status_code == 201 and r.get_json()["amount"] == "100.00"
    assert api.get(f"/api/v1/invoices/{invoice.id}").get_json()["status"] == "partially_paid"
    over = api.post(
        "/api/v1/payments",
        json={"invoice_id": invoice.id, "amount": str(due), "paid_on": "2026-03-02", "method": "pagopa"},
    )
    assert over.status_code == 422 and "amount" in over.get_json()["error"]["fields"]
    bad = api.post(
        "/api/v1/payments", json={"invoice_id": invoice.id, "amount": 12.5, "paid_on": "ieri", "method": "contanti"}
    )
    assert bad.status_code == 422 and {"paid_on", "method"} <= set(bad.get_json()["error"]["fields"])
    rest = str(due - 100)
    assert (
        api.post(
            "/api/v1/payments",
            json={"invoice_id": invoice.id, "amount": rest, "paid_on": "2026-03-03", "method": "pagopa"},
        ).status_code
        == 201
    )
    got = api.get(f"/api/v1/invoices/{invoice.id}").get_json()
    assert (got["status"], got["balance"]) == ("paid", "0.00")
    assert [p["amount"] for p in api.get(f"/api/v1/payments?invoice_id={invoice.id}").get_json()["items"]] == [
        rest,
        "100.00",
    ]


def test_referente_sees_only_own_issued_invoices(api_as, issued, make_agreement, make_user, finance):
    mine = issued()
    other = issued()
    from crm.models import Organization

    org = db.session.get(Organization, mine.organization_id)
    draft_agreement = make_agreement(
        org=org, code="CONV-DRAFT", start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31)
    )
    draft = services.create_annual_draft(terms=services.sources.get_agreement(draft_agreement.id), year=2025)
    db.session.commit()
    api = api_as(user=make_user("referente", organization=org))
    ids = [i["id"] for i in api.get("/api/v1/invoices").get_json()["items"]]
    assert ids == [mine.id]
    assert api.get(f"/api/v1/invoices/{other.id}").status_code == 404
    assert api.get(f"/api/v1/invoices/{draft.id}").status_code == 404
    assert api.get(f"/api/v1/invoices/{mine.id}/notice").status_code == 200
    assert api.post(f"/api/v1/invoices/{draft.id}/issue").status_code == 403
    assert (
        api.post(
            "/api/v1/payments",
            json={"invoice_id": mine.id, "amount": "1.00", "paid_on": "2026-03-01", "method": "pagopa"},
        ).status_code
        == 403
    )
    assert api.get("/api/v1/billing/runs").status_code == 403


def test_api_run_dry_run_then_job(api_as, make_agreement, finance, run_jobs):
    make_agreement()
    api = api_as(user=finance)
    dry = api.post("/api/v1/billing/runs", json={"year": 2026, "dry_run": True}).get_json()
    assert [i["state"] for i in dry["items"]] == ["new"] and isinstance(dry["items"][0]["total"], str)
    run = api.post("/api/v1/billing/runs", json={"year": 2026})
    assert run.status_code == 202
    run_jobs()
    got = api.get(f"/api/v1/billing/runs/{run.get_json()['id']}").get_json()
    assert (got["status"], got["created_count"]) == ("done", 1)
    assert api.post("/api/v1/billing/runs", json={"year": 1900}).status_code == 422
    assert api.get("/api/v1/billing/preview?year=2026").get_json()["items"][0]["state"] == "billed"


def test_exports_csv_and_xlsx(issued, login_as, client, finance):
    invoice = issued()
    from billing import collections

    collections.register_payment(
        invoice_id=invoice.id, amount="10.00", paid_on="2026-03-01", method="bonifico", actor=finance
    )
    login_as("finance")
    csv_text = client.get("/ragioneria/esporta/fatture.csv").get_data(as_text=True)
    assert invoice.number in csv_text and f"{invoice.total:.2f}" in csv_text
    xlsx = client.get("/ragioneria/esporta/incassi.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(ws.values)
    assert rows[0][0] == "data" and rows[1][3] == invoice.number and float(rows[1][1]) == 10.0
    assert client.get("/ragioneria/esporta/altro.csv").status_code == 404


def test_invoice_list_ente_filter_follows_new_and_renamed_enti(make_org, login_as, client):
    from crm.services import update_organization

    first = make_org(name="Comune di Altamura")
    login_as("finance")
    page = client.get(f"/ragioneria/fatture?organization_id={first.id}").get_data(as_text=True)
    assert f'<option value="{first.id}" selected>Comune di Altamura</option>' in page
    second = make_org(name="Comune di Bitonto & Uniti")
    update_organization(organization_id=first.id, name="Comune di Altamura Nuova")
    page = client.get("/ragioneria/fatture").get_data(as_text=True)
    assert "Comune di Bitonto &amp; Uniti" in page and f'value="{second.id}"' in page
    assert "Comune di Altamura Nuova" in page and f'value="{first.id}" selected' not in page

"""The finance pages of the SDI: timeline on the invoice page, problems page, uploads."""

from __future__ import annotations

import io

from tests.billing.sdi_files import sample
from tests.billing.test_fdr import flow_xml


def test_rejection_shows_on_the_invoice_page_and_the_dashboard(issued, login_as, client, get_csrf):
    invoice = issued()
    login_as("finance")
    token = get_csrf(f"/ragioneria/fatture/{invoice.id}")
    answer = client.post(
        "/ragioneria/sdi/notifiche",
        data={"csrf_token": token, "file": (io.BytesIO(sample("NS_001")), "IT80000110728_00001_NS_001.xml")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    page = client.get(f"/ragioneria/fatture/{invoice.id}").get_data(as_text=True)
    assert "Scartata" in page and "00311" in page and "CodiceDestinatario non valido" in page
    assert "Correggi e ritrasmetti" in page
    problems = client.get("/ragioneria/sdi").get_data(as_text=True)
    assert invoice.number in problems
    dashboard = client.get("/ragioneria/").get_data(as_text=True)
    assert 'data-testid="sdi-problem-count">1<' in dashboard
    token = get_csrf(f"/ragioneria/fatture/{invoice.id}")
    client.post(f"/ragioneria/fatture/{invoice.id}/sdi/ritrasmetti", data={"csrf_token": token})
    page = client.get(f"/ragioneria/fatture/{invoice.id}").get_data(as_text=True)
    assert "IT80000110728_00002.xml" in page and "Da trasmettere" in page
    pdf = client.get(f"/ragioneria/fatture/{invoice.id}/avviso.pdf")
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"


def test_flow_upload_page(issued, login_as, client, get_csrf):
    invoice = issued()
    login_as("finance")
    token = get_csrf("/ragioneria/sdi")
    body = flow_xml("FLOW-1", [(invoice.iuv, "R1", "10.00"), ("X1", "R2", "5.00")])
    answer = client.post(
        "/ragioneria/incassi/flussi",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(body), "f.xml"),
        },
        content_type="multipart/form-data",
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and f"IUV {invoice.iuv}" in text and "IUV X1" in text

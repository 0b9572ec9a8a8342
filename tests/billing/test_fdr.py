"""pagoPA flussi di rendicontazione: matched by IUV, recorded once per flow, unmatched queued."""

from __future__ import annotations

import decimal
import re

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import Invalid
from app.extensions import db
from billing import fdr


def flow_xml(flow_id: str, lines: list[tuple[str, str, str]]) -> bytes:
    """A FlussoRiversamento (pagoPA SANP) with one datiSingoliPagamenti per (IUV, IUR, amount)."""
    total = sum((decimal.Decimal(a) for _, _, a in lines if re.fullmatch(r"[0-9]+(\.[0-9]+)?", a)), decimal.Decimal(0))
    items = "".join(
        f"""
  <datiSingoliPagamenti>
    <identificativoUnivocoVersamento>{iuv}</identificativoUnivocoVersamento>
    <identificativoUnivocoRiscossione>{iur}</identificativoUnivocoRiscossione>
    <indiceDatiSingoloPagamento>1</indiceDatiSingoloPagamento>
    <singoloImportoPagato>{amount}</singoloImportoPagato>
    <codiceEsitoSingoloPagamento>0</codiceEsitoSingoloPagamento>
    <dataEsitoSingoloPagamento>2026-03-02</dataEsitoSingoloPagamento>
  </datiSingoliPagamenti>"""
        for iuv, iur, amount in lines
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<FlussoRiversamento xmlns="http://www.digitpa.gov.it/schemas/2011/Pagamenti/">
  <versioneOggetto>1.0</versioneOggetto>
  <identificativoFlusso>{flow_id}</identificativoFlusso>
  <dataOraFlusso>2026-03-03T08:00:00</dataOraFlusso>
  <identificativoUnivocoRegolamento>BI-20260303-0001</identificativoUnivocoRegolamento>
  <dataRegolamento>2026-03-03</dataRegolamento>
  <istitutoMittente>
    <identificativoUnivocoMittente><tipoIdentificativoUnivoco>B</tipoIdentificativoUnivoco>
    <codiceIdentificativoUnivoco>UNCRITMMXXX</codiceIdentificativoUnivoco></identificativoUnivocoMittente>
    <denominazioneMittente>Banca di test</denominazioneMittente>
  </istitutoMittente>
  <codiceBicBancaDiRiversamento>UNCRITMMXXX</codiceBicBancaDiRiversamento>
  <istitutoRicevente>
    <identificativoUnivocoRicevente><tipoIdentificativoUnivoco>G</tipoIdentificativoUnivoco>
    <codiceIdentificativoUnivoco>80000110728</codiceIdentificativoUnivoco></identificativoUnivocoRicevente>
  </istitutoRicevente>
  <numeroTotalePagamenti>{len(lines)}</numeroTotalePagamenti>
  <importoTotalePagamenti>{total}</importoTotalePagamenti>{items}
</FlussoRiversamento>""".encode()


def test_a_flow_records_each_payment_once(issued, api_as):
    first, second = issued(), issued()
    api = api_as("finance")
    body = flow_xml(
        "2026-03-03UNCRITMM-S0001",
        [
            (first.iuv, "IUR0001", "100.00"),
            (second.iuv, "IUR0002", str(second.amount_due)),
            ("01999999999999999", "IUR0003", "12.50"),
        ],
    )
    post = lambda: api.client.post(  # noqa: E731
        "/api/v1/payments/import-fdr", data=body, headers={**api.headers, "Content-Type": "application/xml"}
    )
    answer = post()
    assert answer.status_code == 200, answer.json
    assert answer.json["flow_id"] == "2026-03-03UNCRITMM-S0001"
    assert answer.json["matched"] == [
        {"iuv": first.iuv, "invoice_id": first.id, "amount": "100.00"},
        {"iuv": second.iuv, "invoice_id": second.id, "amount": f"{second.amount_due:.2f}"},
    ]
    assert answer.json["unmatched"] == [{"iuv": "01999999999999999", "amount": "12.50"}]
    again = post()
    assert again.status_code == 200 and again.json["already_imported"] is True
    from billing.models import Payment, UnmatchedPayment

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnmatchedPayment)) == 1
    assert api.get(f"/api/v1/invoices/{second.id}").json["status"] == "paid"
    assert api.get(f"/api/v1/invoices/{first.id}").json["paid_total"] == "100.00"


def test_bad_flows_are_422_and_roles(api_as):
    api = api_as("finance")
    headers = {**api.headers, "Content-Type": "application/xml"}
    bad = api.client.post("/api/v1/payments/import-fdr", data=b"<FatturaElettronica/>", headers=headers)
    assert bad.status_code == 422 and "file" in bad.json["error"]["fields"]
    wrong = flow_xml("F1", [("123", "R", "abc")])
    assert api.client.post("/api/v1/payments/import-fdr", data=wrong, headers=headers).status_code == 422
    op = api_as("operator")
    assert (
        op.client.post("/api/v1/payments/import-fdr", data=flow_xml("F2", []), headers={**op.headers}).status_code
        == 403
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.lists(st.tuples(st.text(max_size=40), st.text(max_size=10), st.text(max_size=12)), max_size=3).map(
            lambda ls: flow_xml("F", [tuple(x.replace("<", "").replace("&", "") for x in t) for t in ls])
        ),
        st.tuples(st.integers(0, 1500), st.integers(0, 40), st.text(max_size=10)).map(
            lambda t: (lambda b: b[: t[0]] + t[2].encode() + b[t[0] + t[1] :])(flow_xml("F", [("1", "R", "1.00")]))
        ),
    )
)
def test_parser_gives_a_flow_or_invalid(data):
    try:
        flow = fdr.parse(data)
    except Invalid as exc:
        assert exc.fields
    else:
        assert flow.flow_id and all(line.amount >= 0 for line in flow.lines)

"""FatturaPA XML: fields, totals, namespaces; valid against the official FPA12 1.2.3 schema."""

from __future__ import annotations

import decimal

import pytest
from lxml import etree

from app.errors import Conflict
from app.extensions import db
from billing import fatturapa, services

D = decimal.Decimal
NS = {"p": fatturapa.NS}


def _xml(invoice) -> etree._Element:
    xml = fatturapa.build(invoice, services.seller())
    assert fatturapa.validate(xml) == []
    return etree.fromstring(xml)


def test_fattura_is_valid_fpa12_with_split_payment_and_pagopa(issued, app):
    invoice = issued(cig="ZA12345678", cup="J51B21000010001")
    doc = _xml(invoice)
    assert doc.tag == f"{{{fatturapa.NS}}}FatturaElettronica" and doc.get("versione") == "FPA12"
    assert doc.findtext("FatturaElettronicaHeader/DatiTrasmissione/FormatoTrasmissione") == "FPA12"
    assert doc.findtext("FatturaElettronicaHeader/DatiTrasmissione/CodiceDestinatario") == invoice.recipient["sdi_code"]
    assert (
        doc.findtext("FatturaElettronicaHeader/CedentePrestatore/DatiAnagrafici/CodiceFiscale")
        == app.config["CENTER_FISCAL_CODE"]
    )
    assert doc.findtext("FatturaElettronicaHeader/CessionarioCommittente/DatiAnagrafici/CodiceFiscale") == "80015010723"
    gen = doc.find("FatturaElettronicaBody/DatiGenerali/DatiGeneraliDocumento")
    assert (gen.findtext("TipoDocumento"), gen.findtext("Numero"), gen.findtext("Data")) == (
        "TD01",
        invoice.number,
        "2026-02-01",
    )
    assert D(gen.findtext("ImportoTotaleDocumento")) == invoice.total
    rie = doc.findall("FatturaElettronicaBody/DatiBeniServizi/DatiRiepilogo")
    assert [(r.findtext("AliquotaIVA"), r.findtext("EsigibilitaIVA")) for r in rie] == [("22.00", "S")]
    assert (
        D(rie[0].findtext("ImponibileImporto")) == invoice.net_total
        and D(rie[0].findtext("Imposta")) == invoice.vat_total
    )
    lines = doc.findall("FatturaElettronicaBody/DatiBeniServizi/DettaglioLinee")
    assert sum(D(x.findtext("PrezzoTotale")) for x in lines) == invoice.net_total
    pay = doc.find("FatturaElettronicaBody/DatiPagamento/DettaglioPagamento")
    assert pay.findtext("ModalitaPagamento") == "MP23"
    assert pay.findtext("CodicePagamento") == invoice.notice_code
    assert D(pay.findtext("ImportoPagamento")) == invoice.net_total  # split payment: VAT goes to the Treasury
    conv = doc.find("FatturaElettronicaBody/DatiGenerali/DatiConvenzione")
    assert (conv.findtext("CodiceCIG"), conv.findtext("CodiceCUP")) == ("ZA12345678", "J51B21000010001")


def test_fattura_outside_vat_has_natura_and_virtual_stamp(make_agreement, finance):
    a = make_agreement(fee_per_inhabitant=D("0"))
    draft = services.create_annual_draft(terms=services.sources.get_agreement(a.id), year=2026)
    for line in draft.lines:  # a convenzione for an exempt service (training, N4)
        line.vat_rate, line.vat_nature = D("0"), "N4"
    services._set_totals(draft)
    db.session.commit()
    invoice = services.issue_invoice(invoice_id=draft.id, actor=finance)
    assert invoice.vat_total == D("0.00") and invoice.stamp_duty == D("2.00")
    doc = _xml(invoice)
    bollo = doc.find("FatturaElettronicaBody/DatiGenerali/DatiGeneraliDocumento/DatiBollo")
    assert (bollo.findtext("BolloVirtuale"), bollo.findtext("ImportoBollo")) == ("SI", "2.00")
    rie = doc.find("FatturaElettronicaBody/DatiBeniServizi/DatiRiepilogo")
    assert (rie.findtext("AliquotaIVA"), rie.findtext("Natura")) == ("0.00", "N4")
    assert rie.findtext("EsigibilitaIVA") is None and rie.findtext("RiferimentoNormativo")


def test_credit_note_is_td04_linked_to_the_invoice(issued, finance):
    invoice = issued()
    note = services.create_credit_note(invoice_id=invoice.id, actor=finance, reason="errore")
    doc = _xml(note)
    assert doc.findtext("FatturaElettronicaBody/DatiGenerali/DatiGeneraliDocumento/TipoDocumento") == "TD04"
    assert doc.findtext("FatturaElettronicaBody/DatiGenerali/DatiFattureCollegate/IdDocumento") == invoice.number
    assert doc.find("FatturaElettronicaBody/DatiPagamento") is None


def test_richiesta_di_pagamento_and_drafts_have_no_fatturapa(issued, make_agreement, finance):
    rp = issued(billing_document="richiesta_pagamento")
    with pytest.raises(Conflict):
        fatturapa.build(rp, services.seller())
    a = make_agreement()
    draft = services.create_annual_draft(terms=services.sources.get_agreement(a.id), year=2026)
    db.session.commit()
    with pytest.raises(Conflict):
        fatturapa.build(draft, services.seller())


def test_validator_catches_broken_totals(issued):
    xml = fatturapa.build(issued(), services.seller())
    broken = xml.replace(b"<CodiceDestinatario>", b"<CodiceDestinatario>X")
    assert any("CodiceDestinatario" in p for p in fatturapa.validate(broken))
    doc = etree.fromstring(xml)
    doc.find("FatturaElettronicaBody/DatiBeniServizi/DatiRiepilogo/Imposta").text = "1.00"
    assert any("00421" in p for p in fatturapa.validate(etree.tostring(doc)))


def test_a38_semantic_validation_passes(issued, finance):
    """a38 models FatturaPA and applies its semantic checks (UnitaMisura with Quantita, totals…)."""
    from a38 import fattura as a38_fattura
    from a38 import validation
    from defusedxml import ElementTree as ET

    invoice = issued(cig="ZA12345678", cup="J51B21000010001")
    note = services.create_credit_note(invoice_id=invoice.id, actor=finance)
    for doc in (invoice, note):
        parsed = a38_fattura.auto_from_etree(ET.fromstring(fatturapa.build(doc, services.seller())))
        checks = validation.Validation()
        parsed.validate(checks)
        assert [str(e) for e in checks.errors] == []
        assert parsed.fattura_elettronica_header.dati_trasmissione.codice_destinatario == invoice.recipient["sdi_code"]

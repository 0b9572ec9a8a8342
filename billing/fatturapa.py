"""FatturaPA 1.2 (FPA12) XML of an issued fattura or credit note, and its validation.

The document follows the Agenzia delle Entrate specification 1.2.x: the center as seller
(CedentePrestatore), the ente as buyer with its codice univoco ufficio as CodiceDestinatario, split
payment (EsigibilitaIVA "S") for public administrations, lines outside VAT with AliquotaIVA 0 and a
Natura, virtual stamp duty when due, pagoPA as payment method (MP23) with the notice code, and the
convenzione's CIG/CUP in DatiConvenzione. ``validate`` checks it against the official 1.2.3 XSD
bundled in ``billing/schemas`` plus the semantic rules SDI applies that a schema cannot express.
"""

from __future__ import annotations

import decimal
import functools
from pathlib import Path
from typing import Any

from lxml import etree

from app.errors import Conflict
from billing import fees
from billing.models import DocumentKind, DocumentType, Invoice, InvoiceStatus

NS = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
DS = "http://www.w3.org/2000/09/xmldsig#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_DIR = Path(__file__).parent / "schemas"
D = decimal.Decimal

# What each Natura means in RiferimentoNormativo (required by SDI when a Natura is given).
NATURA_TEXT = {
    "N1": "Escluse ex art. 15 DPR 633/72",
    "N2.1": "Non soggette ad IVA ai sensi degli artt. da 7 a 7-septies del DPR 633/72",
    "N2.2": "Non soggette - operazione fuori campo IVA tra enti pubblici (art. 4 DPR 633/72)",
    "N3.6": "Non imponibili - altre operazioni",
    "N4": "Esenti ex art. 10 DPR 633/72",
    "N6.9": "Inversione contabile - altri casi",
}


UNITS = {"fixed": "anno", "per_inhabitant": "anno", "service": "anno", "extra_hours": "ore"}


def _text(parent: etree._Element, tag: str, value: Any) -> etree._Element:
    el = etree.SubElement(parent, tag)
    el.text = str(value)
    return el


def _amount(value: Any, places: int = 2) -> str:
    q = D(1).scaleb(-places)
    return str(D(value).quantize(q, rounding=decimal.ROUND_HALF_UP))


def _latin(value: str | None, limit: int) -> str:
    """The schema's *LatinType strings: Basic Latin and Latin-1 only, trimmed to the limit."""
    text = (value or "").replace("—", "-").replace("–", "-").replace("’", "'").replace("×", "x").replace("€", "EUR")
    text = "".join(ch if ord(ch) < 256 else "?" for ch in text)
    return " ".join(text.split())[:limit] or "-"


def build(invoice: Invoice, seller: dict[str, str], transmission_id: str | None = None) -> bytes:
    """The XML of an issued fattura (or its credit note). A richiesta di pagamento is not a fattura: 409."""
    if invoice.kind != DocumentKind.FATTURA:
        raise Conflict("una richiesta di pagamento non è una fattura elettronica: nessun XML FatturaPA")
    if invoice.status == InvoiceStatus.DRAFT or not invoice.number:
        raise Conflict("la FatturaPA si genera solo per documenti emessi")
    buyer = invoice.recipient or {}
    root = etree.Element(
        f"{{{NS}}}FatturaElettronica", nsmap={"p": NS, "ds": DS, "xsi": XSI}, attrib={"versione": "FPA12"}
    )
    root.set(
        f"{{{XSI}}}schemaLocation",
        f"{NS} http://www.fatturapa.gov.it/export/fatturazione/sdi/fatturapa/v1.2/Schema_del_file_xml_FatturaPA_versione_1.2.xsd",
    )
    header = etree.SubElement(root, "FatturaElettronicaHeader")

    dt_ = etree.SubElement(header, "DatiTrasmissione")
    idt = etree.SubElement(dt_, "IdTrasmittente")
    _text(idt, "IdPaese", "IT")
    _text(idt, "IdCodice", seller["fiscal_code"] or seller["vat_number"])
    _text(dt_, "ProgressivoInvio", (transmission_id or f"{invoice.id:05d}")[:10])
    _text(dt_, "FormatoTrasmissione", "FPA12")
    _text(dt_, "CodiceDestinatario", (buyer.get("sdi_code") or "").upper())

    ced = etree.SubElement(header, "CedentePrestatore")
    da = etree.SubElement(ced, "DatiAnagrafici")
    if seller.get("vat_number"):
        iva = etree.SubElement(da, "IdFiscaleIVA")
        _text(iva, "IdPaese", "IT")
        _text(iva, "IdCodice", seller["vat_number"])
    if seller.get("fiscal_code"):
        _text(da, "CodiceFiscale", seller["fiscal_code"])
    ana = etree.SubElement(da, "Anagrafica")
    _text(ana, "Denominazione", _latin(seller["name"], 80))
    _text(da, "RegimeFiscale", "RF01")
    _sede(ced, seller)

    ces = etree.SubElement(header, "CessionarioCommittente")
    da = etree.SubElement(ces, "DatiAnagrafici")
    if buyer.get("vat_number"):
        iva = etree.SubElement(da, "IdFiscaleIVA")
        _text(iva, "IdPaese", "IT")
        _text(iva, "IdCodice", buyer["vat_number"])
    if buyer.get("fiscal_code"):
        _text(da, "CodiceFiscale", buyer["fiscal_code"])
    ana = etree.SubElement(da, "Anagrafica")
    _text(ana, "Denominazione", _latin(buyer.get("name"), 80))
    _sede(ces, buyer)

    body = etree.SubElement(root, "FatturaElettronicaBody")
    gen = etree.SubElement(body, "DatiGenerali")
    doc = etree.SubElement(gen, "DatiGeneraliDocumento")
    _text(doc, "TipoDocumento", "TD04" if invoice.doc_type == DocumentType.CREDIT_NOTE else "TD01")
    _text(doc, "Divisa", "EUR")
    _text(doc, "Data", invoice.issue_date.isoformat() if invoice.issue_date else "")
    _text(doc, "Numero", invoice.number)
    if invoice.stamp_duty and invoice.stamp_duty > 0:
        bollo = etree.SubElement(doc, "DatiBollo")
        _text(bollo, "BolloVirtuale", "SI")
        _text(bollo, "ImportoBollo", _amount(invoice.stamp_duty))
    _text(doc, "ImportoTotaleDocumento", _amount(invoice.total))
    causale = _latin(invoice.description, 1000)
    for i in range(0, len(causale), 200):
        _text(doc, "Causale", causale[i : i + 200])
    if invoice.agreement_code or invoice.cig or invoice.cup:
        conv = etree.SubElement(gen, "DatiConvenzione")
        _text(conv, "IdDocumento", _latin(invoice.agreement_code or "convenzione", 20))
        if invoice.cup:
            _text(conv, "CodiceCUP", invoice.cup)
        if invoice.cig:
            _text(conv, "CodiceCIG", invoice.cig)
    if invoice.doc_type == DocumentType.CREDIT_NOTE and invoice.credit_of_id:
        from app.extensions import db

        original = db.session.get(Invoice, invoice.credit_of_id)
        if original is not None and original.number:
            linked = etree.SubElement(gen, "DatiFattureCollegate")
            _text(linked, "IdDocumento", original.number)
            if original.issue_date:
                _text(linked, "Data", original.issue_date.isoformat())

    goods = etree.SubElement(body, "DatiBeniServizi")
    for n, line in enumerate(invoice.lines, start=1):
        det = etree.SubElement(goods, "DettaglioLinee")
        _text(det, "NumeroLinea", n)
        _text(det, "Descrizione", _latin(line.description, 1000))
        _text(det, "Quantita", _amount(line.quantity))
        _text(det, "UnitaMisura", UNITS.get(line.code.split(":")[0], "n."))
        if invoice.period_start and invoice.period_end and line.code != "manual":
            _text(det, "DataInizioPeriodo", invoice.period_start.isoformat())
            _text(det, "DataFinePeriodo", invoice.period_end.isoformat())
        _text(
            det,
            "PrezzoUnitario",
            _amount(line.unit_price, 4 if D(line.unit_price) != D(line.unit_price).quantize(D("0.01")) else 2),
        )
        _text(det, "PrezzoTotale", _amount(line.amount))
        _text(det, "AliquotaIVA", _amount(line.vat_rate))
        if line.vat_nature:
            _text(det, "Natura", line.vat_nature)
    for s in fees.vat_summary(invoice.lines):
        rie = etree.SubElement(goods, "DatiRiepilogo")
        _text(rie, "AliquotaIVA", _amount(s.vat_rate))
        if s.vat_nature:
            _text(rie, "Natura", s.vat_nature)
        _text(rie, "ImponibileImporto", _amount(s.taxable))
        _text(rie, "Imposta", _amount(s.tax))
        if s.vat_nature:
            _text(rie, "RiferimentoNormativo", _latin(NATURA_TEXT.get(s.vat_nature, "Operazione non soggetta"), 100))
        else:
            _text(rie, "EsigibilitaIVA", "S" if invoice.split_payment else "I")

    if invoice.doc_type == DocumentType.INVOICE:
        pay = etree.SubElement(body, "DatiPagamento")
        _text(pay, "CondizioniPagamento", "TP02")
        det = etree.SubElement(pay, "DettaglioPagamento")
        _text(det, "Beneficiario", _latin(seller["name"], 200))
        _text(det, "ModalitaPagamento", "MP23" if invoice.notice_code else "MP05")
        if invoice.due_date:
            _text(det, "DataScadenzaPagamento", invoice.due_date.isoformat())
        _text(det, "ImportoPagamento", _amount(invoice.amount_due))
        if seller.get("iban"):
            _text(det, "IBAN", seller["iban"].replace(" ", ""))
        if invoice.notice_code:
            _text(det, "CodicePagamento", invoice.notice_code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _sede(parent: etree._Element, who: dict[str, Any]) -> None:
    sede = etree.SubElement(parent, "Sede")
    _text(sede, "Indirizzo", _latin(who.get("address") or "-", 60))
    _text(
        sede,
        "CAP",
        who.get("zip_code") if (who.get("zip_code") or "").isdigit() and len(who["zip_code"]) == 5 else "00000",
    )
    _text(sede, "Comune", _latin(who.get("city") or who.get("name"), 60))
    if who.get("province") and len(who["province"]) == 2:
        _text(sede, "Provincia", who["province"].upper())
    _text(sede, "Nazione", "IT")


@functools.cache
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    doc = etree.parse(str(SCHEMA_DIR / "FatturaPA_FPA12_v1.2.3.xsd"), parser)
    return etree.XMLSchema(doc)


def validate(xml: bytes) -> list[str]:
    """Problems found by the official XSD and by SDI's semantic checks; empty when the file is good."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    doc = etree.fromstring(xml, parser)
    xsd = schema()
    problems = [] if xsd.validate(doc) else [f"XSD riga {e.line}: {e.message}" for e in xsd.error_log]
    return problems + _semantic_checks(doc)


def _semantic_checks(doc: etree._Element) -> list[str]:
    """The SDI controls (00xxx codes) that matter for what Presidio writes."""
    problems = []
    for body in doc.iter("FatturaElettronicaBody"):
        lines = body.findall("DatiBeniServizi/DettaglioLinee")
        for line in lines:
            qty = D(line.findtext("Quantita") or "1")
            price = D(line.findtext("PrezzoUnitario"))
            total = D(line.findtext("PrezzoTotale"))
            if abs(qty * price - total) > D("0.01"):
                problems.append(
                    f"00423: linea {line.findtext('NumeroLinea')}: PrezzoTotale diverso da Quantita x PrezzoUnitario"
                )
            rate = D(line.findtext("AliquotaIVA"))
            natura = line.findtext("Natura")
            if rate == 0 and not natura:
                problems.append("00400: aliquota zero senza Natura")
            if rate != 0 and natura:
                problems.append("00401: Natura con aliquota diversa da zero")
        summaries = body.findall("DatiBeniServizi/DatiRiepilogo")
        by_key: dict[tuple[str, str | None], D] = {}
        for line in lines:
            key = (line.findtext("AliquotaIVA"), line.findtext("Natura"))
            by_key[key] = by_key.get(key, D("0")) + D(line.findtext("PrezzoTotale"))
        total_doc = D("0")
        for s in summaries:
            key = (s.findtext("AliquotaIVA"), s.findtext("Natura"))
            taxable = D(s.findtext("ImponibileImporto"))
            tax = D(s.findtext("Imposta"))
            if abs(by_key.get(key, D("0")) - taxable) > D("0.01"):
                problems.append(f"00422: imponibile del riepilogo {key} diverso dalla somma delle linee")
            if abs(fees.money(taxable * D(key[0]) / 100) - tax) > D("0.01"):
                problems.append(f"00421: imposta del riepilogo {key} non coerente con l'aliquota")
            if key[1] and s.findtext("EsigibilitaIVA") == "S":
                problems.append("00420: split payment con operazione senza imposta")
            if key[1] and not s.findtext("RiferimentoNormativo"):
                problems.append("riepilogo con Natura senza RiferimentoNormativo")
            total_doc += taxable + tax
        declared = body.findtext("DatiGenerali/DatiGeneraliDocumento/ImportoTotaleDocumento")
        if declared is not None and abs(D(declared) - total_doc) > D("0.01"):
            problems.append("ImportoTotaleDocumento diverso da imponibile + imposta")
        if set(by_key) - {(s.findtext("AliquotaIVA"), s.findtext("Natura")) for s in summaries}:
            problems.append("00419: manca un DatiRiepilogo per un'aliquota delle linee")
    dest = doc.findtext("FatturaElettronicaHeader/DatiTrasmissione/CodiceDestinatario") or ""
    if len(dest) != 6:
        problems.append("00427: CodiceDestinatario di 6 caratteri per FPA12")
    return problems


def filename(invoice: Invoice, seller: dict[str, str]) -> str:
    """``IT<id>_<progressive>.xml`` as SDI names files."""
    if invoice.sdi_file_name:
        return invoice.sdi_file_name
    return f"IT{seller['vat_number'] or seller['fiscal_code']}_{invoice.id:05d}.xml"

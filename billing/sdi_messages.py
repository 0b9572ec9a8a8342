"""SDI notification files (MessaggiTypes v1.x, namespace ``http://www.fatturapa.gov.it/sdi/messaggi/v1.0``):
reading them safely, signed (``.xml.p7m``, CAdES) or not, and what their error codes mean.

Outside data: every failure is ``Invalid`` (422), never an exception of the parser.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import re
from typing import Any

from lxml import etree

from app.errors import Invalid

NS = "http://www.fatturapa.gov.it/sdi/messaggi/v1.0"
MAX_BYTES = 5 * 1024 * 1024

# Root element -> the short name the SDI uses in its file names (IT…_<prog>_RC_001.xml).
TYPES = {
    "RicevutaConsegna": "RC",
    "NotificaScarto": "NS",
    "NotificaMancataConsegna": "MC",
    "NotificaEsito": "NE",
    "NotificaDecorrenzaTermini": "DT",
    "AttestazioneTrasmissioneFattura": "AT",
}

# The common codes of a NotificaScarto, with their meaning (SDI technical specifications, "elenco
# controlli"). The notification carries its own Descrizione too: both are shown.
ERROR_CODES = {
    "00001": "Nome file non valido",
    "00002": "Nome file duplicato",
    "00003": "Le dimensioni del file superano quelle ammesse",
    "00100": "Certificato di firma scaduto",
    "00101": "Certificato di firma revocato",
    "00102": "File non integro (firma non valida)",
    "00103": "La firma digitale apposta manca del riferimento temporale",
    "00104": "La CA che ha emesso il certificato di firma non è tra le CA certificate",
    "00105": "Il riferimento temporale della firma digitale non è coerente",
    "00106": "File o archivio vuoto o corrotto",
    "00107": "Il certificato di firma non è valido",
    "00200": "File non conforme al formato",
    "00201": "Superato il numero massimo di errori di formato",
    "00300": "IdCodice del trasmittente non valido",
    "00301": "IdCodice del cedente/prestatore non valido",
    "00303": "IdCodice o CodiceFiscale del rappresentante fiscale non valido",
    "00305": "IdCodice del cessionario/committente non valido",
    "00306": "CodiceFiscale del cessionario/committente non valido",
    "00311": "CodiceDestinatario non valido",
    "00312": "CodiceDestinatario non attivo",
    "00313": "IdFiscaleIVA del cessionario/committente non ammesso",
    "00400": "Natura non presente a fronte di AliquotaIVA pari a zero",
    "00401": "Natura presente a fronte di AliquotaIVA diversa da zero",
    "00403": "Data della fattura successiva alla data di ricezione",
    "00404": "Fattura duplicata",
    "00409": "Fattura duplicata nel lotto",
    "00411": "DatiRitenuta non presente a fronte di righe con Ritenuta SI",
    "00417": "IdFiscaleIVA e CodiceFiscale del cessionario/committente non valorizzati",
    "00418": "Data antecedente alla data del documento collegato",
    "00419": "DatiRiepilogo non presente per un valore di AliquotaIVA",
    "00420": "EsigibilitaIVA S (scissione dei pagamenti) con Natura N6",
    "00421": "Imposta non calcolata secondo le regole delle specifiche tecniche",
    "00422": "ImponibileImporto non calcolato secondo le regole delle specifiche tecniche",
    "00423": "PrezzoTotale non calcolato secondo le regole delle specifiche tecniche",
    "00424": "AliquotaIVA non indicata in termini percentuali",
    "00425": "Numero della fattura senza caratteri numerici",
    "00427": "CodiceDestinatario non coerente con il FormatoTrasmissione",
    "00428": "FormatoTrasmissione non coerente con l'attributo versione",
    "00429": "Natura non presente a fronte di AliquotaIVA pari a zero nel riepilogo",
    "00430": "Natura presente a fronte di AliquotaIVA diversa da zero nel riepilogo",
    "00433": "Natura nel riepilogo non coerente con le righe",
    "00437": "Percentuale o Importo della ritenuta non coerenti",
    "00471": "Tipo documento non ammesso per il cedente coincidente con il cessionario",
    "00476": "Documento non ammesso: cedente e cessionario non possono coincidere",
}


def error_meaning(code: str) -> str:
    return ERROR_CODES.get((code or "").strip(), "codice non in tabella")


@dataclasses.dataclass
class Notification:
    type: str  # RC, NS, MC, NE, DT, AT
    file_name: str  # NomeFile: the invoice file it is about
    sdi_identifier: str
    message_id: str
    xml: str
    digest: str
    detail: dict[str, Any]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
    )


def unwrap_p7m(data: bytes) -> bytes:
    """The signed content of a CAdES envelope (DER, or the same in base64 as some mailboxes send it)."""
    from asn1crypto import cms

    der = data
    if data[:1] != b"\x30":
        text = re.sub(rb"-----[^-]+-----|\s", b"", data)
        try:
            der = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise Invalid("file firmato non leggibile", {"file": ["né DER né base64"]}) from exc
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        content = info["content"]["encap_content_info"]["content"].native
    except Exception as exc:  # asn1crypto raises many types on bad input
        raise Invalid("file firmato non leggibile", {"file": ["busta CAdES non valida"]}) from exc
    if not isinstance(content, bytes) or not content:
        raise Invalid("file firmato senza contenuto", {"file": ["contenuto firmato assente"]})
    return content


def looks_signed(data: bytes, filename: str = "") -> bool:
    if (filename or "").lower().endswith(".p7m"):
        return True
    head = data.lstrip()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    return data[:1] == b"\x30" or (bool(head) and head[:1] != b"<")


def _text(node: Any, tag: str) -> str:
    found = node.find(tag)
    return (found.text or "").strip() if found is not None and found.text else ""


def parse(data: bytes | str, filename: str = "") -> Notification:
    """Read one SDI notification (plain XML or ``.p7m``); ``Invalid`` when it is not one."""
    raw = data.encode() if isinstance(data, str) else bytes(data or b"")
    if not raw.strip():
        raise Invalid("file vuoto", {"file": ["nessun contenuto"]})
    if len(raw) > MAX_BYTES:
        raise Invalid("file troppo grande", {"file": ["oltre 5 MB"]})
    if looks_signed(raw, filename):
        raw = unwrap_p7m(raw)
    try:
        root = etree.fromstring(raw, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Invalid("non è un file XML", {"file": ["XML non leggibile"]}) from exc
    if not isinstance(root.tag, str):
        raise Invalid("non è una notifica SDI", {"file": ["elemento radice mancante"]})
    qname = etree.QName(root)
    if qname.namespace != NS or qname.localname not in TYPES:
        raise Invalid("non è una notifica SDI", {"file": [f"elemento radice {qname.localname} non previsto"]})
    kind = TYPES[qname.localname]
    file_name = _text(root, "NomeFile")
    if not file_name:
        raise Invalid("notifica senza NomeFile", {"NomeFile": ["obbligatorio"]})
    detail: dict[str, Any] = {"message_id": _text(root, "MessageId")}
    for tag, key in (
        ("DataOraRicezione", "received_at"),
        ("DataOraConsegna", "delivered_at"),
        ("Descrizione", "description"),
        ("Note", "note"),
    ):
        value = _text(root, tag)
        if value:
            detail[key] = value
    if kind == "NS":
        detail["errors"] = [
            {
                "code": _text(err, "Codice"),
                "description": _text(err, "Descrizione"),
                "meaning": error_meaning(_text(err, "Codice")),
                "suggestion": _text(err, "Suggerimento"),
            }
            for err in root.findall("ListaErrori/Errore")
        ]
    if kind == "NE":
        outcome = root.find("EsitoCommittente")
        esito = _text(outcome, "Esito") if outcome is not None else ""
        if esito not in ("EC01", "EC02"):
            raise Invalid("NotificaEsito senza Esito EC01/EC02", {"Esito": ["EC01 o EC02"]})
        detail["outcome"] = esito
        if outcome is not None and _text(outcome, "Descrizione"):
            detail["description"] = _text(outcome, "Descrizione")
    xml = raw.decode("utf-8", errors="replace")
    return Notification(
        type=kind,
        file_name=file_name[:120],
        sdi_identifier=_text(root, "IdentificativoSdI")[:20],
        message_id=detail["message_id"],
        xml=xml,
        digest=hashlib.sha256(raw).hexdigest(),
        detail=detail,
    )


def base_file_name(name: str) -> str:
    """``IT…_00001.xml.p7m`` and ``IT…_00001.xml`` name the same transmission."""
    name = (name or "").strip()
    return name[:-4] if name.lower().endswith(".p7m") else name

"""PEC (posta elettronica certificata): unwrap the transport envelope, read daticert.xml, file receipts.

A PEC arrives as a *busta di trasporto* (``X-Trasporto: posta-certificata``) holding a human notice,
``daticert.xml`` and the original message as ``postacert.eml``, often inside ``multipart/signed``.
Receipts (``X-Ricevuta``) prove delivery of *our* outbound PEC and never open tickets.
"""

from __future__ import annotations

import dataclasses
from email.message import Message
from typing import Any

from contact_center.channels.email import Attachment, header, parse_bytes, part_bytes

RECEIPT_KINDS = {
    "accettazione",
    "non-accettazione",
    "presa-in-carico",
    "avvenuta-consegna",
    "posta-certificata",  # never a receipt, listed for completeness of X-Ricevuta parsing
    "preavviso-errore-consegna",
    "errore-consegna",
    "rilevazione-virus",
}


@dataclasses.dataclass
class PecEnvelope:
    inner: Message | None  # the original message (postacert.eml)
    daticert: dict[str, Any]
    evidence: list[Attachment]  # daticert.xml, smime.p7s: kept on the ticket as proof
    transport: str  # posta-certificata | errore


def transport_kind(msg: Message) -> str | None:
    value = header(msg, "X-Trasporto").lower()
    return value or None


def receipt_kind(msg: Message) -> str | None:
    value = header(msg, "X-Ricevuta").lower()
    if value and value != "posta-certificata":
        return value
    return None


def is_pec(msg: Message) -> bool:
    return bool(transport_kind(msg) or receipt_kind(msg))


def _parts(msg: Message):
    for part in msg.walk():
        if part is msg:
            continue
        yield part


def find_named(msg: Message, name: str) -> Message | None:
    name = name.lower()
    for part in _parts(msg):
        try:
            filename = (part.get_filename() or "").lower()
        except Exception:  # noqa: BLE001
            filename = ""
        if filename == name:
            return part
    return None


def _inner_message(msg: Message) -> Message | None:
    part = find_named(msg, "postacert.eml")
    if part is None:
        for candidate in _parts(msg):
            if candidate.get_content_type() == "message/rfc822":
                part = candidate
                break
    if part is None:
        return None
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    data = part_bytes(part)
    return parse_bytes(data) if data else None


def parse_daticert(xml: bytes) -> dict[str, Any]:
    """The fields of daticert.xml that matter: tipo, errore, mittente, destinatari, oggetto, date, msgid."""
    if not xml:
        return {}
    try:
        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        root = etree.fromstring(xml, parser=parser)
    except Exception:  # noqa: BLE001 - a broken daticert never stops the message
        return {"error": "daticert.xml non leggibile"}

    def text(path: str) -> str | None:
        node = root.find(path)
        return node.text.strip() if node is not None and node.text else None

    data: dict[str, Any] = {
        "tipo": root.get("tipo"),
        "errore": root.get("errore"),
        "mittente": text("intestazione/mittente"),
        "destinatari": [
            {"address": (d.text or "").strip(), "tipo": d.get("tipo")} for d in root.findall("intestazione/destinatari")
        ],
        "risposte": text("intestazione/risposte"),
        "oggetto": text("intestazione/oggetto"),
        "gestore": text("dati/gestore-emittente"),
        "data": text("dati/data/giorno"),
        "ora": text("dati/data/ora"),
        "identificativo": text("dati/identificativo"),
        "msgid": text("dati/msgid"),
        "ricevuta": (root.find("dati/ricevuta").get("tipo") if root.find("dati/ricevuta") is not None else None),
        "consegna": text("dati/consegna"),
        "errore_esteso": text("dati/errore-esteso"),
    }
    return {k: v for k, v in data.items() if v not in (None, [], "")}


def daticert_of(msg: Message) -> tuple[dict[str, Any], bytes]:
    part = find_named(msg, "daticert.xml")
    if part is None:
        return {}, b""
    data = part_bytes(part)
    return parse_daticert(data), data


def unwrap(msg: Message) -> PecEnvelope:
    """Open the envelope of a certified message."""
    daticert, xml = daticert_of(msg)
    evidence = []
    if xml:
        evidence.append(Attachment(filename="daticert.xml", content_type="application/xml", data=xml))
    sig = find_named(msg, "smime.p7s")
    if sig is not None:
        evidence.append(
            Attachment(filename="smime.p7s", content_type="application/pkcs7-signature", data=part_bytes(sig))
        )
    return PecEnvelope(
        inner=_inner_message(msg), daticert=daticert, evidence=evidence, transport=transport_kind(msg) or ""
    )


def real_sender(msg: Message, envelope: PecEnvelope) -> str | None:
    """The certified sender: daticert's mittente, else Reply-To, else the inner From."""
    from email.utils import parseaddr

    for candidate in (
        envelope.daticert.get("mittente"),
        header(msg, "Reply-To"),
        header(envelope.inner, "From") if envelope.inner is not None else "",
    ):
        addr = parseaddr(candidate or "")[1]
        if addr and "@" in addr:
            return addr.lower()
    return None


def strip_pec_subject(subject: str) -> str:
    for prefix in ("POSTA CERTIFICATA:", "ANOMALIA MESSAGGIO:"):
        if subject.upper().startswith(prefix):
            return subject[len(prefix) :].strip()
    return subject

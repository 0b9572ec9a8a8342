"""pagoPA *flussi di rendicontazione* (``FlussoRiversamento`` XML): each ``datiSingoliPagamenti`` whose
IUV is the IUV of an issued notice becomes a payment of that invoice, through the payment service;
the rest wait in the unmatched queue for a person. Idempotent by ``identificativoFlusso``.

Outside data: a bad file is ``Invalid`` (422) with the field, never a parser exception.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa
from lxml import etree

from app import audit
from app.db import transaction
from app.errors import Conflict, Forbidden, Invalid
from app.extensions import db
from billing.collections import register_payment
from billing.fees import fmt
from billing.models import Invoice, Payment, PaymentImport, PaymentMethod, UnmatchedPayment

MAX_BYTES = 10 * 1024 * 1024
PREFIX = "FDR:"


@dataclasses.dataclass
class FlowLine:
    iuv: str
    iur: str
    index: int
    amount: decimal.Decimal
    outcome: str  # codiceEsitoSingoloPagamento: 0 paid, 3 revoked, 9 without RPT
    paid_on: dt.date


@dataclasses.dataclass
class Flow:
    flow_id: str
    settled_on: dt.date | None
    lines: list[FlowLine]


def _local(node: Any) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _child(node: Any, name: str) -> str:
    for sub in node:
        if _local(sub) == name:
            return (sub.text or "").strip()
    return ""


def _date(raw: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise Invalid("data non valida", {field: [raw[:40] or "mancante"]}) from exc


def parse(data: bytes | str) -> Flow:
    raw = data.encode() if isinstance(data, str) else bytes(data or b"")
    if not raw.strip():
        raise Invalid("file vuoto", {"file": ["nessun contenuto"]})
    if len(raw) > MAX_BYTES:
        raise Invalid("file troppo grande", {"file": ["oltre 10 MB"]})
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(raw, parser=parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Invalid("non è un file XML", {"file": ["XML non leggibile"]}) from exc
    if _local(root) != "FlussoRiversamento":
        raise Invalid("non è un flusso di rendicontazione", {"file": ["elemento radice FlussoRiversamento atteso"]})
    flow_id = _child(root, "identificativoFlusso")
    if not flow_id or len(flow_id) > 35:
        raise Invalid("identificativoFlusso mancante", {"identificativoFlusso": ["obbligatorio, max 35 caratteri"]})
    settled = _child(root, "dataRegolamento")
    lines = []
    for pos, node in enumerate((n for n in root if _local(n) == "datiSingoliPagamenti"), start=1):
        iuv = _child(node, "identificativoUnivocoVersamento")
        if not iuv or len(iuv) > 35:
            raise Invalid(
                "IUV mancante", {f"datiSingoliPagamenti[{pos}].identificativoUnivocoVersamento": ["obbligatorio"]}
            )
        try:
            amount = decimal.Decimal(_child(node, "singoloImportoPagato"))
        except decimal.InvalidOperation as exc:
            raise Invalid(
                "importo non valido", {f"datiSingoliPagamenti[{pos}].singoloImportoPagato": ["non numerico"]}
            ) from exc
        if not amount.is_finite() or amount.as_tuple().exponent < -2 or amount < 0 or amount > 10**9:  # type: ignore[operator]
            raise Invalid(
                "importo non valido", {f"datiSingoliPagamenti[{pos}].singoloImportoPagato": [str(amount)[:20]]}
            )
        index_raw = _child(node, "indiceDatiSingoloPagamento") or "1"
        lines.append(
            FlowLine(
                iuv=iuv,
                iur=_child(node, "identificativoUnivocoRiscossione")[:35],
                index=int(index_raw) if index_raw.isdigit() and len(index_raw) < 6 else 1,
                amount=amount.quantize(decimal.Decimal("0.01")),
                outcome=_child(node, "codiceEsitoSingoloPagamento") or "0",
                paid_on=_date(
                    _child(node, "dataEsitoSingoloPagamento"), f"datiSingoliPagamenti[{pos}].dataEsitoSingoloPagamento"
                ),
            )
        )
    return Flow(flow_id=flow_id, settled_on=_date(settled, "dataRegolamento") if settled else None, lines=lines)


def import_flow(*, data: bytes | str, actor: Any, filename: str = "") -> dict[str, Any]:
    """Apply a flow once: ``{"flow_id", "matched": [...], "unmatched": [...], "already_imported"}``."""
    if actor is not None and str(getattr(getattr(actor, "role", None), "value", "")) not in ("admin", "finance"):
        raise Forbidden("solo l'amministrazione importa i flussi")
    flow = parse(data)
    with transaction(actor=actor):
        previous = db.session.scalar(sa.select(PaymentImport).where(PaymentImport.filename == PREFIX + flow.flow_id))
        if previous is not None:
            report = previous.report or [{}]
            return {**report[0], "flow_id": flow.flow_id, "already_imported": True, "import_id": previous.id}
        record = PaymentImport(
            filename=PREFIX + flow.flow_id, rows=len(flow.lines), created_by_id=getattr(actor, "id", None)
        )
        db.session.add(record)
        db.session.flush()
        matched, unmatched = [], []
        for line in flow.lines:
            if line.outcome not in ("0", "9") or line.amount <= 0:
                continue  # a revoked payment (3) moves no money to the center
            ref = f"fdr:{flow.flow_id}:{line.iur}:{line.index}"[:120]
            invoice = db.session.scalar(sa.select(Invoice).where(Invoice.iuv == line.iuv))
            if invoice is not None and not db.session.scalar(sa.select(Payment.id).where(Payment.external_ref == ref)):
                savepoint = db.session.begin_nested()
                try:
                    register_payment(
                        invoice_id=invoice.id, amount=line.amount, paid_on=line.paid_on,
                        method=PaymentMethod.PAGOPA.value, actor=actor,
                        reference=f"pagoPA IUV {line.iuv} IUR {line.iur} flusso {flow.flow_id}",
                        external_ref=ref, import_id=record.id,
                    )  # fmt: skip
                except (Invalid, Conflict):
                    savepoint.rollback()
                    invoice = None
                else:
                    savepoint.commit()
                    matched.append({"iuv": line.iuv, "invoice_id": invoice.id, "amount": fmt(line.amount)})
                    continue
            if invoice is None and not db.session.scalar(
                sa.select(UnmatchedPayment.id).where(UnmatchedPayment.external_ref == ref)
            ):
                db.session.add(
                    UnmatchedPayment(
                        import_id=record.id, amount=line.amount, paid_on=line.paid_on, method=PaymentMethod.PAGOPA,
                        reference=f"IUV {line.iuv} IUR {line.iur} flusso {flow.flow_id}"[:200], external_ref=ref,
                    )
                )  # fmt: skip
                unmatched.append({"iuv": line.iuv, "amount": fmt(line.amount)})
        record.applied, record.unmatched = len(matched), len(unmatched)
        record.report = [{"matched": matched, "unmatched": unmatched}]
        audit.record(
            object_type="payment_imports",
            object_id=record.id,
            action="import_fdr",
            changes={"flow_id": flow.flow_id, "matched": len(matched), "unmatched": len(unmatched)},
        )
    return {
        "flow_id": flow.flow_id,
        "matched": matched,
        "unmatched": unmatched,
        "already_imported": False,
        "import_id": record.id,
    }

"""Collections: payments (manual and imported), the unmatched queue, receivables and reminders."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import decimal
import hashlib
import io
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import audit
from app.db import local_today, transaction
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.i18n import fmt_money
from billing import pagopa, sources
from billing.fees import ZERO, fmt, money
from billing.models import (
    OPEN_STATUSES,
    DocumentType,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentImport,
    PaymentMethod,
    Reminder,
    UnmatchedPayment,
)

D = decimal.Decimal


def refresh_status(invoice: Invoice, today: dt.date | None = None) -> None:
    """Paid, partially paid or overdue, from the balance and the due date."""
    if invoice.doc_type != DocumentType.INVOICE or invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
        return
    today = today or local_today()
    if invoice.balance <= 0:
        invoice.status = InvoiceStatus.PAID
    elif invoice.due_date and invoice.due_date < today:
        invoice.status = InvoiceStatus.OVERDUE
    elif invoice.paid_total > 0:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    else:
        invoice.status = InvoiceStatus.ISSUED


def parse_amount(raw: Any) -> D:
    """``1234.50``, ``1.234,50``, ``1234,5`` or ``€ 1 234,50`` -> Decimal; Invalid otherwise."""
    if isinstance(raw, D):
        value = raw
    else:
        text = re.sub(r"[€\s]", "", str(raw or ""))
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d{1,2})?", text) or re.fullmatch(r"-?\d+,\d{1,2}", text):
            text = text.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d{1,2})?", text):
            text = text.replace(",", "")
        if not re.fullmatch(r"-?\d+(\.\d{1,2})?", text):
            raise Invalid("importo non valido", {"amount": [f"importo non valido: {raw!r}"]})
        value = D(text)
    if value != value.quantize(D("0.01")):
        raise Invalid("importo non valido", {"amount": ["al massimo due decimali"]})
    return money(value)


def parse_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    text = str(raw or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise Invalid("data non valida", {"paid_on": [f"data non valida: {raw!r}"]})


def _lock_invoice(invoice_id: int) -> Invoice:
    invoice = db.session.scalar(
        sa.select(Invoice).where(Invoice.id == invoice_id).with_for_update().execution_options(populate_existing=True)
    )
    if invoice is None:
        raise NotFound("documento non trovato")
    return invoice


def register_payment(
    *,
    invoice_id: int,
    amount: Any,
    paid_on: Any,
    method: str,
    actor: Any,
    reference: str = "",
    external_ref: str | None = None,
    import_id: int | None = None,
) -> Payment:
    """A full or partial payment. More than the balance is refused (an overpayment is reported,
    never half-applied), as is a payment on a draft, a credit note or a cancelled document."""
    amount = parse_amount(amount)
    paid_on = parse_date(paid_on)
    try:
        method = PaymentMethod(method)
    except ValueError as exc:
        raise Invalid(
            "metodo non valido", {"method": [f"uno tra {', '.join(m.value for m in PaymentMethod)}"]}
        ) from exc
    if amount <= 0:
        raise Invalid("importo non valido", {"amount": ["l'importo deve essere maggiore di zero"]})
    if paid_on > local_today():
        raise Invalid("data non valida", {"paid_on": ["la data del pagamento è nel futuro"]})
    with transaction(actor=actor):
        invoice = _lock_invoice(invoice_id)
        if invoice.doc_type != DocumentType.INVOICE or invoice.status not in (*OPEN_STATUSES, InvoiceStatus.PAID):
            raise Conflict("si registrano incassi solo su documenti emessi e non annullati")
        if amount > invoice.balance:
            raise Invalid(
                "importo superiore al saldo",
                {
                    "amount": [
                        f"il saldo da incassare è {fmt(invoice.balance)}: eccedenza {fmt(amount - invoice.balance)}"
                    ]
                },
            )
        payment = Payment(
            invoice_id=invoice.id,
            organization_id=invoice.organization_id,
            amount=amount,
            paid_on=paid_on,
            method=method,
            reference=(reference or "")[:200],
            external_ref=external_ref,
            import_id=import_id,
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(payment)
        invoice.paid_total = money(invoice.paid_total + amount)
        refresh_status(invoice)
        db.session.flush()
    return payment


def find_invoice_by_reference(reference: str) -> Invoice | None:
    """An issued invoice by notice code, IUV or number, also inside free text (a bank's causale)."""
    text = (reference or "").strip()
    if not text:
        return None
    digits = pagopa.normalize_notice(text)
    candidates: list[str] = []
    if len(digits) in (17, 18):
        candidates.append(digits)
    candidates += re.findall(r"(?<!\d)3\d{17}(?!\d)", re.sub(r"(?<=\d)[ .](?=\d)", "", text))
    for code in candidates:
        column = Invoice.notice_code if len(code) == 18 else Invoice.iuv
        invoice = db.session.scalar(sa.select(Invoice).where(column == code))
        if invoice is not None:
            return invoice
    for number in [text.upper(), *re.findall(r"\b(?:FT|RP)-\d{4}-\d{5}\b", text.upper())]:
        invoice = db.session.scalar(sa.select(Invoice).where(Invoice.number == number))
        if invoice is not None:
            return invoice
    return None


HEADERS = {
    "paid_on": ("paid_on", "data", "date", "data_pagamento", "data valuta", "data_valuta"),
    "amount": ("amount", "importo", "importo_pagato"),
    "notice_code": ("notice_code", "codice_avviso", "avviso", "iuv", "numero_avviso"),
    "invoice_number": ("invoice_number", "numero_fattura", "numero", "fattura"),
    "reference": ("reference", "causale", "riferimento", "descrizione"),
    "method": ("method", "metodo", "canale"),
    "external_ref": ("external_ref", "id", "id_transazione", "transaction_id", "trn", "cro"),
    "payer": ("payer", "pagatore", "ordinante", "debitore"),
}


def _read_rows(data: bytes | str) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    if not text.strip():
        raise Invalid("file vuoto", {"file": ["il file è vuoto"]})
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";"
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    names = {(h or "").strip().lower(): h for h in (reader.fieldnames or [])}
    mapping = {}
    for key, aliases in HEADERS.items():
        for alias in aliases:
            if alias in names:
                mapping[key] = names[alias]
                break
    missing = [k for k in ("paid_on", "amount") if k not in mapping]
    if missing or not ({"notice_code", "invoice_number", "reference"} & set(mapping)):
        raise Invalid(
            "intestazioni mancanti",
            {"file": ["servono le colonne data, importo e codice_avviso o numero_fattura o causale"]},
        )
    return [{k: (row.get(col) or "").strip() for k, col in mapping.items()} for row in reader]


@dataclasses.dataclass
class ImportOutcome:
    line: int
    outcome: str  # applied | unmatched | rejected | duplicate
    message: str
    invoice_number: str | None = None
    amount: str | None = None


def import_payments(*, data: bytes | str, filename: str, actor: Any, default_method: str = "pagopa") -> PaymentImport:
    """Apply a reconciliation CSV in one transaction: matched rows become payments, unmatched rows
    wait in the queue, bad rows and overpayments are reported and not applied. A row already imported
    (same transaction id, or same row content) is recognised and not applied twice."""
    rows = _read_rows(data)
    outcomes: list[ImportOutcome] = []
    with transaction(actor=actor):
        record = PaymentImport(
            filename=(filename or "")[:255], rows=len(rows), created_by_id=getattr(actor, "id", None)
        )
        db.session.add(record)
        db.session.flush()
        for line_no, row in enumerate(rows, start=2):
            outcomes.append(_import_row(record, line_no, row, actor, default_method))
        record.applied = sum(1 for o in outcomes if o.outcome == "applied")
        record.unmatched = sum(1 for o in outcomes if o.outcome == "unmatched")
        record.rejected = sum(1 for o in outcomes if o.outcome in ("rejected", "duplicate"))
        record.report = [dataclasses.asdict(o) for o in outcomes]
        audit.record(
            object_type="payment_imports",
            object_id=record.id,
            action="import",
            changes={"applied": record.applied, "unmatched": record.unmatched, "rejected": record.rejected},
        )
    return record


def _import_row(
    record: PaymentImport, line_no: int, row: dict[str, str], actor: Any, default_method: str
) -> ImportOutcome:
    try:
        amount = parse_amount(row.get("amount"))
        paid_on = parse_date(row.get("paid_on"))
        if amount <= 0:
            raise Invalid("importo non valido", {"amount": ["l'importo deve essere maggiore di zero"]})
    except Invalid as exc:
        return ImportOutcome(line_no, "rejected", "; ".join(m for v in exc.fields.values() for m in v) or exc.message)
    method_raw = (row.get("method") or default_method).strip().lower()
    method = method_raw if method_raw in {m.value for m in PaymentMethod} else default_method
    external_ref = row.get("external_ref") or (
        "row:" + hashlib.sha256("|".join(f"{k}={row.get(k, '')}" for k in sorted(HEADERS)).encode()).hexdigest()[:40]
    )
    already = db.session.scalar(sa.select(Payment.id).where(Payment.external_ref == external_ref)) or db.session.scalar(
        sa.select(UnmatchedPayment.id).where(UnmatchedPayment.external_ref == external_ref)
    )
    if already:
        return ImportOutcome(line_no, "duplicate", "riga già importata", amount=fmt(amount))
    reference = " ".join(filter(None, [row.get("notice_code"), row.get("invoice_number"), row.get("reference")]))
    invoice = None
    for candidate in (row.get("notice_code"), row.get("invoice_number"), row.get("reference")):
        invoice = find_invoice_by_reference(candidate or "")
        if invoice is not None:
            break
    if invoice is None:
        db.session.add(
            UnmatchedPayment(
                import_id=record.id,
                amount=amount,
                paid_on=paid_on,
                method=PaymentMethod(method),
                reference=reference[:200],
                payer=(row.get("payer") or "")[:200],
                external_ref=external_ref,
            )
        )
        db.session.flush()
        return ImportOutcome(line_no, "unmatched", "nessun documento corrispondente", amount=fmt(amount))
    savepoint = db.session.begin_nested()
    try:
        register_payment(
            invoice_id=invoice.id,
            amount=amount,
            paid_on=paid_on,
            method=method,
            actor=actor,
            reference=reference,
            external_ref=external_ref,
            import_id=record.id,
        )
    except (Invalid, Conflict) as exc:
        savepoint.rollback()
        detail = "; ".join(m for v in exc.fields.values() for m in v) or exc.message
        return ImportOutcome(line_no, "rejected", detail, invoice.number, fmt(amount))
    except IntegrityError:
        savepoint.rollback()
        return ImportOutcome(line_no, "duplicate", "riga già importata", invoice.number, fmt(amount))
    savepoint.commit()
    return ImportOutcome(line_no, "applied", "incasso registrato", invoice.number, fmt(amount))


def assign_unmatched(*, unmatched_id: int, invoice_id: int, actor: Any) -> Payment:
    """Finance matches a queued row to an invoice by hand."""
    with transaction(actor=actor):
        item = db.session.get(UnmatchedPayment, unmatched_id)
        if item is None:
            raise NotFound("riga non trovata")
        if item.resolved:
            raise Conflict("riga già abbinata")
        ref = item.external_ref
        item.external_ref = None  # the payment takes the transaction id over
        db.session.flush()
        payment = register_payment(
            invoice_id=invoice_id,
            amount=item.amount,
            paid_on=item.paid_on,
            method=item.method,
            actor=actor,
            reference=item.reference,
            external_ref=ref,
            import_id=item.import_id,
        )
        item.resolved = True
        item.payment_id = payment.id
    return payment


def unmatched_queue() -> list[UnmatchedPayment]:
    return list(
        db.session.scalars(
            sa.select(UnmatchedPayment).where(UnmatchedPayment.resolved.is_(False)).order_by(UnmatchedPayment.id)
        )
    )


def payments_of(invoice_id: int) -> list[Payment]:
    """The payments of one document, oldest first."""
    return list(db.session.scalars(payment_query(invoice_id=invoice_id).order_by(Payment.paid_on, Payment.id)))


def payment_page(
    *, year: int | None = None, cursor: str | None = None, limit: int = 50
) -> tuple[list[Payment], str | None]:
    """A page of payments, newest first; a stale or garbled cursor gives the first page."""
    from app.api import keyset_page

    stmt = payment_query(year=year)
    try:
        return keyset_page(stmt, [Payment.id], limit=limit, cursor=cursor)
    except Invalid:
        return keyset_page(stmt, [Payment.id], limit=limit, cursor=None)


def invoice_numbers(invoice_ids: set[int]) -> dict[int, str | None]:
    """{invoice id: number} of these documents (a list of payments names them)."""
    if not invoice_ids:
        return {}
    rows = db.session.execute(sa.select(Invoice.id, Invoice.number).where(Invoice.id.in_(invoice_ids)))
    return {invoice_id: number for invoice_id, number in rows}


def payment_query(
    *, organization_id: int | None = None, invoice_id: int | None = None, year: int | None = None
) -> sa.Select:
    stmt = sa.select(Payment)
    if organization_id:
        stmt = stmt.where(Payment.organization_id == organization_id)
    if invoice_id:
        stmt = stmt.where(Payment.invoice_id == invoice_id)
    if year:
        stmt = stmt.where(Payment.paid_on >= dt.date(year, 1, 1), Payment.paid_on <= dt.date(year, 12, 31))
    return stmt


# --- receivables ---------------------------------------------------------------------------------------

BUCKETS = ("not_due", "d0_30", "d31_60", "d61_90", "d90_plus")


def bucket_of(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "not_due"
    if days_past_due <= 30:
        return "d0_30"
    if days_past_due <= 60:
        return "d31_60"
    if days_past_due <= 90:
        return "d61_90"
    return "d90_plus"


def open_invoices(*, organization_id: int | None = None) -> list[Invoice]:
    stmt = (
        sa.select(Invoice)
        .where(Invoice.status.in_(OPEN_STATUSES), Invoice.doc_type == DocumentType.INVOICE)
        .order_by(Invoice.due_date, Invoice.id)
    )
    if organization_id:
        stmt = stmt.where(Invoice.organization_id == organization_id)
    return list(db.session.scalars(stmt))


def receivables(*, today: dt.date | None = None, organization_id: int | None = None) -> list[dict[str, Any]]:
    """Balance per ente and its ageing by days past due (0–30, 31–60, 61–90, over 90)."""
    today = today or local_today()
    per_org: dict[int, dict[str, Any]] = {}
    for invoice in open_invoices(organization_id=organization_id):
        balance = invoice.balance
        if balance <= 0:
            continue
        entry = per_org.setdefault(
            invoice.organization_id,
            {
                "organization_id": invoice.organization_id,
                "balance": ZERO,
                "overdue": ZERO,
                "invoices": 0,
                **dict.fromkeys(BUCKETS, ZERO),
            },
        )
        days = (today - invoice.due_date).days if invoice.due_date else 0
        entry[bucket_of(days)] += balance
        entry["balance"] += balance
        entry["invoices"] += 1
        if days > 0:
            entry["overdue"] += balance
    names = sources.organization_names(set(per_org))
    out = []
    for org_id, entry in per_org.items():
        entry["organization_name"] = names.get(org_id, str(org_id))
        out.append(entry)
    out.sort(key=lambda e: (-e["overdue"], -e["balance"], e["organization_name"]))
    return out


def overdue_list(*, today: dt.date | None = None, organization_id: int | None = None) -> list[tuple[Invoice, int]]:
    today = today or local_today()
    return [
        (inv, (today - inv.due_date).days)
        for inv in open_invoices(organization_id=organization_id)
        if inv.due_date and inv.due_date < today and inv.balance > 0
    ]


def mark_overdue(*, today: dt.date | None = None) -> int:
    today = today or local_today()
    changed = 0
    with transaction():
        for invoice in open_invoices():
            before = invoice.status
            refresh_status(invoice, today)
            changed += invoice.status != before
    return changed


def dashboard(*, today: dt.date | None = None) -> dict[str, Any]:
    """Billed vs collected per year, the overdue total, convenzioni expiring soon."""
    today = today or local_today()
    billed: dict[int, Any] = dict(
        db.session.execute(
            sa.select(
                Invoice.year, sa.func.sum(sa.case((Invoice.split_payment, Invoice.net_total), else_=Invoice.total))
            )
            .where(
                Invoice.doc_type == DocumentType.INVOICE,
                Invoice.status.not_in([InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED]),
            )
            .group_by(Invoice.year)
        ).all()
    )
    collected: dict[int, Any] = dict(
        db.session.execute(
            sa.select(Invoice.year, sa.func.sum(Payment.amount))
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .group_by(Invoice.year)
        ).all()
    )
    drafts = db.session.scalar(
        sa.select(sa.func.count()).select_from(Invoice).where(Invoice.status == InvoiceStatus.DRAFT)
    )
    years = sorted(set(billed) | set(collected))
    per_year: list[dict[str, Any]] = [
        {"year": y, "billed": money(billed.get(y) or ZERO), "collected": money(collected.get(y) or ZERO)} for y in years
    ]
    peak = max([r["billed"] for r in per_year] + [r["collected"] for r in per_year] + [D("1")])
    for r in per_year:
        r["billed_pct"] = int(r["billed"] * 100 / peak)
        r["collected_pct"] = int(r["collected"] * 100 / peak)
    overdue = overdue_list(today=today)
    return {
        "per_year": per_year,
        "overdue_total": money(sum((inv.balance for inv, _ in overdue), ZERO)),
        "overdue_count": len(overdue),
        "open_total": money(sum((inv.balance for inv in open_invoices()), ZERO)),
        "drafts": drafts or 0,
        "expiring": sources.expiring_agreements(90, today),
        "unmatched": db.session.scalar(
            sa.select(sa.func.count()).select_from(UnmatchedPayment).where(UnmatchedPayment.resolved.is_(False))
        )
        or 0,
    }


# --- reminders (solleciti) -------------------------------------------------------------------------------


def reminder_days() -> list[int]:
    """Days past due of each reminder step (``BILLING_REMINDER_DAYS``, e.g. "15,45")."""
    from billing.services import get_settings, parse_reminder_days

    return parse_reminder_days(get_settings()["reminder_days"])


def send_reminders(*, today: dt.date | None = None) -> list[Reminder]:
    """Send the reminder step each overdue invoice has reached and not yet received: by PEC when the
    ente has one, else by email. One row per (invoice, step) — never twice for the same step."""
    today = today or local_today()
    mark_overdue(today=today)
    steps = reminder_days()
    sent = []
    for invoice, days in overdue_list(today=today):
        level = max((i for i, d in enumerate(steps, start=1) if days >= d), default=0)
        if level <= invoice.reminder_level:
            continue
        reminder = _send_reminder(invoice.id, level, days)
        if reminder is not None:
            sent.append(reminder)
    return sent


def _send_reminder(invoice_id: int, level: int, days: int) -> Reminder | None:
    from app.mail import TRANSPORTS, queue_email
    from billing import notice_pdf

    with transaction():
        invoice = _lock_invoice(invoice_id)
        if invoice.reminder_level >= level or invoice.balance <= 0:
            return None
        rec = sources.recipient(invoice.organization_id)
        address = (
            (rec.pec if rec else None)
            or (rec.email if rec else None)
            or sources.finance_contact_email(invoice.organization_id)
        )
        if not address:
            return None
        via_pec = bool(rec and rec.pec and address == rec.pec)
        reminder = Reminder(
            invoice_id=invoice.id,
            organization_id=invoice.organization_id,
            level=level,
            to_addr=address,
            via_pec=via_pec,
        )
        savepoint = db.session.begin_nested()
        try:
            db.session.add(reminder)
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()
            return None
        savepoint.commit()
        email = queue_email(
            to=address,
            subject=_reminder_subject(invoice, level),
            body_text=_reminder_body(invoice, level, days, rec),
            category="billing_reminder",
            auto=False,
            transport="pec" if via_pec and "pec" in TRANSPORTS else "default",
            related_type="invoice",
            related_id=invoice.id,
            attachments=notice_pdf.email_attachment(invoice),  # the pagoPA notice to pay with
        )
        reminder.email_id = email.id
        invoice.reminder_level = level
        audit.record(
            object_type="invoices",
            object_id=invoice.id,
            action="reminder",
            changes={"level": level, "to": address},
            organization_id=invoice.organization_id,
        )
    return reminder


def _reminder_subject(invoice: Invoice, level: int) -> str:
    step = "Primo sollecito" if level == 1 else ("Secondo sollecito" if level == 2 else f"Sollecito n. {level}")
    return f"{step} di pagamento — documento {invoice.number}"


def _reminder_body(invoice: Invoice, level: int, days: int, rec: sources.Recipient | None) -> str:
    from billing.services import seller

    center = seller()
    lines = [
        f"Spett.le {rec.name if rec else 'Ente'},",
        "",
        f"dalle nostre registrazioni il documento n. {invoice.number} del {invoice.issue_date:%d/%m/%Y}, "
        f"scaduto il {invoice.due_date:%d/%m/%Y} ({days} giorni fa), "
        f"risulta ancora da saldare per {fmt_money(invoice.balance, locale='it')}.",
    ]
    if invoice.notice_code:
        lines += ["", f"Può pagare con pagoPA usando il codice avviso {pagopa.grouped(invoice.notice_code)}."]
    if level >= 2:
        lines += [
            "",
            "Questo è il secondo sollecito: in assenza di riscontro procederemo secondo il regolamento dell'ente.",
        ]
    lines += [
        "",
        "Se il pagamento è già stato disposto, la preghiamo di ignorare questo messaggio.",
        "",
        center["name"],
    ]
    return "\n".join(lines)


def reminders_of(invoice_id: int) -> list[Reminder]:
    return list(
        db.session.scalars(sa.select(Reminder).where(Reminder.invoice_id == invoice_id).order_by(Reminder.level))
    )

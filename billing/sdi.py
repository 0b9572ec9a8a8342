"""The Sistema di Interscambio lifecycle of a fattura: its transmission file name, its SDI status and
the notifications that move it (RC delivered, NS rejected, MC not delivered, NE accepted/refused,
DT expired, AT attested), each kept as an event with its XML.

File names are ``IT<center VAT or fiscal code>_<progressive>.xml``; the progressive (5 base-36
characters, as the SDI naming rules allow) comes from one locked counter row and is never reused:
a corrected file is resent under a new name and the old events stay.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.db import transaction, utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from billing.models import DocumentKind, Invoice, InvoiceStatus, SdiCounter, SdiEvent
from billing.sdi_messages import Notification, base_file_name, parse
from billing.settings import seller

STATUSES = ("not_sent", "sent", "delivered", "not_delivered", "rejected", "accepted", "refused", "expired")
# How far along a transmission is: a late RC never undoes an outcome, an AT after an MC changes nothing.
RANK = {
    "not_sent": 0,
    "sent": 1,
    "rejected": 2,
    "not_delivered": 2,
    "delivered": 3,
    "accepted": 4,
    "refused": 4,
    "expired": 4,
}
PROBLEMS = ("rejected", "not_delivered", "refused")
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STAFF = ("admin", "finance")


def _role(actor: Any) -> str:
    role = getattr(actor, "role", None)
    return str(getattr(role, "value", role) or "")


def _require_finance(actor: Any) -> None:
    if actor is not None and _role(actor) not in STAFF:
        raise Forbidden("solo l'amministrazione gestisce le notifiche SDI")


def base36(number: int, width: int = 5) -> str:
    if number <= 0 or number >= 36**width:
        raise ValueError("progressive out of range")
    out = ""
    while number:
        number, rem = divmod(number, 36)
        out = DIGITS[rem] + out
    return out.rjust(width, "0")


def next_progressive() -> str:
    """The next progressive under a row lock: concurrent issuers queue on it."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    session.execute(insert(SdiCounter).values(id=1, last=0).on_conflict_do_nothing())
    counter = session.scalar(
        sa.select(SdiCounter).where(SdiCounter.id == 1).with_for_update().execution_options(populate_existing=True)
    )
    assert counter is not None
    counter.last += 1
    session.flush()
    return base36(counter.last)


def new_file_name() -> str:
    center = seller()
    ident = (center["vat_number"] or center["fiscal_code"] or "00000000000").strip()
    return f"IT{ident}_{next_progressive()}.xml"


def on_issue(invoice: Invoice) -> None:
    """Called by the issue of a document (in its transaction): a fattura gets its transmission name,
    and goes to the SDI by PEC when that is configured."""
    if invoice.kind != DocumentKind.FATTURA or invoice.sdi_file_name:
        return
    invoice.sdi_file_name = new_file_name()
    invoice.sdi_status = "not_sent"
    db.session.flush()
    send_by_pec(invoice)


def pec_sending() -> tuple[str, str] | None:
    """(our SDI mailbox address, the SDI's PEC address) when fatture go to the SDI by PEC."""
    sender = (current_app.config.get("SDI_PEC_SEND_FROM") or "").strip()
    to = (current_app.config.get("SDI_PEC_ADDRESS") or "").strip()
    return (sender, to) if sender and to else None


def transmission_xml(invoice: Invoice) -> tuple[str, bytes]:
    """The transmission file of a fattura: its SDI name and its FatturaPA XML (ProgressivoInvio is the
    name's progressive)."""
    from billing import fatturapa

    name = invoice.sdi_file_name or ""
    progressive = name.rsplit("_", 1)[-1].removesuffix(".xml") if name else None
    return fatturapa.filename(invoice, seller()), fatturapa.build(invoice, seller(), transmission_id=progressive)


def send_by_pec(invoice: Invoice, *, now: dt.datetime | None = None) -> bool:
    """Queue the transmission file to the SDI from the SDI mailbox (in the caller's transaction) and
    record it as sent. Nothing happens when sending by PEC is not configured."""
    route = pec_sending()
    if route is None or not invoice.sdi_file_name or invoice.sdi_status != "not_sent":
        return False
    from app.mail import TRANSPORTS, queue_email
    from app.storage import get_storage

    sender, to = route
    name, xml = transmission_xml(invoice)
    key = f"billing/sdi/{name.lower()}"
    get_storage().put(key, xml, "application/xml")
    email = queue_email(
        to=to,
        from_addr=sender,
        subject=name,
        body_text=f"Trasmissione al Sistema di Interscambio del file {name} (documento {invoice.number}).\n",
        category="sdi",
        auto=False,
        transport="mailbox" if "mailbox" in TRANSPORTS else "default",
        related_type="invoice",
        related_id=invoice.id,
        attachments=[{"key": key, "filename": name, "type": "application/xml"}],
    )
    invoice.sdi_status = "sent"
    _event(invoice, "SENT", file_name=name, detail={"channel": "pec", "to": to, "email_id": email.id}, at=now)
    return True


def _event(invoice: Invoice, type_: str, *, file_name: str, detail: dict[str, Any], xml: str | None = None,
           digest: str | None = None, at: dt.datetime | None = None) -> SdiEvent:  # fmt: skip
    event = SdiEvent(
        invoice_id=invoice.id, type=type_, file_name=file_name, detail=detail, xml=xml, digest=digest, at=at or utcnow()
    )
    db.session.add(event)
    return event


def _lock(invoice_id: int) -> Invoice:
    invoice = db.session.scalar(sa.select(Invoice).where(Invoice.id == invoice_id).with_for_update())
    if invoice is None:
        raise NotFound("documento non trovato")
    return invoice


def mark_sent(*, invoice_id: int, actor: Any, now: dt.datetime | None = None) -> Invoice:
    """Finance sent the file to the SDI (by PEC or through its channel)."""
    _require_finance(actor)
    with transaction(actor=actor):
        invoice = _lock(invoice_id)
        if not invoice.sdi_file_name or invoice.status == InvoiceStatus.DRAFT:
            raise Conflict("il documento non ha un file per lo SDI")
        if invoice.sdi_status != "not_sent":
            raise Conflict("il file è già stato trasmesso")
        invoice.sdi_status = "sent"
        _event(invoice, "SENT", file_name=invoice.sdi_file_name, detail={}, at=now)
    return invoice


def resend(*, invoice_id: int, actor: Any, now: dt.datetime | None = None) -> Invoice:
    """After a rejection (NS) or a failed delivery: the corrected file goes under a new name (the SDI
    refuses a name twice); the old name and its events stay."""
    _require_finance(actor)
    with transaction(actor=actor):
        invoice = _lock(invoice_id)
        if invoice.sdi_status not in ("rejected", "not_delivered"):
            raise Conflict("si ritrasmette solo un file scartato o non consegnato")
        old = invoice.sdi_file_name or ""
        invoice.sdi_file_name = new_file_name()
        invoice.sdi_status = "not_sent"
        invoice.sdi_identifier = None
        _event(invoice, "RESEND", file_name=invoice.sdi_file_name, detail={"previous": old}, at=now)
        send_by_pec(invoice, now=now)
    return invoice


def _invoice_for(file_name: str) -> tuple[Invoice, bool]:
    """The invoice a notification is about, and whether the name is its current one."""
    name = base_file_name(file_name)
    invoice = db.session.scalar(sa.select(Invoice).where(Invoice.sdi_file_name == name).with_for_update())
    if invoice is not None:
        return invoice, True
    invoice_id = None
    for event in db.session.scalars(sa.select(SdiEvent).where(SdiEvent.type == "RESEND")).all():
        if (event.detail or {}).get("previous") == name:
            invoice_id = event.invoice_id
            break
    if invoice_id is None:
        raise NotFound("nessun documento trasmesso con questo nome file", {"NomeFile": [name]})
    return _lock(invoice_id), False


NEW_STATUS = {"RC": "delivered", "NS": "rejected", "MC": "not_delivered", "DT": "expired"}


def _target(note: Notification) -> str | None:
    if note.type == "NE":
        return "accepted" if note.detail.get("outcome") == "EC01" else "refused"
    return NEW_STATUS.get(note.type)


def _moves(status: str, target: str | None) -> bool:
    """Whether a notification moves the status: never backwards, and a rejection only of a file not
    yet delivered."""
    if not target or target == status or RANK[target] < RANK.get(status, 0):
        return False
    return not (target == "rejected" and RANK.get(status, 0) > RANK["sent"])


def receive(
    *, data: bytes | str, actor: Any, filename: str = "", now: dt.datetime | None = None
) -> tuple[Invoice, SdiEvent, bool]:
    """Apply one notification file: returns the invoice, its event and whether it was new. The same
    file twice changes nothing. ``actor=None`` is the PEC intake (a system action)."""
    _require_finance(actor)
    note = parse(data, filename)
    with transaction(actor=actor):
        invoice, current = _invoice_for(note.file_name)
        seen = db.session.scalar(sa.select(SdiEvent).where(SdiEvent.digest == note.digest))
        if seen is not None:
            return invoice, seen, False
        event = _event(
            invoice, note.type, file_name=note.file_name, detail=note.detail, xml=note.xml, digest=note.digest, at=now
        )
        if not current:
            event.detail = {**note.detail, "superseded": True}
            return invoice, event, True
        if note.sdi_identifier:
            invoice.sdi_identifier = note.sdi_identifier
        target = _target(note)
        status = invoice.sdi_status or "not_sent"
        if _moves(status, target):
            invoice.sdi_status = target
            if target == "refused":
                _alert_refused(invoice, note)
    return invoice, event, True


def _alert_refused(invoice: Invoice, note: Notification) -> None:
    from app.auth.models import Role, User
    from app.mail import queue_email

    to = db.session.scalars(sa.select(User.email).where(User.role == Role.FINANCE, User.active.is_(True))).all()
    if not to:
        return
    reason = note.detail.get("description") or ""
    queue_email(
        to=list(to),
        subject=f"Fattura {invoice.number} rifiutata dall'ente (SDI EC02)",
        body_text=(
            f"L'ente ha rifiutato la fattura {invoice.number} (file {invoice.sdi_file_name}, "
            f"identificativo SdI {invoice.sdi_identifier or '-'}).\n"
            + (f"Motivo: {reason}\n" if reason else "")
            + "Emetti una nota di credito o contatta l'ente."
        ),
        category="billing",
        related_type="invoice",
        related_id=invoice.id,
    )


def events_of(invoice_id: int) -> list[SdiEvent]:
    return list(
        db.session.scalars(
            sa.select(SdiEvent).where(SdiEvent.invoice_id == invoice_id).order_by(SdiEvent.at, SdiEvent.id)
        ).all()
    )


def problem_invoices(*, actor: Any, limit: int = 200) -> list[Invoice]:
    """Rejected, undelivered and refused fatture: the finance dashboard's list."""
    _require_finance(actor)
    return list(
        db.session.scalars(
            sa.select(Invoice).where(Invoice.sdi_status.in_(PROBLEMS)).order_by(Invoice.id.desc()).limit(limit)
        ).all()
    )


def check_status(value: str) -> str:
    if value not in STATUSES:
        raise Invalid("stato SDI sconosciuto", {"sdi_status": [value]})
    return value

"""Convenzioni: terms, services, the status lifecycle, the signed document and renewal alerts.

Status lifecycle (UI word → code): bozza → attiva → sospesa ⇄ attiva, then scaduta (the end date
passed, set by the daily job) or cessata (terminated early). A convenzione is *in force* when it is
active and today lies between its dates; ``crm.services.active_agreement`` answers that.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import os
import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.api import keyset_page
from app.auth.permissions import check_org
from app.db import get_row, local_today, row_id, transaction
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.i18n import fmt_money
from app.storage import content_key, get_storage
from crm import validators as v
from crm.cleaning import SLA_POLICIES, Errors, enum_value, text_value
from crm.models import (
    Agreement,
    AgreementAlert,
    AgreementService,
    AgreementStatus,
    BillingDocument,
    Organization,
    Service,
)
from crm.queries import agreements_query

S = AgreementStatus
TRANSITIONS: dict[AgreementStatus, frozenset[AgreementStatus]] = {
    S.DRAFT: frozenset({S.ACTIVE, S.TERMINATED}),
    S.ACTIVE: frozenset({S.SUSPENDED, S.EXPIRED, S.TERMINATED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.EXPIRED, S.TERMINATED}),
    S.EXPIRED: frozenset({S.ACTIVE}),  # only once its end date is moved forward (a renewal)
    S.TERMINATED: frozenset(),
}
ALERT_DAYS = (90, 30)
AGREEMENT_FIELDS = [
    "organization_id",
    "code",
    "protocol_number",
    "title",
    "start_date",
    "end_date",
    "status",
    "billing_document",
    "annual_fee_fixed",
    "fee_per_inhabitant",
    "included_hours",
    "hourly_rate",
    "sla_tier",
    "cig",
    "cup",
    "vat_rate",
    "vat_nature",
    "notes",
    "service_ids",
]
# FatturaPA <Natura>: why a line carries no VAT (outside the field, exempt, reverse charge, …).
VAT_NATURES = (
    *("N1", "N2.1", "N2.2", "N3.1", "N3.2", "N3.3", "N3.4", "N3.5", "N3.6", "N4", "N5"),
    *("N6.1", "N6.2", "N6.3", "N6.4", "N6.5", "N6.6", "N6.7", "N6.8", "N6.9", "N7"),
)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_TYPES = {"application/pdf", "application/pkcs7-mime", "application/octet-stream"}


def allowed_transitions(status: AgreementStatus) -> list[AgreementStatus]:
    return sorted(TRANSITIONS[status], key=lambda s: list(AgreementStatus).index(s))


def _date(value: Any, field: str, e: Errors, *, required: bool = True) -> dt.date | None:
    if value is None or value == "":
        if required:
            e.add(field, "obbligatoria")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        e.add(field, "data non valida (AAAA-MM-GG)")
        return None


def _money(value: Any, field: str, e: Errors, *, places: int = 2) -> decimal.Decimal:
    if value is None or value == "":
        return decimal.Decimal("0")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = decimal.Decimal(str(value).replace(",", ".") if isinstance(value, str) else value)
    except (decimal.InvalidOperation, ValueError):
        e.add(field, "importo non valido")
        return decimal.Decimal("0")
    if not amount.is_finite() or amount < 0:
        e.add(field, "deve essere un importo positivo o zero")
        return decimal.Decimal("0")
    if amount != amount.quantize(decimal.Decimal(1).scaleb(-places)):
        e.add(field, f"al massimo {places} decimali")
    if amount >= decimal.Decimal(10) ** (10 if places == 2 else 6):
        e.add(field, "importo troppo grande")
    return amount.quantize(decimal.Decimal(1).scaleb(-places))


def clean_agreement(data: dict[str, Any]) -> dict[str, Any]:
    e = Errors()
    out: dict[str, Any] = {}
    org_id = row_id(data.get("organization_id"))
    if data.get("organization_id") in (None, ""):
        e.add("organization_id", "obbligatorio")
    elif get_row(Organization, org_id) is None:
        e.add("organization_id", "ente non trovato")
    out["organization_id"] = org_id
    code = str(data.get("code") or "").strip().upper()
    if code and not re.match(r"^[A-Z0-9][A-Z0-9/_.-]{0,39}$", code):
        e.add("code", "solo lettere, cifre e - / _ . (al massimo 40)")
    out["code"] = code or None
    out["protocol_number"] = text_value(data.get("protocol_number"), "protocol_number", e, max_len=60)
    out["title"] = text_value(data.get("title"), "title", e, max_len=300) or ""
    out["start_date"] = _date(data.get("start_date"), "start_date", e)
    out["end_date"] = _date(data.get("end_date"), "end_date", e)
    if out["start_date"] and out["end_date"] and out["end_date"] < out["start_date"]:
        e.add("end_date", "la data di fine precede quella di inizio")
    out["status"] = enum_value(AgreementStatus, data.get("status") or "draft", "status", e)
    out["billing_document"] = enum_value(
        BillingDocument, data.get("billing_document") or "richiesta_pagamento", "billing_document", e
    )
    out["annual_fee_fixed"] = _money(data.get("annual_fee_fixed"), "annual_fee_fixed", e)
    out["fee_per_inhabitant"] = _money(data.get("fee_per_inhabitant"), "fee_per_inhabitant", e, places=4)
    out["included_hours"] = _money(data.get("included_hours"), "included_hours", e)
    out["hourly_rate"] = _money(data.get("hourly_rate"), "hourly_rate", e)
    tier = str(data.get("sla_tier") or "standard")
    if tier not in SLA_POLICIES:
        e.add("sla_tier", f"valori ammessi: {', '.join(SLA_POLICIES)}")
    out["sla_tier"] = tier
    out["cig"] = e.check(v.cig, data.get("cig"), "cig")
    out["cup"] = e.check(v.cup, data.get("cup"), "cup")
    rate = data.get("vat_rate")
    out["vat_rate"] = _money(rate, "vat_rate", e) if rate not in (None, "") else None
    if out["vat_rate"] is not None and not 0 <= out["vat_rate"] <= 100:
        e.add("vat_rate", "tra 0 e 100")
    nature = str(data.get("vat_nature") or "").strip().upper() or None
    if nature is not None and nature not in VAT_NATURES:
        e.add("vat_nature", f"valori ammessi: {', '.join(VAT_NATURES)}")
    out["vat_nature"] = nature
    out["notes"] = str(data.get("notes") or "")
    ids = data.get("service_ids")
    service_ids: list[int] = []
    if ids is not None:
        try:
            service_ids = sorted({int(i) for i in ids})
        except (TypeError, ValueError):
            e.add("service_ids", "elenco di id di servizi")
        found = set(
            db.session.scalars(sa.select(Service.id).where(Service.id.in_([i for i in service_ids if row_id(i)])))
        )
        for missing in sorted(set(service_ids) - found):
            e.add("service_ids", f"servizio {missing} non trovato")
    out["service_ids"] = service_ids if ids is not None else None
    e.raise_if_any()
    return out


def format_code(year: int, number: int) -> str:
    """The automatic code of a convenzione: ``CONV-<year>-<nnnn>``."""
    return f"CONV-{year}-{number:04d}"


def last_code_number(year: int, codes: Iterable[str]) -> int:
    """The highest number among the automatic codes of ``year`` in ``codes`` (0 if there is none)."""
    prefix = f"CONV-{year}-"
    numbers = [int(c[len(prefix) :]) for c in codes if c.startswith(prefix) and c[len(prefix) :].isdigit()]
    return max(numbers, default=0)


def next_code(year: int) -> str:
    """``CONV-<year>-<nnnn>``: the next free number of the year."""
    codes = db.session.scalars(sa.select(Agreement.code).where(Agreement.code.like(f"CONV-{year}-%")))
    return format_code(year, last_code_number(year, codes) + 1)


def _insert_with_code(values: dict[str, Any]) -> Agreement:
    """Insert a new convenzione; an automatic code taken meanwhile by a concurrent insert is retried."""
    auto = not values["code"]
    for _attempt in range(5):
        if auto:
            values["code"] = next_code(values["start_date"].year)
        agreement = Agreement(status=AgreementStatus.DRAFT, **values)
        try:
            with db.session.begin_nested():
                db.session.add(agreement)
                db.session.flush()
            return agreement
        except sa.exc.IntegrityError as exc:
            if not auto:
                raise Conflict("codice già usato", {"code": ["codice già usato da un'altra convenzione"]}) from exc
    raise Conflict("codice non assegnabile, riprova", {"code": ["riprova"]})


def _check_rules(agreement: Agreement, today: dt.date) -> None:
    """Rules that hold for a convenzione in force: one per ente at a time, and at least one service."""
    if agreement.status != AgreementStatus.ACTIVE:
        return
    if not agreement.services:
        raise Invalid("una convenzione attiva include almeno un servizio", {"service_ids": ["almeno un servizio"]})
    if agreement.end_date < today:
        raise Invalid(
            "la convenzione è già scaduta: sposta la data di fine per rinnovarla",
            {"end_date": ["data di fine già passata"]},
        )
    overlap = db.session.scalar(
        sa.select(Agreement.code).where(
            Agreement.organization_id == agreement.organization_id,
            Agreement.id != agreement.id,
            Agreement.status.in_([AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED]),
            Agreement.start_date <= agreement.end_date,
            Agreement.end_date >= agreement.start_date,
        )
    )
    if overlap:
        raise Conflict(
            f"l'ente ha già la convenzione {overlap} negli stessi periodi",
            {"start_date": [f"periodo sovrapposto alla convenzione {overlap}"]},
        )


def _set_services(agreement: Agreement, service_ids: Iterable[int]) -> None:
    wanted = set(service_ids)
    current = {
        row.service_id: row
        for row in db.session.scalars(sa.select(AgreementService).where(AgreementService.agreement_id == agreement.id))
    }
    for service_id, row in current.items():
        if service_id not in wanted:
            db.session.delete(row)
    for service_id in wanted - set(current):
        db.session.add(AgreementService(agreement_id=agreement.id, service_id=service_id))
    db.session.flush()
    db.session.expire(agreement, ["services"])


def check_agreement(**data: Any) -> None:
    """Every refusal the terms of a convenzione would meet, without saving anything (a form shows
    them all at once, not in two rounds)."""
    clean_agreement({k: v for k, v in data.items() if k in AGREEMENT_FIELDS})


def create_agreement(*, actor: Any = None, **data: Any) -> Agreement:
    unknown = set(data) - set(AGREEMENT_FIELDS)
    if unknown:
        raise Invalid("campi sconosciuti", {k: ["campo sconosciuto"] for k in sorted(unknown)})
    values = clean_agreement(data)
    service_ids = values.pop("service_ids") or []
    status = values.pop("status")
    if status not in (AgreementStatus.DRAFT, AgreementStatus.ACTIVE):
        raise Invalid("una convenzione nasce in bozza o attiva", {"status": ["ammessi: draft, active"]})
    with transaction(actor=actor):
        if values["code"] and db.session.scalar(sa.select(Agreement.id).where(Agreement.code == values["code"])):
            raise Conflict("codice già usato", {"code": ["codice già usato da un'altra convenzione"]})
        agreement = _insert_with_code(values)
        _set_services(agreement, service_ids)
        if status == AgreementStatus.ACTIVE:
            agreement.status = status
            _check_rules(agreement, local_today())
        db.session.flush()
    return agreement


def load_agreement(agreement_id: int, user: Any = None) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound("convenzione non trovata")
    check_org(user, agreement.organization_id, "convenzione non trovata")
    return agreement


def update_agreement(*, agreement_id: int, actor: Any = None, **changes: Any) -> Agreement:
    """Change terms and/or status (a status change must be an allowed transition)."""
    unknown = set(changes) - set(AGREEMENT_FIELDS)
    if unknown:
        raise Invalid("campi non modificabili", {k: ["campo sconosciuto o non modificabile"] for k in sorted(unknown)})
    agreement = load_agreement(agreement_id)
    merged: dict[str, Any] = {f: getattr(agreement, f) for f in AGREEMENT_FIELDS if f != "service_ids"}
    merged["service_ids"] = agreement.service_ids
    merged.update(changes)
    values = clean_agreement(merged)
    if values["organization_id"] != agreement.organization_id:
        raise Invalid("una convenzione non cambia ente", {"organization_id": ["non modificabile"]})
    new_status = values.pop("status")
    service_ids = values.pop("service_ids")
    if new_status != agreement.status and new_status not in TRANSITIONS[agreement.status]:
        raise Invalid(
            f"passaggio di stato non ammesso: {agreement.status.value} → {new_status.value}",
            {
                "status": [
                    f"da {agreement.status.value} si passa a: "
                    f"{', '.join(s.value for s in allowed_transitions(agreement.status)) or 'nessuno'}"
                ]
            },
        )
    if agreement.status == AgreementStatus.TERMINATED:
        raise Conflict("una convenzione cessata non si modifica", {"status": ["convenzione cessata"]})
    with transaction(actor=actor):
        if not values["code"]:
            values["code"] = agreement.code
        elif values["code"] != agreement.code and db.session.scalar(
            sa.select(Agreement.id).where(Agreement.code == values["code"])
        ):
            raise Conflict("codice già usato", {"code": ["codice già usato da un'altra convenzione"]})
        for key, value in values.items():
            if getattr(agreement, key) != value:
                setattr(agreement, key, value)
        if service_ids is not None:
            _set_services(agreement, service_ids)
        agreement.status = new_status
        _check_rules(agreement, local_today())
        db.session.flush()
    return agreement


def transition_agreement(*, agreement_id: int, status: str, actor: Any = None) -> Agreement:
    return update_agreement(agreement_id=agreement_id, status=status, actor=actor)


def create_agreements_for(
    *, organization_ids: Iterable[int], actor: Any = None, **terms: Any
) -> tuple[list[Agreement], dict[int, str]]:
    """The same terms for many enti (e.g. every comune of a province just imported). Enti that already
    have a convenzione in force or in draft for an overlapping period are skipped, with the reason."""
    created: list[Agreement] = []
    skipped: dict[int, str] = {}
    with transaction(actor=actor):
        for org_id in organization_ids:
            existing = db.session.scalar(
                sa.select(Agreement.code).where(
                    Agreement.organization_id == org_id,
                    Agreement.status.in_([AgreementStatus.DRAFT, AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED]),
                    Agreement.end_date >= _date(terms.get("start_date"), "start_date", Errors()),
                )
            )
            if existing:
                skipped[org_id] = f"ha già la convenzione {existing}"
                continue
            created.append(create_agreement(organization_id=org_id, actor=actor, **terms))
    return created, skipped


# --- listing ---------------------------------------------------------------------------------


def list_agreements(
    *, limit: int = 50, cursor: str | None = None, **filters: Any
) -> tuple[list[Agreement], str | None]:
    """Newest end date first when expiring soon matters most; keyset on (end_date, id)."""
    stmt = agreements_query(**filters)
    descending = filters.get("expiring_within") is None
    return keyset_page(stmt, [Agreement.end_date, Agreement.id], limit=limit, cursor=cursor, descending=descending)


# --- the signed document ---------------------------------------------------------------------


def document_key(sha256: str) -> str:
    """The storage key (app.storage) of a signed convenzione: content-addressed under ``crm/``."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise NotFound("documento non trovato")
    return content_key(sha256, "crm")


def attach_document(
    *, agreement_id: int, filename: str, data: bytes, content_type: str = "application/pdf", actor: Any = None
) -> Agreement:
    """Store the signed convenzione (PDF or .p7m) content-addressed in the file storage, under crm/."""
    agreement = load_agreement(agreement_id)
    name = os.path.basename((filename or "").replace("\\", "/")).strip() or "convenzione.pdf"
    if not data:
        raise Invalid("file vuoto", {"document": ["il file è vuoto"]})
    if len(data) > MAX_DOCUMENT_BYTES:
        raise Invalid("file troppo grande", {"document": ["al massimo 20 MB"]})
    is_pdf = data[:5] == b"%PDF-"
    if not (is_pdf or name.lower().endswith(".p7m")):
        raise Invalid("formato non ammesso", {"document": ["è ammesso un PDF o un file firmato .p7m"]})
    digest = hashlib.sha256(data).hexdigest()
    content_type = "application/pdf" if is_pdf else "application/pkcs7-mime"
    storage = get_storage()
    key = document_key(digest)
    if not storage.exists(key):
        storage.put(key, data, content_type)
    with transaction(actor=actor):
        agreement.document_filename = name[:255]
        agreement.document_sha256 = digest
        agreement.document_content_type = content_type
    return agreement


# --- expiry and renewal alerts ---------------------------------------------------------------


def expire_due(today: dt.date | None = None) -> int:
    """Active or suspended convenzioni whose end date passed become ``expired``."""
    today = today or local_today()
    due = list(
        db.session.scalars(
            sa.select(Agreement).where(
                Agreement.status.in_([AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED]), Agreement.end_date < today
            )
        )
    )
    with transaction():
        for agreement in due:
            agreement.status = AgreementStatus.EXPIRED
    return len(due)


def send_renewal_alerts(today: dt.date | None = None) -> list[tuple[int, int]]:
    """Email finance and admin staff 90 and 30 days before a convenzione in force ends (once each).

    Returns the (agreement id, threshold) pairs alerted now. An alert missed (the worker was down) is
    sent late rather than never: the threshold is "at most N days left".
    """
    from app.auth.models import Role, User
    from app.mail import queue_email

    today = today or local_today()
    horizon = today + dt.timedelta(days=max(ALERT_DAYS))
    candidates = list(
        db.session.scalars(
            sa.select(Agreement)
            .where(Agreement.status == AgreementStatus.ACTIVE, Agreement.end_date >= today)
            .where(Agreement.end_date <= horizon)
            .order_by(Agreement.end_date, Agreement.id)
        )
    )
    sent: list[tuple[int, int]] = []
    if not candidates:
        return sent
    recipients = list(
        db.session.scalars(
            sa.select(User.email).where(User.role.in_([Role.FINANCE, Role.ADMIN]), User.active.is_(True))
        )
    )
    base = current_app.config["PUBLIC_BASE_URL"]
    with transaction():
        for agreement in candidates:
            days_left = (agreement.end_date - today).days
            threshold = min(d for d in ALERT_DAYS if days_left <= d)
            done = db.session.scalar(
                sa.select(AgreementAlert.id).where(
                    AgreementAlert.agreement_id == agreement.id,
                    AgreementAlert.end_date == agreement.end_date,
                    AgreementAlert.days_before <= threshold,
                )
            )
            if done:
                continue
            db.session.add(
                AgreementAlert(agreement_id=agreement.id, days_before=threshold, end_date=agreement.end_date)
            )
            org = db.session.get(Organization, agreement.organization_id)
            subject = f"Convenzione {agreement.code} ({org.name}) in scadenza il {agreement.end_date:%d/%m/%Y}"
            body = (
                f"La convenzione {agreement.code} con {org.name} scade il {agreement.end_date:%d/%m/%Y} "
                f"(tra {days_left} giorni).\n\nServizi: {', '.join(s.name for s in agreement.services) or '—'}\n"
                f"Quota fissa annua: {fmt_money(agreement.annual_fee_fixed, locale='it')}\n\n"
                f"Dettagli: {base}/crm/convenzioni/{agreement.id}\n"
            )
            for address in recipients:
                queue_email(
                    to=address,
                    subject=subject,
                    body_text=body,
                    category="crm.renewal",
                    related_type="agreement",
                    related_id=agreement.id,
                )
            sent.append((agreement.id, threshold))
    return sent


def pending_alerts(limit: int = 20) -> list[Agreement]:
    """Convenzioni in force that end within 90 days, soonest first (for dashboards)."""
    return list(
        db.session.scalars(
            agreements_query(expiring_within=max(ALERT_DAYS)).order_by(Agreement.end_date, Agreement.id).limit(limit)
        )
    )


def set_service_fee(*, agreement_id: int, service_id: int, annual_fee: Any, actor: Any = None) -> AgreementService:
    """A yearly fee of its own for a service the convenzione includes (0: covered by the quotas);
    billing adds it as a line of the annual fattura."""
    e = Errors()
    fee = _money(annual_fee, "annual_fee", e)
    e.raise_if_any()
    with transaction(actor=actor):
        row = db.session.get(AgreementService, (agreement_id, service_id))
        if row is None:
            raise NotFound("servizio non incluso nella convenzione")
        row.annual_fee = fee
        db.session.flush()
    return row

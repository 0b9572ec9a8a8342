"""Demo: the catalog of the PNRR measures for comuni (PA digitale 2026) and a few values. Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from app.db import transaction
from app.extensions import db
from crm.models import Organization, OrgKind, Service
from indicators.models import Indicator, IndicatorValue, Kind, Source
from indicators.services import add_value

# code, name, measure, kind, unit, target, deadline, catalog service codes, description
CATALOG: list[tuple[str, str, str, Kind, str, Any, str | None, list[str], str]] = [
    (
        "PNRR-1.4.1-WEB",
        "Sito conforme al modello Comuni",
        "PNRR M1C1 1.4.1",
        Kind.BOOLEAN,
        "",
        True,
        "2026-06-30",
        ["sito"],
        "Esperienza del cittadino nei servizi pubblici: sito e servizi digitali sul modello Designers Italia.",
    ),
    (
        "PNRR-1.4.3-PAGOPA",
        "Servizi di pagamento su pagoPA",
        "PNRR M1C1 1.4.3",
        Kind.NUMBER,
        "servizi",
        5,
        "2026-06-30",
        ["pagopa"],
        "Numero di tipologie di servizi di incasso migrate su pagoPA.",
    ),
    (
        "PNRR-1.4.3-IO",
        "Servizi pubblicati su App IO",
        "PNRR M1C1 1.4.3",
        Kind.NUMBER,
        "servizi",
        3,
        "2026-06-30",
        ["app-io"],
        "Numero di servizi del comune attivi sull'app IO.",
    ),
    (
        "PNRR-1.4.4-SPID",
        "Accesso con SPID e CIE",
        "PNRR M1C1 1.4.4",
        Kind.BOOLEAN,
        "",
        True,
        "2026-06-30",
        ["spid-cie"],
        "I servizi online del comune accettano SPID e CIE (e non più credenziali proprie).",
    ),
    (
        "PNRR-1.4.4-ANPR",
        "Servizi ANPR (stato civile, certificati)",
        "PNRR M1C1 1.4.4",
        Kind.CHOICE,
        "",
        ["completato"],
        "2026-06-30",
        ["anpr"],
        "Adesione ai servizi di ANPR: stato civile digitale ed elettorale.",
    ),
    (
        "PNRR-1.4.5-SEND",
        "Notifiche digitali con SEND",
        "PNRR M1C1 1.4.5",
        Kind.BOOLEAN,
        "",
        True,
        "2026-06-30",
        [],
        "Piattaforma notifiche digitali: il comune notifica atti tramite SEND.",
    ),
    (
        "PNRR-1.2-CLOUD",
        "Servizi migrati in cloud",
        "PNRR M1C1 1.2",
        Kind.PERCENT,
        "%",
        100,
        "2026-06-30",
        ["cloud"],
        "Quota dei servizi del comune migrati su cloud qualificato.",
    ),
    (
        "PNRR-1.3.1-PDND",
        "API pubblicate su PDND",
        "PNRR M1C1 1.3.1",
        Kind.NUMBER,
        "API",
        1,
        "2026-06-30",
        [],
        "Piattaforma digitale nazionale dati: e-service erogati dal comune.",
    ),
]
ANPR_CHOICES = ["non avviato", "in corso", "completato"]


def load(ctx: dict[str, Any]) -> None:
    summary = ctx.setdefault("summary", {})
    created = load_catalog()
    n_values = _values()
    summary["indicators"] = {"indicators_created": created, "values": n_values}


def load_catalog() -> int:
    existing = {i.code for i in db.session.scalars(sa.select(Indicator))}
    svc = {s.code: s.id for s in db.session.scalars(sa.select(Service))}
    created = 0
    with transaction():
        for code, name, measure, kind, unit, target, deadline, services, description in CATALOG:
            if code in existing:
                continue
            db.session.add(
                Indicator(
                    code=code,
                    name=name,
                    measure=measure,
                    kind=kind,
                    unit=unit,
                    target=target,
                    choices=ANPR_CHOICES if kind == Kind.CHOICE else [],
                    deadline=dt.date.fromisoformat(deadline) if deadline else None,
                    service_ids=sorted(svc[s] for s in services if s in svc),
                    description=description,
                )
            )
            created += 1
    return created


def _values() -> int:
    """A few values for the first comuni of the demo (by ISTAT code), with some history."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(IndicatorValue)):
        return 0
    comuni = list(
        db.session.scalars(
            sa.select(Organization)
            .where(Organization.kind == OrgKind.COMUNE)
            .order_by(Organization.istat_code)
            .limit(12)
        )
    )
    ind = {i.code: i for i in db.session.scalars(sa.select(Indicator))}
    n = 0
    with transaction():
        for i, org in enumerate(comuni):
            plan: list[tuple[str, Any, str]] = [
                ("PNRR-1.4.4-SPID", i % 3 != 0, "2026-03-31"),
                ("PNRR-1.4.3-PAGOPA", 2 + i % 5, "2025-12-31"),
                ("PNRR-1.4.3-PAGOPA", 3 + i % 5, "2026-09-30"),
                ("PNRR-1.2-CLOUD", min(100, 40 + 15 * i), "2026-06-30"),
                ("PNRR-1.4.4-ANPR", ANPR_CHOICES[i % 3], "2026-05-31"),
            ]
            for code, value, as_of in plan:
                if code not in ind:
                    continue
                add_value(
                    organization_id=org.id,
                    indicator_id=ind[code].id,
                    value=value,
                    as_of=dt.date.fromisoformat(as_of),
                    source=Source.OPERATOR,
                    note="dato dimostrativo",
                )
                n += 1
    return n

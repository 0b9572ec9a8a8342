"""Demo data of the CRM: the 41 comuni of the Città Metropolitana di Bari from the bundled ISTAT
registry, an unione, the service catalog, contacts, convenzioni in every state and some interactions.

Idempotent: everything is looked up by a natural key (code, name, email) before it is created.
Addresses and numbers are clearly fictitious (``*.example`` domains, 080 555 numbers): the real PEC
of a comune is in IPA and is not reproduced here. A comune whose codice fiscale is verified
(``crm/data/fiscal_codes.csv``: Bari) has it, so the IndicePA sample (``crm/data/ipa_sample``) or the
real IndicePA files match it by fiscal code; the others are matched by ISTAT code and get theirs.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.db import local_today, transaction, utcnow
from app.extensions import db
from crm import agreements as agr
from crm import services
from crm.models import Agreement, AgreementStatus, Contact, Interaction, Organization, OrgKind, Service
from crm.registry import import_comuni

SERVICES = [
    ("spid-cie", "Assistenza SPID/CIE", "Accesso ai servizi online con SPID e CIE: configurazione e supporto."),
    ("pagopa", "pagoPA", "Adesione, configurazione dei servizi di pagamento e riconciliazione."),
    ("app-io", "App IO", "Pubblicazione dei servizi e dei messaggi sull'app IO."),
    ("anpr", "ANPR", "Anagrafe nazionale: subentro, certificati online, supporto agli uffici."),
    ("sito", "Sito istituzionale", "Sito conforme al modello Designers Italia, hosting e aggiornamenti."),
    ("protocollo", "Protocollo informatico", "Protocollo, gestione documentale e conservazione."),
    ("pec", "PEC e posta elettronica", "Caselle PEC e di posta, domini, antispam."),
    ("reti", "Reti e connettività", "Rete degli uffici, VPN, Wi-Fi pubblico."),
    ("cloud", "Cloud e hosting", "Macchine virtuali e servizi nel data center del centro."),
    ("sicurezza", "Sicurezza informatica", "Backup, antivirus, analisi delle vulnerabilità, incidenti."),
    ("formazione", "Formazione", "Corsi per il personale sugli strumenti digitali."),
]
BASE_SERVICES = ["spid-cie", "pagopa", "app-io", "anpr", "sito", "pec"]
FULL_SERVICES = BASE_SERVICES + ["protocollo", "reti", "cloud", "sicurezza", "formazione"]
UNION = ("Unione dei Comuni del Sud-Est Barese (demo)", ["072019", "072028", "072032", "072035", "072037"])
FIRST_NAMES = ["Anna", "Giuseppe", "Maria", "Vito", "Rosa", "Nicola", "Angela", "Michele", "Lucia", "Francesco"]
LAST_NAMES = ["De Santis", "Lorusso", "Caputo", "Loiacono", "Digiesi", "Ventura", "Colella", "Pastore", "Netti"]
ROLES = [("sindaco", "Sindaco"), ("rtd", "RTD"), ("ragioneria", "Ragioneria"), ("responsabile_si", "CED")]


def _slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "", text.replace("comune di ", ""))


def _person(i: int) -> str:
    return f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7) % len(LAST_NAMES)]}"


def _cig(n: int) -> str:
    return f"{n:07d}{(n * 211) % 4091:03X}"


def load(ctx: dict[str, Any]) -> None:
    summary = ctx.setdefault("summary", {})
    counts = import_comuni(province="BA")
    comuni = list(
        db.session.scalars(
            sa.select(Organization)
            .where(Organization.province == "BA", Organization.kind == OrgKind.COMUNE)
            .order_by(Organization.istat_code)
        )
    )
    _fill_identity(comuni)
    catalog = _catalog()
    union = _union()
    contacts = _contacts(comuni + [union])
    n_agreements = _agreements(comuni, union, catalog)
    _interactions(comuni, contacts)
    bari = next((o for o in comuni if o.istat_code == "072006"), comuni[0] if comuni else None)
    if bari is not None:
        ctx["referente_organization_id"] = bari.id
    ctx["crm_service_ids"] = {code: s.id for code, s in catalog.items()}
    summary["crm"] = {
        "comuni": len(comuni),
        "comuni_created": counts["created"],
        "services": len(catalog),
        "contacts": len(contacts),
        "agreements": n_agreements,
    }


def _fill_identity(comuni: list[Organization]) -> None:
    """Demo contact details for comuni that have none (fictitious, clearly marked)."""
    with transaction():
        for i, org in enumerate(comuni):
            slug = _slug(org.city or org.name)
            if not org.pec:
                org.pec = f"protocollo@pec.comune.{slug}.example"
            if not org.email:
                org.email = f"urp@comune.{slug}.example"
            if not org.phone:
                org.phone = f"+39080555{i:04d}"
            if not org.sdi_code:
                org.sdi_code = f"DEMO{i:02d}"
            if not org.address:
                org.address = "Piazza del Municipio 1"
            if not org.zip_code:
                org.zip_code = "70100"


def _catalog() -> dict[str, Service]:
    existing = {s.code: s for s in db.session.scalars(sa.select(Service))}
    for code, name, description in SERVICES:
        if code not in existing:
            policy = "premium" if code in ("sicurezza", "cloud") else "standard"
            existing[code] = services.create_service(
                code=code, name=name, description=description, default_sla_policy=policy
            )
    return existing


def _union() -> Organization:
    name, member_istat = UNION
    union = db.session.scalar(sa.select(Organization).where(Organization.name == name))
    if union is None:
        union = services.create_organization(
            kind="unione_comuni",
            name=name,
            province="BA",
            region="Puglia",
            pec="unione.sudestbarese@pec.demo.example",
            ipa_code="demo_usebar",
        )
    members = db.session.scalars(sa.select(Organization.id).where(Organization.istat_code.in_(member_istat)))
    services.set_union_members(union_id=union.id, member_ids=list(members))
    return union


def _contacts(orgs: list[Organization]) -> list[Contact]:
    out: list[Contact] = []
    n = 0
    for org in orgs:
        slug = _slug(org.city or org.name)
        have = {c.role.value for c in db.session.scalars(sa.select(Contact).where(Contact.organization_id == org.id))}
        roles = ROLES if (org.population or 0) > 15000 else ROLES[:3]
        for role, label in roles:
            n += 1
            if role in have:
                continue
            out.append(
                services.create_contact(
                    organization_id=org.id,
                    name=_person(n),
                    role=role,
                    email=f"{role}@comune.{slug}.example",
                    phone=f"+39333555{n:04d}" if role in ("rtd", "responsabile_si") else f"+39080555{n + 5000:04d}",
                    consent=True,
                    notes=f"{label} (dati dimostrativi)",
                )
            )
    return out or list(db.session.scalars(sa.select(Contact)))


def _agreements(comuni: list[Organization], union: Organization, catalog: dict[str, Service]) -> int:
    """About three comuni in four covered: most active until 2028, a few near the end (renewal alerts),
    one suspended, one expired, some drafts; the largest billed with FatturaPA and a CIG."""
    today = local_today()
    created = 0
    for i, org in enumerate(comuni):
        code = f"CONV-DEMO-{org.istat_code}"
        if db.session.scalar(sa.select(Agreement.id).where(Agreement.code == code)):
            continue
        if i % 4 == 3:
            continue  # not covered: shows up under "nessuna convenzione in vigore"
        big = (org.population or 0) > 40000
        codes = FULL_SERVICES if big else BASE_SERVICES
        start, end = dt.date(2024, 1, 1), dt.date(2028, 12, 31)
        status = "active"
        if i == 10:
            status = "draft"
            start, end = dt.date(today.year + 1, 1, 1), dt.date(today.year + 5, 12, 31)
        elif i % 9 == 1:
            end = today + dt.timedelta(days=25)  # 30-day alert
        elif i % 9 == 5:
            end = today + dt.timedelta(days=75)  # 90-day alert
        terms = {
            "organization_id": org.id,
            "code": code,
            "protocol_number": f"{2023 + (i % 2)}/{1200 + i * 7}",
            "title": f"Convenzione per i servizi digitali — {org.name}",
            "start_date": start,
            "end_date": end,
            "service_ids": [catalog[c].id for c in codes if c in catalog],
            "billing_document": "fattura" if big else "richiesta_pagamento",
            "annual_fee_fixed": Decimal("2500.00") if big else Decimal("800.00"),
            "fee_per_inhabitant": Decimal("0.15"),
            "included_hours": Decimal("40") if big else Decimal("15"),
            "hourly_rate": Decimal("45.00"),
            "sla_tier": "premium" if big else "standard",
            "cig": _cig(4100000 + i) if big else None,
            "status": status,
        }
        agreement = agr.create_agreement(**terms)
        created += 1
        if i == 6:
            agr.transition_agreement(agreement_id=agreement.id, status="suspended")
    # one expired convenzione (the previous term) for history
    first = comuni[0] if comuni else None
    if first is not None and not db.session.scalar(
        sa.select(Agreement.id).where(Agreement.code == f"CONV-DEMO-{first.istat_code}-2019")
    ):
        old = agr.create_agreement(
            organization_id=first.id,
            code=f"CONV-DEMO-{first.istat_code}-2019",
            title="Convenzione 2019–2023",
            start_date=dt.date(2019, 1, 1),
            end_date=dt.date(2023, 12, 31),
            service_ids=[catalog["spid-cie"].id, catalog["pec"].id],
            annual_fee_fixed=Decimal("600.00"),
        )
        with transaction():
            old.status = AgreementStatus.EXPIRED
        created += 1
    if not db.session.scalar(sa.select(Agreement.id).where(Agreement.organization_id == union.id)):
        agr.create_agreement(
            organization_id=union.id,
            code="CONV-DEMO-UNIONE",
            title="Convenzione per la gestione associata dei servizi digitali",
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2029, 12, 31),
            service_ids=[catalog[c].id for c in ("protocollo", "cloud", "formazione")],
            annual_fee_fixed=Decimal("300.00"),
            status="active",
        )
        created += 1
    return created


def _interactions(comuni: list[Organization], contacts: list[Contact]) -> None:
    by_org: dict[int, list[Contact]] = {}
    for c in db.session.scalars(sa.select(Contact)):
        by_org.setdefault(c.organization_id, []).append(c)
    topics = [
        ("meeting", "Incontro annuale sulla convenzione", "Verificati i servizi attivi e le ore residue."),
        ("call", "Telefonata sul passaggio ad ANPR", "Il comune chiede supporto per i certificati online."),
        ("email", "Richiesta di preventivo per il sito", "Da inviare entro fine mese."),
        ("note", "Referente in ferie ad agosto", "Per urgenze contattare il sindaco."),
    ]
    now = utcnow()
    with transaction():
        for i, org in enumerate(comuni[:20]):
            if db.session.scalar(sa.select(Interaction.id).where(Interaction.organization_id == org.id).limit(1)):
                continue
            people = by_org.get(org.id, [])
            for j in range(1 + i % 3):
                kind, subject, body = topics[(i + j) % len(topics)]
                db.session.add(
                    Interaction(
                        organization_id=org.id,
                        contact_id=people[j % len(people)].id if people else None,
                        kind=kind,
                        subject=subject,
                        body=body,
                        occurred_at=now - dt.timedelta(days=7 * (j + 1) + i, hours=i % 5),
                    )
                )

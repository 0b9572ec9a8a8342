"""Enti, their contacts and convenzioni, normalized by the CRM's own cleaning code."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from decimal import Decimal

from stdnum import luhn

from app.bulk.copy import BulkResult, Loader
from app.bulk.vocabulary import FIRST_NAMES, LAST_NAMES, PROVINCES, ROLES, SERVICES, TOWN_HEADS, TOWN_TAILS
from crm import agreements
from crm.cleaning import clean_contact, clean_organization


def slug(text: str) -> str:
    """ASCII letters and digits only (for generated domains and mailboxes)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text.lower() if c.isalnum())


def _fiscal_code(oid: int, used: set[str]) -> str:
    """A codice fiscale of an ente (8…, an office code, a Luhn check digit) not used yet."""
    n = oid
    while True:
        body = f"8{n % 10**6:06d}{n % 100 + 1:03d}"
        code = body + luhn.calc_check_digit(body)
        if code not in used:
            used.add(code)
            return code
        n += 10**6


def _town_name(rnd: random.Random, kind: str, used_names: set[str]) -> tuple[str, str]:
    while True:
        town = f"{rnd.choice(TOWN_HEADS)} {rnd.choice(TOWN_TAILS)}"
        name = (
            f"Comune di {town}"
            if kind == "comune"
            else ("Unione dei Comuni " if kind == "unione_comuni" else "Unione Montana ") + town
        )
        if name not in used_names:
            break
        town = f"{town} {rnd.choice(TOWN_TAILS)}"
        name = f"{name} {rnd.choice(TOWN_TAILS)}"
        if name not in used_names:
            break
    used_names.add(name)
    return town, name


def load_crm(
    loader: Loader, rnd: random.Random, n_orgs: int, now: dt.datetime, result: BulkResult
) -> tuple[list[int], list[float], dict[int, list[int]]]:
    """Enti with 2–4 contacts and one active convenzione each; returns the ids, the enti's weights
    (bigger comuni ask more) as cumulative weights, and the contacts of each ente."""
    existing = loader.rows("SELECT istat_code, belfiore_code, ipa_code, name, fiscal_code FROM organizations")
    used_istat = {r[0] for r in existing if r[0]}
    used_belfiore = {r[1] for r in existing if r[1]}
    used_ipa = {r[2] for r in existing if r[2]}
    used_names = {r[3] for r in existing}
    used_fiscal = {r[4] for r in existing if r[4]}
    start = loader.next_id("organizations")
    org_rows: list[dict] = []
    weights: list[float] = []
    populations: dict[int, int] = {}
    istat_seq = 0
    bel_seq = 0
    created = now - dt.timedelta(days=365 * 6)
    for i in range(n_orgs):
        oid = start + i
        kind = "comune" if rnd.random() < 0.93 else rnd.choice(["unione_comuni", "unione_montana"])
        town, name = _town_name(rnd, kind, used_names)
        prov = PROVINCES[(i * 7) % len(PROVINCES)]
        istat = belfiore = ipa = None
        if kind == "comune":
            while True:
                istat_seq += 1
                istat = f"{1 + istat_seq // 999:03d}{istat_seq % 999 + 1:03d}"
                if istat not in used_istat:
                    break
            while bel_seq < 26 * 999:
                bel_seq += 1
                cand = f"{chr(65 + bel_seq % 26)}{bel_seq // 26 % 1000:03d}"
                if cand not in used_belfiore:
                    belfiore = cand
                    break
            ipa = f"c_{belfiore.lower()}" if belfiore else None
        else:
            ipa = f"u_bulk{oid}"
        if ipa in used_ipa:
            ipa = None
        used_istat.add(istat)
        used_belfiore.add(belfiore)
        used_ipa.add(ipa)
        pop = int(min(300_000, max(300, rnd.lognormvariate(8.3, 1.1))))
        populations[oid] = pop
        domain = f"comune.{slug(town)[:30]}.{prov.lower()}.it"
        cf = _fiscal_code(oid, used_fiscal)
        values = clean_organization(
            {
                "kind": kind,
                "name": name,
                "istat_code": istat,
                "belfiore_code": belfiore,
                "fiscal_code": cf,
                "vat_number": cf,
                "ipa_code": ipa,
                "sdi_code": f"UF{oid % 10000:04d}",
                "pec": f"protocollo@pec.{domain}",
                "email": f"info@{domain}",
                "phone": f"+39080{rnd.randint(1000000, 9999999)}",
                "address": f"Piazza Municipio {rnd.randint(1, 40)}",
                "zip_code": f"{rnd.randint(10, 98)}0{rnd.randint(10, 99)}",
                "city": town,
                "province": prov,
                "region": "Puglia" if prov in ("BA", "BT", "BR", "FG", "LE", "TA") else "",
                "population": pop,
                "population_year": 2023,
                "pagopa_segregation_code": f"{oid % 90 + 10:02d}",
            }
        )
        org_rows.append({"id": oid, **values, "created_at": created, "updated_at": created})
        weights.append(pop**0.6)
    result.counts["organizations"] = loader.copy("organizations", org_rows)
    loader.fix_sequence("organizations")
    org_ids = [row["id"] for row in org_rows]

    contacts_by_org = _load_contacts(loader, rnd, org_rows, created, result)
    service_ids = _ensure_services(loader, created)
    _load_agreements(loader, rnd, org_ids, populations, service_ids, created, result)
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    return org_ids, cum, contacts_by_org


def _load_contacts(
    loader: Loader, rnd: random.Random, org_rows: list[dict], created: dt.datetime, result: BulkResult
) -> dict[int, list[int]]:
    cid = loader.next_id("contacts")
    contact_rows: list[dict] = []
    contacts_by_org: dict[int, list[int]] = {}
    for org in org_rows:
        domain = org["email"].split("@", 1)[1]
        ids = []
        for role in ROLES[: rnd.randint(2, 4)]:
            first, last = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES).replace("_", " ")
            values = clean_contact(
                {
                    "organization_id": org["id"],
                    "name": f"{first} {last}",
                    "role": role,
                    "email": f"{slug(first)}.{slug(last)}.{cid}@{domain}",
                    "phone": f"+39080{rnd.randint(1000000, 9999999)}",
                    "consent": True,
                },
                organization_checked=True,
            )
            contact_rows.append(
                {"id": cid, **values, "consent_at": created, "email_failing": False, "created_at": created,
                 "updated_at": created}
            )  # fmt: skip
            ids.append(cid)
            cid += 1
        contacts_by_org[org["id"]] = ids
    result.counts["contacts"] = loader.copy("contacts", contact_rows)
    loader.fix_sequence("contacts")
    return contacts_by_org


def _ensure_services(loader: Loader, created: dt.datetime) -> list[int]:
    have = {r[0] for r in loader.rows("SELECT code FROM services")}
    sstart = loader.next_id("services")
    new_services = [
        {"id": sstart + i, "code": code, "name": name, "description": "", "active": True, "created_at": created,
         "updated_at": created}
        for i, (code, name) in enumerate((c, n) for c, n in SERVICES if c not in have)
    ]  # fmt: skip
    if new_services:
        loader.copy("services", new_services)
        loader.fix_sequence("services")
    return [r[0] for r in loader.rows("SELECT id FROM services ORDER BY id")]


def _load_agreements(
    loader: Loader,
    rnd: random.Random,
    org_ids: list[int],
    populations: dict[int, int],
    service_ids: list[int],
    created: dt.datetime,
    result: BulkResult,
) -> None:
    """One active convenzione an ente, numbered like the CRM numbers them (``CONV-<year>-<nnnn>``)."""
    codes = [r[0] for r in loader.rows("SELECT code FROM agreements")]
    last: dict[int, int] = {}
    astart = loader.next_id("agreements")
    agreement_rows: list[dict] = []
    links: list[dict] = []
    for i, oid in enumerate(org_ids):
        aid = astart + i
        start_year = rnd.choice([2021, 2022, 2023, 2024])
        if start_year not in last:
            last[start_year] = agreements.last_code_number(start_year, codes)
        last[start_year] += 1
        pop = populations[oid]
        agreement_rows.append(
            {
                "id": aid,
                "organization_id": oid,
                "code": agreements.format_code(start_year, last[start_year]),
                "protocol_number": f"{rnd.randint(1, 9999)}/{start_year}",
                "title": f"Convenzione per i servizi digitali {start_year}-{start_year + 4}",
                "start_date": dt.date(start_year, 1, 1),
                "end_date": dt.date(start_year + 4, 12, 31),
                "status": "active",
                "billing_document": "fattura" if rnd.random() < 0.35 else "richiesta_pagamento",
                "annual_fee_fixed": Decimal(rnd.choice([300, 500, 800, 1200, 2000])) if pop > 1000 else Decimal(300),
                "fee_per_inhabitant": Decimal(rnd.choice(["0.10", "0.15", "0.20", "0.25"])),
                "included_hours": Decimal(rnd.choice([10, 20, 40])),
                "hourly_rate": Decimal("45.00"),
                "sla_tier": rnd.choice(["standard", "standard", "premium"]),
                "cig": None,
                "cup": None,
                "notes": "",
                "created_at": created,
                "updated_at": created,
            }
        )
        for sid in rnd.sample(service_ids, k=min(len(service_ids), rnd.randint(3, 7))):
            links.append({"agreement_id": aid, "service_id": sid})
    result.counts["agreements"] = loader.copy("agreements", agreement_rows)
    loader.copy("agreement_services", links)
    loader.fix_sequence("agreements")

"""Imports of indicator values: our CSV by ISTAT code, and the PA digitale 2026 open data of funded applications.

The parsers (``read_rows``, ``parse_amount``, ``parse_day``, ``measure_of``) are pure and never raise on
bad text except ``Invalid``; every line is stored in its own savepoint, so a bad line stores nothing
and the good ones are kept. Errors come back as ``(line number, reason)``, line 1 being the header.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import decimal
import io
import re
from typing import Any

import sqlalchemy as sa

from app.db import transaction
from app.errors import DomainError, Invalid
from app.extensions import db
from crm.models import Organization
from indicators.models import Funding, Indicator, Source
from indicators.services import add_value

VALUE_COLUMNS = ("istat_code", "indicator_code", "value", "as_of")


@dataclasses.dataclass
class ImportResult:
    stored: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = dataclasses.field(default_factory=list)


def read_rows(text: str, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """``(line number, row)`` of a CSV with a header (``,`` or ``;``); Invalid if a required column is missing."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        header = []
    except csv.Error as exc:
        raise Invalid("intestazione illeggibile", {"file": [str(exc)]}) from exc
    missing = [c for c in required if c not in header]
    if missing:
        raise Invalid("colonne mancanti: " + ", ".join(missing), {"file": ["colonne mancanti: " + ", ".join(missing)]})
    out = []
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            line = reader.line_num
            out.append((line, {"__error__": "riga illeggibile"}))
            continue
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        out.append((line, row))
    return out


def parse_day(text: str, field: str) -> dt.date:
    """``YYYY-MM-DD`` (optionally with a time after it) or ``DD/MM/YYYY``."""
    raw = (text or "").strip()
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", raw):
            d, m, y = (int(p) for p in raw.split("/"))
            return dt.date(y, m, d)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", raw):
            return dt.date.fromisoformat(raw[:10])
    except ValueError:
        pass
    raise Invalid("data non valida", {field: ["data non valida"]})


def parse_amount(text: str) -> decimal.Decimal | None:
    """An amount in euro: ``12345.67``, ``12.345,67``, ``€ 12 345,67``; empty: None."""
    raw = re.sub(r"[€\s]", "", text or "")
    if not raw:
        return None
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    try:
        amount = decimal.Decimal(raw)
    except decimal.InvalidOperation as exc:
        raise Invalid("importo non valido", {"importo_finanziamento": ["importo non valido"]}) from exc
    if not amount.is_finite() or amount < 0 or amount >= decimal.Decimal("1e10"):
        raise Invalid("importo non valido", {"importo_finanziamento": ["importo non valido"]})
    return amount.quantize(decimal.Decimal("0.01"))


def _store(result: ImportResult, line: int, func: Any) -> None:
    """Run ``func`` in a savepoint: a domain error rolls back that line only and is reported."""
    savepoint = db.session.begin_nested()
    try:
        outcome = func()
    except DomainError as exc:
        savepoint.rollback()
        reason = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items()) or exc.message
        result.errors.append((line, reason))
        return
    savepoint.commit()
    if outcome is False:
        result.unchanged += 1
    else:
        result.stored += 1


def import_values(text: str, *, actor: Any = None) -> ImportResult:
    """``istat_code,indicator_code,value,as_of``: one value per line, source ``import``."""
    rows = read_rows(text, VALUE_COLUMNS)
    result = ImportResult()
    with transaction(actor=actor):
        orgs = dict(db.session.execute(sa.select(Organization.istat_code, Organization.id)).all())
        inds = dict(db.session.execute(sa.select(Indicator.code, Indicator.id)).all())
        for line, row in rows:

            def one(row: dict[str, str] = row) -> None:
                if "__error__" in row:
                    raise Invalid(row["__error__"])
                istat = row["istat_code"].zfill(6) if row["istat_code"].isdigit() else row["istat_code"]
                if istat not in orgs:
                    raise Invalid("ente sconosciuto", {"istat_code": ["ente sconosciuto"]})
                if row["indicator_code"] not in inds:
                    raise Invalid("indicatore sconosciuto", {"indicator_code": ["indicatore sconosciuto"]})
                add_value(
                    organization_id=orgs[istat],
                    indicator_id=inds[row["indicator_code"]],
                    value=row["value"],
                    as_of=parse_day(row["as_of"], "as_of"),
                    source=Source.IMPORT,
                    note=row.get("note", ""),
                )

            _store(result, line, one)
    return result


# PA digitale 2026: the "avviso" names its measure ("Misura 1.4.3 Adozione piattaforma pagoPA - Comuni").
_KEYWORDS = [
    ("1.4.3", "app io", "PNRR-1.4.3-IO"),
    ("1.4.3", "pagopa", "PNRR-1.4.3-PAGOPA"),
    ("1.4.4", "anpr", "PNRR-1.4.4-ANPR"),
    ("1.4.4", "stato civile", "PNRR-1.4.4-ANPR"),
    ("1.4.4", "spid", "PNRR-1.4.4-SPID"),
    ("1.4.4", "identit", "PNRR-1.4.4-SPID"),
]


def measure_of(avviso: str) -> str | None:
    """The measure number in an avviso's name ("1.4.3", "1.2"), or None."""
    match = re.search(r"misura\s*(\d+(?:\.\d+){1,2})", avviso or "", re.IGNORECASE)
    if match:
        return match.group(1)
    match = re.search(r"\b(1\.\d(?:\.\d)?)\b", avviso or "")
    return match.group(1) if match else None


def indicator_for(avviso: str, indicators: list[Indicator]) -> Indicator | None:
    """The indicator an avviso funds: by keyword within its measure, else the only indicator of that measure."""
    number = measure_of(avviso)
    if number is None:
        return None
    by_code = {i.code: i for i in indicators}
    low = avviso.lower()
    for measure, keyword, code in _KEYWORDS:
        if measure == number and keyword in low and code in by_code:
            return by_code[code]
    same = [i for i in indicators if i.measure.split()[-1:] == [number]]
    return same[0] if len(same) == 1 else None


def import_padigitale(text: str, *, actor: Any = None) -> ImportResult:
    """Funded applications by ``codice_ipa`` and ``avviso``: one Funding per ente and avviso (re-import updates)."""
    rows = read_rows(text, ("codice_ipa", "avviso", "importo_finanziamento", "data_finanziamento"))
    result = ImportResult()
    with transaction(actor=actor):
        orgs = {
            code.lower(): oid
            for code, oid in db.session.execute(sa.select(Organization.ipa_code, Organization.id)).all()
            if code
        }
        indicators = list(db.session.scalars(sa.select(Indicator)))
        for line, row in rows:

            def one(row: dict[str, str] = row) -> bool:
                if "__error__" in row:
                    raise Invalid(row["__error__"])
                org_id = orgs.get(row["codice_ipa"].lower())
                if org_id is None:
                    raise Invalid("ente sconosciuto", {"codice_ipa": ["ente sconosciuto"]})
                avviso = row["avviso"][:300]
                if not avviso:
                    raise Invalid("avviso mancante", {"avviso": ["obbligatorio"]})
                amount = parse_amount(row["importo_finanziamento"])
                day = parse_day(row["data_finanziamento"], "data_finanziamento") if row["data_finanziamento"] else None
                indicator = indicator_for(avviso, indicators)
                funding = db.session.scalar(
                    sa.select(Funding).where(Funding.organization_id == org_id, Funding.avviso == avviso)
                )
                if funding is None:
                    funding = Funding(organization_id=org_id, avviso=avviso)
                    db.session.add(funding)
                elif (funding.amount, funding.funded_on, funding.indicator_id) == (
                    amount,
                    day,
                    indicator.id if indicator else None,
                ):
                    return False
                funding.amount = amount
                funding.funded_on = day
                funding.indicator_id = indicator.id if indicator else None
                db.session.flush()
                return True

            _store(result, line, one)
    return result

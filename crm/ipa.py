"""IndicePA (www.indicepa.gov.it) open data: the enti file (``Codice_IPA``, ``Codice_fiscale_ente``,
``Mail1``/``Tipo_Mail1`` … ``Mail5``/``Tipo_Mail5``) and the electronic-invoicing offices file
(``Codice_uni_uo``, ``Codice_fiscale_sfe``…). Enti are matched by codice fiscale; their IPA code, PEC
and codice univoco ufficio (``sdi_code``) are updated, with a report of what changed.

``flask --app wsgi crm import-ipa ENTI_FILE [UO_SFE_FILE]``; a daily job when ``IPA_ENTI_URL`` (and
optionally ``IPA_UO_SFE_URL``) are configured.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.db import transaction
from app.errors import Invalid
from app.extensions import db
from app.jobs import periodic
from crm.cli import crm_cli
from crm.models import Organization

MAX_BYTES = 50 * 1024 * 1024
PEC_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def read_rows(data: bytes | str) -> list[dict[str, str]]:
    """Rows of an IndicePA file (CSV with , or ; or tab, UTF-8 with or without BOM)."""
    raw = data if isinstance(data, bytes) else data.encode()
    if len(raw) > MAX_BYTES:
        raise Invalid("file troppo grande", {"file": ["oltre 50 MB"]})
    text = raw.decode("utf-8-sig", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max(["\t", ";", ","], key=first.count)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        if not reader.fieldnames:
            raise Invalid("file senza intestazione", {"file": ["intestazione mancante"]})
        return [{(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)} for row in reader]
    except csv.Error as exc:
        raise Invalid("file non leggibile", {"file": [str(exc)[:200]]}) from exc


def _pec_of(row: dict[str, str]) -> str | None:
    for n in range(1, 6):
        mail = row.get(f"Mail{n}", "")
        if row.get(f"Tipo_Mail{n}", "").strip().lower() == "pec" and PEC_RE.match(mail):
            return mail.lower()[:254]
    return None


def import_ipa(*, enti: bytes | str, uo_sfe: bytes | str | None = None, actor: Any = None) -> list[dict[str, Any]]:
    """Update the enti found by fiscal code; returns one row per changed ente: ``{organization_id,
    name, changes: {field: [old, new]}}``."""
    ente_rows = read_rows(enti)
    if ente_rows and "Codice_fiscale_ente" not in ente_rows[0]:
        raise Invalid("non è il file enti di IndicePA", {"file": ["colonna Codice_fiscale_ente mancante"]})
    offices: dict[str, list[str]] = {}
    for row in read_rows(uo_sfe) if uo_sfe else []:
        code, cf = row.get("Codice_uni_uo", "").upper(), row.get("Codice_fiscale_sfe", "")
        if re.fullmatch(r"[A-Z0-9]{6}", code) and cf:
            offices.setdefault(cf, []).append(code)
    by_cf = {r.get("Codice_fiscale_ente", ""): r for r in ente_rows if r.get("Codice_fiscale_ente")}
    report = []
    with transaction(actor=actor):
        orgs = list(db.session.scalars(sa.select(Organization).where(Organization.fiscal_code.in_(list(by_cf)))).all())
        # A comune without a fiscal code yet is found by its ISTAT code (Codice_comune_ISTAT), and gets one.
        by_istat = {
            r["Codice_comune_ISTAT"].zfill(6): r
            for r in ente_rows
            if r.get("Codice_comune_ISTAT", "").isdigit() and re.fullmatch(r"\d{11}", r.get("Codice_fiscale_ente", ""))
        }
        orgs += db.session.scalars(
            sa.select(Organization).where(
                Organization.fiscal_code.is_(None), Organization.istat_code.in_(list(by_istat))
            )
        ).all()
        for org in orgs:
            row = by_cf.get(org.fiscal_code or "") or by_istat[org.istat_code or ""]
            wanted: dict[str, str | None] = {
                "ipa_code": (row.get("Codice_IPA") or "")[:50] or None,
                "pec": _pec_of(row),
            }
            if not org.fiscal_code:
                wanted = {"fiscal_code": row["Codice_fiscale_ente"], **wanted}
            codes = offices.get(wanted.get("fiscal_code") or org.fiscal_code or "", [])
            if codes:
                wanted["sdi_code"] = org.sdi_code if org.sdi_code in codes else sorted(codes)[0]
            changes = {}
            for field, value in wanted.items():
                if value and getattr(org, field) != value:
                    if field == "ipa_code" and db.session.scalar(
                        sa.select(Organization.id).where(Organization.ipa_code == value, Organization.id != org.id)
                    ):
                        continue  # another ente holds the code: left for a person
                    changes[field] = [getattr(org, field), value]
                    setattr(org, field, value)
            if changes:
                report.append({"organization_id": org.id, "name": org.name, "changes": changes})
    return report


@crm_cli.command("import-ipa")
@click.argument("enti_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("uo_sfe_file", type=click.Path(exists=True, dir_okay=False), required=False)
@with_appcontext
def import_ipa_command(enti_file: str, uo_sfe_file: str | None) -> None:
    """Update IPA code, PEC and codice univoco ufficio of the enti from the IndicePA open data."""
    from app.cli import fail

    with open(enti_file, "rb") as fh:
        enti = fh.read()
    uo = None
    if uo_sfe_file:
        with open(uo_sfe_file, "rb") as fh:
            uo = fh.read()
    try:
        report = import_ipa(enti=enti, uo_sfe=uo)
    except Invalid as exc:
        fail(exc.message)
        return
    for row in report:
        parts = ", ".join(f"{k}: {v[0] or '-'} -> {v[1]}" for k, v in row["changes"].items())
        click.echo(f"{row['name']} (#{row['organization_id']}): {parts}")
    click.echo(f"{len(report)} enti aggiornati")


@periodic("crm.ipa_refresh", seconds=86400)
def ipa_refresh() -> int:
    """Daily refresh from the configured IndicePA URLs (nothing when IPA_ENTI_URL is unset)."""
    url = current_app.config.get("IPA_ENTI_URL")
    if not url:
        return 0
    import urllib.request

    def fetch(u: str) -> bytes:
        with urllib.request.urlopen(u, timeout=60) as resp:  # noqa: S310 (an https URL set by the admin)
            return resp.read(MAX_BYTES + 1)

    uo_url = current_app.config.get("IPA_UO_SFE_URL")
    return len(import_ipa(enti=fetch(url), uo_sfe=fetch(uo_url) if uo_url else None))

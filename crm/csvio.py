"""CSV import and export of enti and contacts.

Import is row by row with a report: each row is taken whole or refused whole (a savepoint per row),
with the reasons named by field; ``dry_run`` checks a file without writing anything. Files exported
here import back unchanged (comma or semicolon separated, UTF-8 with or without BOM, or Latin-1).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from app.db import transaction
from app.errors import DomainError, Invalid
from app.exports import csv_lines, read_cell
from app.extensions import db
from crm import services
from crm.models import Contact, Organization

ORG_COLUMNS = [
    "id",
    "kind",
    "name",
    "istat_code",
    "belfiore_code",
    "fiscal_code",
    "vat_number",
    "ipa_code",
    "sdi_code",
    "pec",
    "email",
    "phone",
    "address",
    "zip_code",
    "city",
    "province",
    "region",
    "population",
    "population_year",
    "active",
]
CONTACT_COLUMNS = [
    "id",
    "organization",
    "organization_name",
    "name",
    "role",
    "email",
    "phone",
    "consent",
    "portal_access",
    "active",
    "notes",
]
MAX_ROWS = 20_000
TRUE = {"1", "true", "sì", "si", "yes", "vero", "x"}


@dataclasses.dataclass
class RowResult:
    line: int
    label: str
    action: str  # created, updated, refused
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: list[RowResult] = dataclasses.field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def refused(self) -> int:
        return self.count("refused")


class _DryRun(Exception):
    pass


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("file non leggibile", {"file": ["codifica del file non riconosciuta"]})  # pragma: no cover


def read_rows(data: bytes, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    text = _decode(data)
    if not text.strip():
        raise Invalid("file vuoto", {"file": ["il file è vuoto"]})
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise Invalid("intestazione del file incompleta", {"file": [f"colonne mancanti: {', '.join(missing)}"]})
    reader.fieldnames = header
    for n, row in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS:
            raise Invalid("file troppo lungo", {"file": [f"al massimo {MAX_ROWS} righe"]})
        clean = {k: read_cell((v or "").strip()) for k, v in row.items() if k}
        if any(clean.values()):
            yield n, clean


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUE


def _run(kind: str, rows: Iterator[tuple[int, dict[str, str]]], handle, *, actor: Any, dry_run: bool) -> ImportReport:
    report = ImportReport(kind=kind, dry_run=dry_run)
    try:
        with transaction(actor=actor):
            for line, row in rows:
                label = row.get("name") or ""
                try:
                    with db.session.begin_nested():
                        action = handle(row, actor)
                    report.rows.append(RowResult(line, label, action))
                except DomainError as exc:
                    errors = exc.fields or {"_": [exc.message]}
                    report.rows.append(RowResult(line, label, "refused", errors))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


# --- organizations ---------------------------------------------------------------------------


def _existing_org(row: dict[str, str]) -> Organization | None:
    if row.get("id", "").isdigit():
        org = db.session.get(Organization, int(row["id"]))
        if org is None:
            raise Invalid("ente inesistente", {"id": [f"nessun ente con id {row['id']}"]})
        return org
    for field in ("istat_code", "belfiore_code", "ipa_code", "fiscal_code"):
        value = row.get(field)
        if not value:
            continue
        if field == "istat_code" and value.isdigit():
            value = value.zfill(6)
        elif field == "belfiore_code":
            value = value.upper()
        org = db.session.scalar(sa.select(Organization).where(getattr(Organization, field) == value))
        if org is not None:
            return org
    return None


def _import_org(row: dict[str, str], actor: Any) -> str:
    data: dict[str, Any] = {k: row[k] for k in services.ORG_FIELDS if k in row and k != "notes"}
    if "active" in data:
        data["active"] = _bool(data["active"], True)
    for key in ("population", "population_year"):
        if key in data and data[key] == "":
            data[key] = None
    org = _existing_org(row)
    if org is None:
        services.create_organization(actor=actor, **data)
        return "created"
    services.update_organization(organization_id=org.id, actor=actor, **{k: v for k, v in data.items() if v != ""})
    return "updated"


def import_organizations(*, data: bytes, actor: Any = None, dry_run: bool = False) -> ImportReport:
    """Create or update enti (matched by id, ISTAT, Belfiore, IPA code or codice fiscale)."""
    return _run("organizations", read_rows(data, ["name"]), _import_org, actor=actor, dry_run=dry_run)


# --- contacts --------------------------------------------------------------------------------


def _import_contact(row: dict[str, str], actor: Any) -> str:
    code = row.get("organization", "")
    org = services.find_organization_by_code(code) if code else None
    if org is None:
        raise Invalid("ente non trovato", {"organization": [f"nessun ente con id, codice ISTAT o catastale {code!r}"]})
    data: dict[str, Any] = {
        "organization_id": org.id,
        "name": row.get("name", ""),
        "role": row.get("role") or "altro",
        "email": row.get("email") or None,
        "phone": row.get("phone") or None,
        "consent": _bool(row.get("consent"), False),
        "notes": row.get("notes", ""),
        "active": _bool(row.get("active"), True),
    }
    if "portal_access" in row:
        data["portal_access"] = _bool(row.get("portal_access"), False)
    contact = None
    if row.get("id", "").isdigit():
        contact = db.session.get(Contact, int(row["id"]))
    if contact is None and data["email"]:
        contact = db.session.scalar(
            sa.select(Contact).where(
                Contact.organization_id == org.id, sa.func.lower(Contact.email) == data["email"].strip().lower()
            )
        )
    if contact is None:
        services.create_contact(actor=actor, **data)
        return "created"
    services.update_contact(contact_id=contact.id, actor=actor, **data)
    return "updated"


def import_contacts(*, data: bytes, actor: Any = None, dry_run: bool = False) -> ImportReport:
    """Create or update contacts; ``organization`` is the ente's id, ISTAT or Belfiore code."""
    return _run("contacts", read_rows(data, ["organization", "name"]), _import_contact, actor=actor, dry_run=dry_run)


# --- export ----------------------------------------------------------------------------------


def _csv(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Through the one export helper: a cell that could start a formula is written as text."""
    return csv_lines(columns, ([row.get(c, "") for c in columns] for row in rows), delimiter=",")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "value"):
        return value.value
    return value


def export_organizations(stmt: sa.Select) -> Iterator[str]:
    """The enti selected by ``stmt`` (the list's filters), in name order, streamed."""
    stmt = stmt.order_by(Organization.name, Organization.id).execution_options(yield_per=500)
    rows = ({c: _cell(getattr(o, c)) for c in ORG_COLUMNS} for o in db.session.scalars(stmt))
    return _csv(ORG_COLUMNS, rows)


def export_contacts(stmt: sa.Select) -> Iterator[str]:
    names = dict(db.session.execute(sa.select(Organization.id, Organization.istat_code)).all())
    org_names = dict(db.session.execute(sa.select(Organization.id, Organization.name)).all())
    stmt = stmt.order_by(Contact.name, Contact.id).execution_options(yield_per=500)

    def rows() -> Iterator[dict[str, Any]]:
        for c in db.session.scalars(stmt):
            row = {k: _cell(getattr(c, k)) for k in CONTACT_COLUMNS if hasattr(c, k)}
            row["organization"] = names.get(c.organization_id) or c.organization_id
            row["organization_name"] = org_names.get(c.organization_id, "")
            yield row

    return _csv(CONTACT_COLUMNS, rows())


AGREEMENT_COLUMNS = [
    "id",
    "code",
    "organization",
    "organization_name",
    "status",
    "start_date",
    "end_date",
    "services",
    "billing_document",
    "annual_fee_fixed",
    "fee_per_inhabitant",
    "included_hours",
    "hourly_rate",
    "sla_tier",
    "cig",
    "cup",
    "protocol_number",
]


def export_agreements(stmt: sa.Select) -> Iterator[str]:
    """Convenzioni with their terms (services as codes separated by ``|``), for finance spreadsheets."""
    from crm.models import Agreement

    orgs = {o.id: o for o in db.session.scalars(sa.select(Organization))}

    def rows() -> Iterator[dict[str, Any]]:
        for a in db.session.scalars(stmt.order_by(Agreement.end_date, Agreement.id)):
            org = orgs.get(a.organization_id)
            row = {k: _cell(getattr(a, k)) for k in AGREEMENT_COLUMNS if hasattr(a, k) and k != "services"}
            row["organization"] = (org.istat_code or org.id) if org else a.organization_id
            row["organization_name"] = org.name if org else ""
            row["services"] = "|".join(s.code for s in a.services)
            yield row

    return _csv(AGREEMENT_COLUMNS, rows())

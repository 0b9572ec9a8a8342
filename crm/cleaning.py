"""Cleaning what users type about enti, contacts and services: every field validated and normalized,
every bad field named at once (``Invalid`` with ``{field: [messages]}``).

Used by the forms, the API, the CSV import and ``seed bulk`` alike (through ``crm.services``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.auth.identity import normalize_fiscal_code
from app.db import local_today
from app.errors import Invalid
from app.extensions import db
from crm import validators as v
from crm.models import ContactRole, Organization, OrgKind


class Errors:
    """Collects every field's error so a form or API call hears about all of them at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def check(self, func: Callable[..., Any], value: Any, field: str, **kw: Any) -> Any:
        try:
            return func(value, field, **kw)
        except Invalid as exc:
            for key, messages in exc.fields.items():
                self.fields.setdefault(key, []).extend(messages)
            return None

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields))
            raise Invalid(f"dati non validi: {first}", self.fields)


def enum_value(enum_cls: Any, value: Any, field: str, errors: Errors) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        errors.add(field, f"valore non ammesso: {value!r} (ammessi: {', '.join(e.value for e in enum_cls)})")
        return None


def int_value(value: Any, field: str, errors: Errors, *, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, "deve essere un numero intero")
        return None
    if not low <= number <= high:
        errors.add(field, f"deve essere compreso tra {low} e {high}")
        return None
    return number


def text_value(value: Any, field: str, errors: Errors, *, max_len: int, required: bool = False) -> str | None:
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.add(field, "obbligatorio")
    if len(text) > max_len:
        errors.add(field, f"al massimo {max_len} caratteri")
    return text or None


ORG_FIELDS = [
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
    "pagopa_segregation_code",
    "active",
    "notes",
]


def clean_organization(data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalize every field of an ente; raises Invalid naming each bad field."""
    e = Errors()
    out: dict[str, Any] = {}
    out["kind"] = enum_value(OrgKind, data.get("kind") or "comune", "kind", e)
    out["name"] = text_value(data.get("name"), "name", e, max_len=200, required=True)
    out["istat_code"] = e.check(v.istat_code, data.get("istat_code"), "istat_code")
    out["belfiore_code"] = e.check(v.belfiore_code, data.get("belfiore_code"), "belfiore_code")
    out["fiscal_code"] = e.check(v.fiscal_number, data.get("fiscal_code"), "fiscal_code")
    out["vat_number"] = e.check(v.fiscal_number, data.get("vat_number"), "vat_number")
    out["sdi_code"] = e.check(v.sdi_code, data.get("sdi_code"), "sdi_code")
    out["province"] = e.check(v.province_code, data.get("province"), "province")
    out["ipa_code"] = e.check(
        v.ipa_code,
        data.get("ipa_code"),
        "ipa_code",
        kind=out["kind"].value if out["kind"] else None,
        belfiore=out["belfiore_code"],
        province=out["province"],
    )
    out["pec"] = e.check(v.email_address, data.get("pec"), "pec")
    out["email"] = e.check(v.email_address, data.get("email"), "email")
    out["phone"] = e.check(v.phone_number, data.get("phone"), "phone")
    out["zip_code"] = e.check(v.zip_code, data.get("zip_code"), "zip_code")
    out["address"] = text_value(data.get("address"), "address", e, max_len=200)
    out["city"] = text_value(data.get("city"), "city", e, max_len=100)
    out["region"] = text_value(data.get("region"), "region", e, max_len=60)
    out["population"] = int_value(data.get("population"), "population", e, low=0, high=10_000_000)
    out["population_year"] = int_value(data.get("population_year"), "population_year", e, low=1861, high=2100)
    if out["population"] is not None and out["population_year"] is None and not e.fields.get("population_year"):
        out["population_year"] = local_today().year
    seg = data.get("pagopa_segregation_code")
    seg = "" if seg is None else str(seg).strip()
    if seg and not (len(seg) == 2 and seg.isdigit()):
        e.add("pagopa_segregation_code", "il codice di segregazione pagoPA è di 2 cifre")
    out["pagopa_segregation_code"] = seg or None
    out["active"] = bool(data.get("active", True))
    out["notes"] = str(data.get("notes") or "")
    e.raise_if_any()
    return out


# Fields whose check depends on another field: changing the key re-checks the values.
ORG_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "kind": ("ipa_code",),
    "belfiore_code": ("ipa_code",),
    "province": ("ipa_code",),
}


def clean_changes(
    clean: Callable[[dict[str, Any]], dict[str, Any]],
    stored: dict[str, Any],
    changes: dict[str, Any],
    dependencies: Mapping[str, tuple[str, ...]],
) -> dict[str, Any]:
    """Validate an update. Errors are reported for the fields being changed (and the fields whose
    check depends on them); a stored value that predates a rule (legacy or bulk-loaded data) is kept
    as it is rather than blocking an unrelated change."""
    merged = {**stored, **changes}
    try:
        return clean(merged)
    except Invalid as exc:
        touched = set(changes)
        for key in changes:
            touched.update(dependencies.get(key, ()))
        relevant = {k: v for k, v in exc.fields.items() if k in touched}
        if relevant:
            raise Invalid(exc.message, relevant) from exc
        untouched_bad = set(exc.fields)
        values = clean({k: (None if k in untouched_bad else v) for k, v in merged.items()})
        for key in untouched_bad:
            values[key] = stored.get(key)
        return values


CONTACT_FIELDS = [
    "organization_id",
    "name",
    "role",
    "email",
    "phone",
    "fiscal_code",
    "consent",
    "notes",
    "portal_access",
    "active",
    "sms_notifications",
    "only_own_requests",
]


def clean_contact(data: dict[str, Any], *, organization_checked: bool = False) -> dict[str, Any]:
    """Validate and normalize a contact; ``organization_checked``: the caller knows the ente exists."""
    e = Errors()
    out: dict[str, Any] = {}
    org_id = data.get("organization_id")
    if not org_id:
        e.add("organization_id", "obbligatorio")
    elif not organization_checked and db.session.get(Organization, int(org_id)) is None:
        e.add("organization_id", "ente non trovato")
    out["organization_id"] = int(org_id) if org_id else None
    out["name"] = text_value(data.get("name"), "name", e, max_len=200, required=True)
    out["role"] = enum_value(ContactRole, data.get("role") or "altro", "role", e)
    out["email"] = e.check(v.email_address, data.get("email"), "email")
    out["phone"] = e.check(v.phone_number, data.get("phone"), "phone")
    out["fiscal_code"] = e.check(normalize_fiscal_code, data.get("fiscal_code"), "fiscal_code")
    out["consent"] = bool(data.get("consent", False))
    out["notes"] = str(data.get("notes") or "")
    out["portal_access"] = bool(data.get("portal_access", False))
    out["active"] = bool(data.get("active", True))
    out["sms_notifications"] = bool(data.get("sms_notifications", False))
    out["only_own_requests"] = bool(data.get("only_own_requests", False))
    if out["portal_access"] and not out["email"] and "email" not in e.fields:
        e.add("email", "l'accesso al portale richiede un indirizzo email")
    e.raise_if_any()
    return out


SLA_POLICIES = ("base", "standard", "premium")


SERVICE_FIELDS = ["code", "name", "description", "default_sla_policy", "active"]


def clean_service(data: dict[str, Any]) -> dict[str, Any]:
    e = Errors()
    code = str(data.get("code") or "").strip().lower()
    if not code:
        e.add("code", "obbligatorio")
    elif not all(c.isalnum() or c in "-_" for c in code) or len(code) > 40:
        e.add("code", "solo lettere, cifre, '-' e '_' (al massimo 40)")
    name = text_value(data.get("name"), "name", e, max_len=200, required=True)
    policy = str(data.get("default_sla_policy") or "standard")
    if policy not in SLA_POLICIES:
        e.add("default_sla_policy", f"valori ammessi: {', '.join(SLA_POLICIES)}")
    e.raise_if_any()
    return {
        "code": code,
        "name": name,
        "description": str(data.get("description") or ""),
        "default_sla_policy": policy,
        "active": bool(data.get("active", True)),
    }

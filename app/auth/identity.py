"""Identity data people sign in with: the codice fiscale and the SPID/CIE authentication level."""

from __future__ import annotations

import re

from stdnum.exceptions import ValidationError
from stdnum.it import codicefiscale

from app.errors import Invalid

_ACR_LEVEL = re.compile(r"(?:L|loa[:/-]?|level[:/-]?)?([123])$", re.IGNORECASE)


def normalize_fiscal_code(value: str | None, field: str = "fiscal_code") -> str | None:
    """A person's codice fiscale, uppercase and checked (its check letter included); empty: None.

    A ``TINIT-`` prefix (how SPID and CIE send it in ``fiscal_number``) is accepted and dropped."""
    raw = re.sub(r"\s+", "", str(value or "")).upper()
    if raw.startswith("TINIT-"):
        raw = raw[len("TINIT-") :]
    if not raw:
        return None
    try:
        code = codicefiscale.validate(raw)
    except ValidationError as exc:
        raise Invalid("codice fiscale non valido", {field: ["codice fiscale non valido"]}) from exc
    if len(code) != 16:
        raise Invalid("codice fiscale non valido", {field: ["serve il codice fiscale di una persona (16 caratteri)"]})
    return code.upper()


def fiscal_code_from_claim(value: object) -> str | None:
    """The codice fiscale in a ``fiscal_number`` claim, or None when it is missing or not one."""
    if not isinstance(value, str):
        return None
    try:
        return normalize_fiscal_code(value)
    except Invalid:
        return None


def acr_level(acr: object) -> int | None:
    """The authentication level in an ``acr`` claim: https://www.spid.gov.it/SpidL2 → 2, CieL3 → 3,
    a numeric ``acr`` (Keycloak) → that number; None when there is none."""
    if not isinstance(acr, str | int) or isinstance(acr, bool):
        return None
    text = str(acr).strip().rstrip("/")
    match = _ACR_LEVEL.search(text)
    if match is None:
        return None
    return int(match.group(1))

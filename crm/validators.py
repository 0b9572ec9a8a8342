"""Official identifiers of Italian public bodies: normalize or refuse, naming the field.

Every checker takes the raw value and the field name and returns the normalized value (None for an
empty one) or raises ``Invalid`` with ``{field: [message]}``. The rules are in shared/DOMAIN.md.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask import has_request_context
from flask_babel import gettext
from stdnum.it import iva

from app.errors import Invalid
from app.text import email_problem

BELFIORE_RE = re.compile(r"^[A-Z][0-9]{3}$")
SDI_RE = re.compile(r"^[A-Z0-9]{6}$")
IPA_RE = re.compile(r"^[A-Za-z0-9_.-]{2,50}$")
PROVINCE_RE = re.compile(r"^[A-Z]{2}$")
ZIP_RE = re.compile(r"^[0-9]{5}$")
CUP_RE = re.compile(r"^[A-Z0-9]{15}$")
SMART_CIG_RE = re.compile(r"^[XYZ][A-Z0-9]{9}$")


def _(message: str, **kwargs: object) -> str:
    """The message in the request's language; plain Italian in jobs and the command line."""
    if has_request_context():
        return gettext(message, **kwargs)
    return message % kwargs if kwargs else message


def _fail(field: str, message: str) -> Invalid:
    return Invalid(f"{field}: {message}", {field: [message]})


def _clean(value: object) -> str:
    return "" if value is None else str(value).strip()


def istat_code(value: object, field: str = "istat_code") -> str | None:
    """6 digits (3 of the province + 3 of the comune); sources that drop leading zeros are padded."""
    raw = _clean(value)
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise _fail(field, _("Il codice ISTAT è di 6 cifre (es. 072006)."))
    code = raw.zfill(6)
    if code[:3] == "000" or code[3:] == "000":
        raise _fail(field, _("Codice ISTAT non valido: provincia e numero non possono essere 000."))
    return code


def belfiore_code(value: object, field: str = "belfiore_code") -> str | None:
    raw = _clean(value).upper()
    if not raw:
        return None
    if not BELFIORE_RE.match(raw):
        raise _fail(field, _("Il codice catastale (Belfiore) è una lettera e 3 cifre (es. A662)."))
    return raw


def fiscal_number(value: object, field: str = "fiscal_code") -> str | None:
    """Codice fiscale of an ente or partita IVA: 11 digits, office code, Luhn check digit."""
    raw = re.sub(r"[\s.]", "", _clean(value)).upper()
    if raw.startswith("IT") and len(raw) == 13:
        raw = raw[2:]
    if not raw:
        return None
    if not raw.isdigit() or len(raw) != 11:
        raise _fail(field, _("Deve essere di 11 cifre."))
    if not iva.is_valid(raw):
        office = int(raw[7:10])
        if not (1 <= office <= 100 or office in (120, 121, 888, 999)):
            raise _fail(field, _("Codice ufficio (cifre 8–10) non valido."))
        raise _fail(field, _("Cifra di controllo errata."))
    return raw


def sdi_code(value: object, field: str = "sdi_code") -> str | None:
    """Codice univoco ufficio (FatturaPA recipient of a PA): exactly 6 of [A-Z0-9]."""
    raw = _clean(value).upper()
    if not raw:
        return None
    if not SDI_RE.match(raw):
        raise _fail(field, _("Il codice univoco ufficio è di 6 caratteri, lettere maiuscole e cifre."))
    return raw


def ipa_code(
    value: object,
    field: str = "ipa_code",
    *,
    kind: str | None = None,
    belfiore: str | None = None,
    province: str | None = None,
) -> str | None:
    """Codice IPA: ``c_<belfiore>`` for a comune, ``p_<sigla>`` for a province, free-form otherwise."""
    raw = _clean(value)
    if not raw:
        return None
    if not IPA_RE.match(raw):
        raise _fail(field, _("Il codice IPA può contenere solo lettere, cifre, '_', '.' e '-'."))
    if kind == "comune":
        raw = raw.lower()
        if not re.match(r"^c_[a-z][0-9]{3}$", raw):
            raise _fail(field, _("Il codice IPA di un comune è c_ seguito dal codice catastale (es. c_a662)."))
        if belfiore and raw != f"c_{belfiore.lower()}":
            raise _fail(field, _("Il codice IPA non corrisponde al codice catastale."))
    elif kind == "provincia":
        raw = raw.lower()
        if not re.match(r"^p_[a-z]{2}$", raw):
            raise _fail(field, _("Il codice IPA di una provincia è p_ seguito dalla sigla (es. p_ba)."))
        if province and raw != f"p_{province.lower()}":
            raise _fail(field, _("Il codice IPA non corrisponde alla sigla della provincia."))
    return raw


def email_address(value: object, field: str = "email") -> str | None:
    """An address (a PEC is an ordinary address syntactically); stored lower case."""
    raw = _clean(value)
    if not raw:
        return None
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise _fail(field, _("Indirizzo email non valido: %(reason)s", reason=email_problem(exc))) from exc


def phone_number(value: object, field: str = "phone") -> str | None:
    """E.164 with Italy as default region; landlines keep their leading 0."""
    from crm.services import normalize_phone

    raw = _clean(value)
    if not raw:
        return None
    e164 = normalize_phone(raw)
    if e164 is None:
        raise _fail(field, _("Numero di telefono non valido."))
    return e164


def province_code(value: object, field: str = "province") -> str | None:
    raw = _clean(value).upper()
    if not raw:
        return None
    if not PROVINCE_RE.match(raw):
        raise _fail(field, _("La provincia è la sigla di 2 lettere (es. BA)."))
    return raw


def zip_code(value: object, field: str = "zip_code") -> str | None:
    raw = _clean(value)
    if not raw:
        return None
    if not ZIP_RE.match(raw):
        raise _fail(field, _("Il CAP è di 5 cifre."))
    return raw


def cig(value: object, field: str = "cig") -> str | None:
    """CIG: 7 digits N + 3 hex K with K == N*211 mod 4091; a smart CIG starts with X, Y or Z."""
    raw = _clean(value).upper()
    if not raw:
        return None
    if len(raw) != 10:
        raise _fail(field, _("Il CIG è di 10 caratteri."))
    if SMART_CIG_RE.match(raw):
        return raw
    if not (raw[:7].isdigit() and re.match(r"^[0-9A-F]{3}$", raw[7:])):
        raise _fail(field, _("Il CIG è di 7 cifre e 3 caratteri esadecimali."))
    if int(raw[7:], 16) != (int(raw[:7]) * 211) % 4091:
        raise _fail(field, _("Cifre di controllo del CIG errate."))
    return raw


def cup(value: object, field: str = "cup") -> str | None:
    raw = _clean(value).upper()
    if not raw:
        return None
    if not CUP_RE.match(raw):
        raise _fail(field, _("Il CUP è di 15 caratteri, lettere maiuscole e cifre."))
    return raw

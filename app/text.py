"""One edge for hostile characters in text from outside.

Stored e-mail text is cleaned (``strip_unsafe``); forms and the API refuse text that carries a NUL byte,
an unpaired surrogate or another control character (``unsafe_char`` names what is wrong), and values that
end up in a header must not carry CR or LF (``header_safe``).
"""

from __future__ import annotations

import re

# C0 controls except TAB, LF and CR; DEL; C1 controls; lone UTF-16 surrogates (Python can hold them in str).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]+")


def unsafe_char(value: str) -> str | None:
    """The first character of ``value`` that no text field may hold, as ``U+XXXX``; None when clean."""
    match = _UNSAFE.search(value)
    if match is None:
        return None
    return f"U+{ord(match.group()):04X}"


def strip_unsafe(value: str) -> str:
    """``value`` without the characters ``unsafe_char`` refuses (stored e-mail text, file names)."""
    return _UNSAFE.sub("", value)


def header_safe(value: str) -> str:
    """``value`` on one line: CR, LF and other line breaks become a space, unsafe characters go."""
    return _LINE_BREAKS.sub(" ", strip_unsafe(value)).strip()


def email_problem(exc: Exception) -> str:
    """What is wrong with an e-mail address, in the reader's language: ``email_validator`` explains in
    English only, so its messages are mapped to ours (the rare one we do not know keeps a general
    wording, never English on an Italian page)."""
    from flask_babel import gettext as _

    text = str(exc)
    if "must have an @-sign" in text:
        return _("Manca il simbolo @.")
    if "something before the @-sign" in text:
        return _("Manca la parte prima della @.")
    if "something after the @-sign" in text:
        return _("Manca la parte dopo la @.")
    if "should have a period" in text or "is not a valid special-use domain" in text:
        return _("Il dominio dopo la @ non è valido (manca il punto?).")
    if "two periods in a row" in text:
        return _("Non può contenere due punti di seguito.")
    if "invalid characters" in text:
        return _("Contiene caratteri non ammessi: %(chars)s", chars=text.rsplit(":", 1)[-1].strip(" ."))
    if "too long" in text:
        return _("L'indirizzo è troppo lungo.")
    if "period" in text or "hyphen" in text:
        return _("Punti o trattini in una posizione non ammessa.")
    return _("Indirizzo email non valido.")

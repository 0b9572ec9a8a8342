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

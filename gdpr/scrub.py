"""Find a person's own data in free text and replace it: e-mail, phone, name, signature, From lines.

``Scrubber(name=, emails=, phones=)(text, own)`` returns the text with every occurrence replaced;
``own=True`` (the person wrote it) also cuts the signature block and blanks quoted header lines,
where the rest of a signature (title, office, mobile) lives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = "[email rimossa]"
PHONE = "[telefono rimosso]"
NAME = "[nome rimosso]"
SIGNATURE = "[firma rimossa]"
HEADER = "[intestazione rimossa]"

_HEADER_RE = re.compile(
    r"^(?P<prefix>[>\s]*)(?P<label>From|Da|Mittente|Inviato da|Sent by|Reply-To|Rispondi a|To|A|Cc|Ccn)\s*:\s*\S.*$",
    re.IGNORECASE,
)
_CLOSINGS = (
    "cordiali saluti",
    "distinti saluti",
    "saluti",
    "un saluto",
    "grazie e saluti",
    "buon lavoro",
    "best regards",
    "kind regards",
    "regards",
)
_QUOTE_START = re.compile(
    r"^(>|il giorno .*ha scritto|on .* wrote|-{2,}\s*(original message|messaggio originale))", re.I
)


def _phone_pattern(number: str) -> str | None:
    digits = re.sub(r"\D", "", number or "")
    if number.strip().startswith("+39") or number.strip().startswith("0039"):
        digits = digits[2:] if number.strip().startswith("+") else digits[4:]
    if len(digits) < 6:
        return None
    body = r"[\s./-]?".join(re.escape(d) for d in digits)
    return rf"(?:(?:\+|00)\s?39[\s./-]?)?{body}(?!\d)"


class Scrubber:
    def __init__(self, *, name: str = "", emails: Iterable[str | None] = (), phones: Iterable[str | None] = ()) -> None:
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        for email in {e.strip().lower() for e in emails if e and e.strip()}:
            self.patterns.append((re.compile(re.escape(email), re.I), EMAIL))
        for phone in {p for p in phones if p}:
            pattern = _phone_pattern(phone)
            if pattern:
                self.patterns.append((re.compile(pattern), PHONE))
        words = [w for w in re.split(r"\s+", (name or "").strip()) if w]
        if words:
            full = r"\s+".join(re.escape(w) for w in words)
            self.patterns.append((re.compile(rf"(?<!\w){full}(?!\w)", re.I), NAME))
            if len(words) > 1:
                reverse = r"\s+".join(re.escape(w) for w in reversed(words))
                self.patterns.append((re.compile(rf"(?<!\w){reverse}(?!\w)", re.I), NAME))
            for word in words:
                if len(word) >= 3:
                    self.patterns.append((re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.I), NAME))

    def replace(self, text: str) -> str:
        for pattern, placeholder in self.patterns:
            text = pattern.sub(placeholder, text)
        return text

    def __call__(self, text: str | None, own: bool = False) -> str:
        if not text:
            return text or ""
        if own:
            text = strip_signature(text)
            text = "\n".join(
                _HEADER_RE.sub(lambda m: f"{m.group('prefix')}{m.group('label')}: {HEADER}", line)
                for line in text.split("\n")
            )
        return self.replace(text)


def strip_signature(text: str) -> str:
    """Cut the signature block (after ``-- `` or a closing such as "Cordiali saluti") up to the quoted
    message that may follow it."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        bare = line.strip().lower().rstrip(",.!")
        delimiter = line.rstrip() in ("--", "-- ", "__", "___") or line.startswith("-- ")
        closing = bare in _CLOSINGS and not line.lstrip().startswith(">")
        if delimiter or closing:
            if closing:
                out.append(line)
            j = i + 1
            while j < len(lines) and not _QUOTE_START.match(lines[j].strip()) and not _HEADER_RE.match(lines[j]):
                j += 1
            if any(s.strip() for s in lines[i + 1 : j]) or delimiter:
                out.append(SIGNATURE)
            i = j
            continue
        out.append(line)
        i += 1
    return "\n".join(out)

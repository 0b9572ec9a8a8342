"""Text helpers of the knowledge base: sanitized HTML, plain text, slugs, diffs, personal data removed."""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from collections.abc import Iterable

import nh3

ALLOWED_TAGS = {
    "a", "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h2", "h3", "h4", "blockquote",
    "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "img", "hr", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"scope"}}


def sanitize_html(raw: str) -> str:
    """Rich text as safe HTML: no scripts, no event handlers, no styles; links get rel=noopener."""
    return nh3.clean(
        raw or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()


_BLOCK_END = re.compile(r"(?i)</(p|li|h[2-4]|tr|blockquote|pre)>|<br\s*/?>")
_TAG = re.compile(r"<[^>]+>")


def html_to_text(body: str) -> str:
    text = _BLOCK_END.sub("\n", body or "")
    text = html.unescape(_TAG.sub(" ", text))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def text_to_html(text: str) -> str:
    """Plain text (a ticket reply) as paragraphs."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def slugify(value: str, max_length: int = 100) -> str:
    value = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return value[:max_length].strip("-") or "articolo"


def diff_lines(before: str, after: str) -> list[tuple[str, str]]:
    """A unified diff of two texts as (kind, line): kind is "add", "del", "hunk" or "same"."""
    out: list[tuple[str, str]] = []
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2)
    for line in lines:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(("hunk", line))
        elif line.startswith("+"):
            out.append(("add", line[1:]))
        elif line.startswith("-"):
            out.append(("del", line[1:]))
        else:
            out.append(("same", line[1:]))
    return out


EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
FISCAL_CODE_RE = re.compile(r"(?i)\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b")
PHONE_RE = re.compile(
    r"(?<![\w/])(\+|00)?(39[\s.-]?)?(0\d{1,4}|3\d{2})[\s./-]?\d{2,4}[\s.-]?\d{2,4}([\s.-]?\d{1,4})?\b"
)
IBAN_RE = re.compile(r"(?i)\bIT\d{2}[A-Z]\d{10}[0-9A-Z]{12}\b")


def remove_personal_data(text: str, names: Iterable[str] = ()) -> str:
    """Emails, phone numbers, fiscal codes, IBANs and the given people's names replaced by placeholders."""
    text = EMAIL_RE.sub("[email]", text or "")
    text = IBAN_RE.sub("[IBAN]", text)
    text = FISCAL_CODE_RE.sub("[codice fiscale]", text)
    text = PHONE_RE.sub("[telefono]", text)
    words: set[str] = set()
    for name in names:
        for part in re.split(r"\s+", name or ""):
            part = part.strip(".,;:()")
            if len(part) >= 3:
                words.add(part)
    for full in sorted((n.strip() for n in names if n and n.strip()), key=len, reverse=True):
        text = re.sub(rf"(?i)\b{re.escape(full)}\b", "[nome]", text)
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(rf"(?i)\b{re.escape(word)}\b", "[nome]", text)
    return re.sub(r"\[nome\](\s+\[nome\])+", "[nome]", text)

"""Parse an inbound RFC 822 message with the standard library (modern policy), defensively.

Nothing in here may raise on a malformed message: broken or unknown charsets, bad encoded words,
missing parts and odd structures all degrade to the best text we can get. HTML is sanitized with
nh3 before it leaves this module.
"""

from __future__ import annotations

import dataclasses
import email
import email.header
import hashlib
import html as html_lib
import re
from email import policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from typing import Any

import nh3

from app.text import header_safe

MAX_ATTACHMENTS = 30
MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024
MAX_TOTAL_ATTACHMENT_BYTES = 40 * 1024 * 1024

ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


@dataclasses.dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    inline: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclasses.dataclass
class ParsedEmail:
    message_id: str | None
    from_name: str
    from_addr: str
    reply_to: str | None
    to: list[str]
    cc: list[str]
    subject: str
    date: str | None
    in_reply_to: str | None
    references: str | None
    text: str  # full plain text (from the text part, or the HTML rendered as text)
    html: str | None  # sanitized
    attachments: list[Attachment]
    skipped: list[str]  # attachments dropped by the limits, for the record
    headers: dict[str, str]


def parse_bytes(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def header(msg: Message, name: str) -> str:
    """A header as text; never raises on a malformed value (falls back to the raw decoded words).

    Read once per message and name: the modern policy parses a header on every access, and intake asks
    for the same few (From, Subject, Message-ID…) from several places."""
    count = len(msg._headers)  # type: ignore[attr-defined]
    cached = msg.__dict__.get("_presidio_headers")
    if cached is None or cached[0] != count:  # (re)built when headers were added or removed
        cached = msg.__dict__["_presidio_headers"] = (count, {})
    cache: dict[str, str] = cached[1]
    key = name.lower()
    if key not in cache:
        cache[key] = _header(msg, name)
    return cache[key]


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - the policy's parser can fail on garbage
        value = None
        for key, raw_value in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
            if key.lower() == name.lower():
                value = _decode_words(str(raw_value))
                break
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:  # noqa: BLE001
        text = _decode_words(repr(value))
    return " ".join(header_safe(text).split())  # one line, no NUL, lone surrogate or control character


def _decode_words(value: str) -> str:
    out = []
    try:
        for chunk, charset in email.header.decode_header(value):
            if isinstance(chunk, bytes):
                out.append(decode_bytes(chunk, charset))
            else:
                out.append(chunk)
    except Exception:  # noqa: BLE001
        return value
    return "".join(out)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes to text with the declared charset, else a detected one, else latin-1 (never fails)."""
    if charset:
        try:
            return data.decode(charset.strip().strip('"'), errors="strict")
        except (LookupError, UnicodeDecodeError, ValueError):  # ValueError: a NUL in the charset name
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:  # undeclared 8-bit mail here is overwhelmingly Western European (Outlook, old webmails)
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best)
    except Exception:  # noqa: BLE001, S110 - detection is best effort; latin-1 never fails
        pass
    return data.decode("latin-1", errors="replace")


def part_text(part: Message) -> str:
    """A text part as str: transfer-decoded bytes through ``decode_bytes`` (declared charset when it
    really fits, else UTF-8, else cp1252, else detection), so a lying or unknown charset still reads."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if isinstance(payload, bytes):
        return decode_bytes(payload, _safe_charset(part))
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except Exception:  # noqa: BLE001, S110 - defects: fall back to the raw payload
        pass
    raw = part.get_payload()
    return raw if isinstance(raw, str) else ""


def _safe_charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # noqa: BLE001
        return None


def part_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if isinstance(payload, bytes):
        return payload
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes(policy=policy.default.clone(linesep="\r\n"))
        try:
            return part.as_bytes()
        except Exception:  # noqa: BLE001
            return b""
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def sanitize_html(html: str) -> str:
    """Safe HTML for display: no scripts, styles, event handlers, javascript: URLs, forms or frames."""
    return nh3.clean(html or "", url_schemes=ALLOWED_URL_SCHEMES, link_rel="noopener noreferrer nofollow")


def html_to_text(html: str) -> str:
    text = re.sub(r"(?is)<(script|style|head)[^>]*>.*?</\1>", " ", html or "")
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>", "\n", text)
    text = nh3.clean(text, tags=set())
    text = html_lib.unescape(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if name:
        return " ".join(header_safe(str(name)).split())
    return None


def _walk(msg: Message):
    """Every leaf part, not descending into attached messages (they are attachments themselves)."""
    if msg.is_multipart():
        payload = msg.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                yield from _walk(sub)
    else:
        yield msg


def extract(msg: Message) -> tuple[str, str | None, list[Attachment], list[str]]:
    """Text, sanitized HTML, attachments (within the limits) and what was skipped."""
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    skipped: list[str] = []
    total = 0
    leaves = list(_walk(msg))
    for part in leaves:
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower() if _has_disposition(part) else ""
        filename = _filename(part)
        is_body = disposition != "attachment" and not filename and ctype in ("text/plain", "text/html")
        if is_body:
            (texts if ctype == "text/plain" else htmls).append(part_text(part))
            continue
        if ctype.startswith("multipart/"):
            continue
        data = part_bytes(part)
        cid = (header(part, "Content-ID") or "").strip().strip("<>") or None
        name = filename or _default_name(ctype, len(attachments) + 1)
        if len(attachments) >= MAX_ATTACHMENTS:
            skipped.append(f"{name}: troppi allegati")
            continue
        if len(data) > MAX_ATTACHMENT_BYTES or total + len(data) > MAX_TOTAL_ATTACHMENT_BYTES:
            skipped.append(f"{name}: troppo grande ({len(data)} byte)")
            continue
        total += len(data)
        attachments.append(
            Attachment(
                filename=name,
                content_type=ctype,
                data=data,
                content_id=cid,
                inline=disposition == "inline" or (cid is not None and disposition != "attachment"),
            )
        )
    text = "\n\n".join(t.strip() for t in texts if t and t.strip())
    html = "\n".join(htmls) if htmls else None
    if not text and html:
        text = html_to_text(html)
    return text.replace("\r\n", "\n"), (sanitize_html(html) if html else None), attachments, skipped


def _has_disposition(part: Message) -> bool:
    try:
        return part.get_content_disposition() is not None
    except Exception:  # noqa: BLE001
        return False


def _default_name(ctype: str, n: int) -> str:
    ext = {
        "message/rfc822": "eml",
        "application/pdf": "pdf",
        "image/png": "png",
        "image/jpeg": "jpg",
        "image/gif": "gif",
        "text/plain": "txt",
        "text/html": "html",
        "application/xml": "xml",
        "text/xml": "xml",
    }.get(ctype, "bin")
    return f"allegato-{n}.{ext}"


def addresses(msg: Message, name: str) -> list[str]:
    try:
        values = [header(msg, name)]
        return [addr.strip().lower() for _, addr in getaddresses(values) if "@" in addr]
    except Exception:  # noqa: BLE001
        return []


def normalize_message_id(value: str | None) -> str | None:
    value = header_safe(value or "")
    match = re.search(r"<[^<>\s]+>", value)
    if match:
        return match.group(0)[:300]
    value = value.strip("<> ")
    return f"<{value}>"[:300] if value and " " not in value else None


def parse(msg: Message) -> ParsedEmail:
    from_name, from_addr = parseaddr(header(msg, "From"))
    text, html, attachments, skipped = extract(msg)
    keep = (
        "Auto-Submitted",
        "Precedence",
        "List-Id",
        "X-Loop",
        "X-Autoreply",
        "X-Autorespond",
        "X-Auto-Response-Suppress",
        "Return-Path",
        "X-Trasporto",
        "X-Ricevuta",
        "X-Riferimento-Message-ID",
    )
    return ParsedEmail(
        message_id=normalize_message_id(header(msg, "Message-ID")),
        from_name=from_name.strip()[:200],
        from_addr=(from_addr or "").strip().lower()[:254],
        reply_to=next(iter(addresses(msg, "Reply-To")), None),
        to=addresses(msg, "To"),
        cc=addresses(msg, "Cc"),
        subject=header(msg, "Subject")[:300],
        date=header(msg, "Date") or None,
        in_reply_to=header(msg, "In-Reply-To") or None,
        references=header(msg, "References") or None,
        text=text,
        html=html,
        attachments=attachments,
        skipped=skipped,
        headers={k: header(msg, k) for k in keep if msg.get(k) is not None},
    )


# --- display: quoted history and signatures -----------------------------------------------------

_QUOTE_HEADERS = [
    re.compile(r"^\s*(Il|On)\b.{0,200}\b(ha scritto|wrote|scrive)\s*:\s*$", re.I),
    re.compile(
        r"^\s*-{2,}\s*(Messaggio originale|Original Message|Messaggio inoltrato|Forwarded message)\s*-{2,}", re.I
    ),
    re.compile(r"^\s*(Da|From)\s*:\s.+$", re.I),  # Outlook header block of the quoted message
    re.compile(r"^_{20,}\s*$"),
]
_SIGNATURE = re.compile(r"^(-- ?|—\s*|Inviato da(l mio)? .+|Sent from my .+)$", re.I)


def trim_reply(text: str) -> str:
    """The new part of a message: without quoted history (``>`` lines, "Il … ha scritto:", Outlook
    blocks) and the signature. Falls back to the whole text when trimming would leave nothing."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if any(p.match(line) for p in _QUOTE_HEADERS):
            if _QUOTE_HEADERS[2].match(line) and not _looks_like_outlook_block(lines, i):
                kept.append(line)
                continue
            break
        if _SIGNATURE.match(line.rstrip()):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    result = "\n".join(kept).strip()
    return result or (text or "").strip()


def _looks_like_outlook_block(lines: list[str], i: int) -> bool:
    window = " ".join(lines[i : i + 5]).lower()
    return any(w in window for w in ("inviato:", "sent:", "oggetto:", "subject:", "data:", "date:"))


# --- automatic messages, bounces and loops --------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(risposta automatica|automatic reply|auto(matic)?[- ]?reply|out of (the )?office|fuori sede|"
    r"assente|in ferie|autoreply|abwesenheit|r[ée]ponse automatique|delivery status notification|"
    r"undeliverable|undelivered mail|mail delivery (failed|failure)|mancata consegna|non recapitabile)",
    re.I,
)


def automatic_reason(msg: Message, parsed: ParsedEmail, own_domains: set[str]) -> str | None:
    """``own_domains``: our domains (for X-Loop) and our own addresses (mail from ourselves)."""
    """Why this message is automatic (no ticket, no acknowledgement), or None for a human message."""
    auto = header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autorespond-Reply", "X-Auto-Response-Suppress"):
        if msg.get(name) is not None:
            return f"{name}: {header(msg, name)}"
    precedence = header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if msg.get("List-Id") is not None or msg.get("List-Unsubscribe") is not None:
        return "lista di distribuzione (List-Id)"
    if msg.get_content_type() == "multipart/report" or is_delivery_report(msg):
        return "notifica di consegna (DSN)"
    sender = parsed.from_addr
    return_path = header(msg, "Return-Path").strip()
    if not sender or return_path == "<>" or sender.split("@")[0] in ("mailer-daemon", "postmaster"):
        return "mittente nullo o MAILER-DAEMON"
    loop = header(msg, "X-Loop").lower()
    if loop and any(d and d in loop for d in own_domains):
        return f"X-Loop: {loop}"
    for name in (
        "X-MS-Exchange-Generated-Message-Source",
        "X-MS-Exchange-Inbox-Rules-Loop",
        "X-MS-Exchange-Organization-AutoReplied",
    ):
        if msg.get(name) is not None:
            return f"{name} (Exchange)"
    if header(msg, "X-Mailer").lower().startswith("vacation") or msg.get("X-Vacation") is not None:
        return "vacation"
    if _AUTO_SUBJECT.match(parsed.subject or ""):
        return f"oggetto di risposta automatica: {parsed.subject[:80]}"
    if sender in own_domains:
        return "messaggio da una nostra casella (ciclo)"
    return None


def is_delivery_report(msg: Message) -> bool:
    if msg.get_content_type() != "multipart/report":
        return False
    return (msg.get_param("report-type") or "").lower() == "delivery-status"


_STATUS = re.compile(r"^Status:\s*([245]\.\d{1,3}\.\d{1,3})", re.I | re.M)
_FINAL = re.compile(r"^(?:Final|Original)-Recipient:\s*(?:rfc822;)?\s*<?([^>\s]+@[^>\s]+)>?", re.I | re.M)


def permanent_failures(msg: Message) -> list[tuple[str, str]]:
    """(address, status) for every recipient a delivery report says is permanently unknown (5.1.x)."""
    if msg.get_content_type() != "multipart/report":
        return []
    found: list[tuple[str, str]] = []
    for part in msg.walk():
        if part.get_content_type() not in ("message/delivery-status", "message/global-delivery-status"):
            continue
        blob = _delivery_status_text(part)
        for block in re.split(r"\n\s*\n", blob):
            status = _STATUS.search(block)
            final = _FINAL.search(block)
            if status and final and status.group(1).startswith("5.1."):
                found.append((final.group(1).lower(), status.group(1)))
    return found


def _delivery_status_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        chunks = []
        for block in payload:
            if isinstance(block, Message):
                chunks.append("\n".join(f"{k}: {v}" for k, v in block.items()))
        return "\n\n".join(chunks)
    if isinstance(payload, str):
        return payload
    data = part_bytes(part)
    return decode_bytes(data, "utf-8")


def raw_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def summary(parsed: ParsedEmail) -> dict[str, Any]:
    return {
        "to": parsed.to,
        "cc": parsed.cc,
        "date": parsed.date,
        "in_reply_to": parsed.in_reply_to,
        "references": parsed.references,
        "reply_to": parsed.reply_to,
        "headers": parsed.headers,
        "skipped_attachments": parsed.skipped,
    }

"""Evidence of a value as an uploaded file: a PDF or an image, checked and stored through app.storage.

Limits (README, "Digital-agenda indicators"): at most ``INDICATORS_EVIDENCE_MAX_BYTES`` (default 5 MB);
only PDF, PNG, JPEG and WebP, recognised by their first bytes (the name's extension and the declared type
are not trusted). The bytes are content-addressed under ``indicators/ab/abcdef…`` like ticket
attachments, written before the row commits (a rolled-back attempt leaves at most an unreferenced file).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app

from app.errors import Invalid
from app.storage import content_key, get_storage

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
NAMESPACE = "indicators"

# first bytes -> (content type, extensions the name may have)
_SIGNATURES: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"%PDF-", "application/pdf", ("pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", ("png",)),
    (b"\xff\xd8\xff", "image/jpeg", ("jpg", "jpeg")),
)


@dataclass(frozen=True)
class Evidence:
    """A checked and stored evidence file, ready to be put on a value row."""

    sha256: str
    filename: str
    content_type: str
    size: int

    def columns(self) -> dict[str, Any]:
        return {
            "evidence_sha256": self.sha256,
            "evidence_filename": self.filename,
            "evidence_content_type": self.content_type,
            "evidence_size": self.size,
        }


def max_bytes() -> int:
    return int(current_app.config.get("INDICATORS_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def _sniff(data: bytes) -> tuple[str, tuple[str, ...]] | None:
    for magic, content_type, exts in _SIGNATURES:
        if data.startswith(magic):
            return content_type, exts
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ("webp",)
    return None


def check(filename: str, data: bytes, field: str = "evidence_file") -> tuple[str, str]:
    """The clean file name and the real content type, or ``Invalid`` naming ``field``."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    name = re.sub(r"[\x00-\x1f\x7f\"/]", "", name)[:255]
    if not name:
        raise Invalid("file senza nome", {field: ["file senza nome"]})
    if not data:
        raise Invalid("file vuoto", {field: ["file vuoto"]})
    limit = max_bytes()
    if len(data) > limit:
        raise Invalid("file troppo grande", {field: [f"file troppo grande: massimo {limit // (1024 * 1024)} MB"]})
    sniffed = _sniff(data)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if sniffed is None or ext not in sniffed[1]:
        raise Invalid("tipo di file non ammesso", {field: ["tipo non ammesso: solo PDF, PNG, JPEG o WebP"]})
    return name, sniffed[0]


def store(filename: str, data: bytes, field: str = "evidence_file") -> Evidence:
    """Check and store an uploaded file; the same bytes are stored once."""
    name, content_type = check(filename, data, field)
    digest = hashlib.sha256(data).hexdigest()
    storage = get_storage()
    key = content_key(digest, NAMESPACE)
    if not storage.exists(key):
        storage.put(key, data, content_type)
    return Evidence(sha256=digest, filename=name, content_type=content_type, size=len(data))


def key_of(sha256: str) -> str:
    return content_key(sha256, NAMESPACE)


def from_dict(data: Any) -> Evidence | None:
    """An evidence remembered in a survey draft (``Evidence.columns`` keys without the prefix)."""
    if not isinstance(data, dict) or not re.fullmatch(r"[0-9a-f]{64}", str(data.get("sha256", ""))):
        return None
    return Evidence(
        sha256=data["sha256"],
        filename=str(data.get("filename") or "evidenza"),
        content_type=str(data.get("content_type") or "application/octet-stream"),
        size=int(data.get("size") or 0),
    )


def as_dict(ev: Evidence) -> dict[str, Any]:
    return {"sha256": ev.sha256, "filename": ev.filename, "content_type": ev.content_type, "size": ev.size}

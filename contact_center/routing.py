"""Admin routing rules, shared by the channels whose items have a sender address (email, PEC, web form),
and the per-batch cache of settings read once per batch rather than once per item."""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from contact_center.models import RoutingRule, RuleKind

_BATCH: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("ingest_batch", default=None)


@contextlib.contextmanager
def batch_cache() -> Iterator[None]:
    """Settings read once per batch (routing rules, our own addresses), not once per message."""
    if _BATCH.get() is not None:
        yield
        return
    token = _BATCH.set({})
    try:
        yield
    finally:
        _BATCH.reset(token)


def cached(key: str, load: Callable[[], Any]) -> Any:
    cache = _BATCH.get()
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]


def match_rule(*, sender: str | None, subject: str, body: str, mailbox_id: int | None) -> RoutingRule | None:
    """The first active rule (by position) that matches the sender, its domain, a keyword or the mailbox."""
    sender = (sender or "").lower()
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else ""
    haystack = f"{subject}\n{body}".lower()
    rules = cached(
        "rules",
        lambda: list(
            db.session.scalars(
                sa.select(RoutingRule)
                .where(RoutingRule.active.is_(True))
                .order_by(RoutingRule.position, RoutingRule.id)
            )
        ),
    )
    for rule in rules:
        pattern = (rule.pattern or "").strip().lower()
        if rule.mailbox_id and rule.kind != RuleKind.MAILBOX and rule.mailbox_id != mailbox_id:
            continue
        if rule.kind == RuleKind.SENDER and pattern and sender == pattern:
            return rule
        if (
            rule.kind == RuleKind.DOMAIN
            and pattern
            and (domain == pattern.lstrip("@") or domain.endswith("." + pattern.lstrip("@")))
        ):
            return rule
        if rule.kind == RuleKind.KEYWORD and pattern and re.search(rf"\b{re.escape(pattern)}\b", haystack):
            return rule
        if rule.kind == RuleKind.MAILBOX and rule.mailbox_id and rule.mailbox_id == mailbox_id:
            return rule
    return None


def store_blob_meta(data: bytes, filename: str, content_type: str, content_id: str | None = None, inline: bool = False):
    """Write a file where ticket attachments live (content-addressed) and describe it for an item's meta."""
    import hashlib
    import os

    from tickets.services import store_blob

    store_blob(data, content_type)
    return {
        "filename": os.path.basename((filename or "").replace("\\", "/"))[:255] or "allegato",
        "content_type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "content_id": content_id,
        "inline": inline,
    }

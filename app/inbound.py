"""Inbound messages other modules recognise before the contact center turns them into tickets.

A module registers a handler with ``register_inbound_handler(func)``; the mail intake calls
``claim(message)`` for each inbound message (after unwrapping a PEC envelope). ``func(message)``
returns a short reason when the message is its own (e.g. an SDI notification, applied by billing):
the message is recorded with that reason and opens no ticket. Handlers run in the intake's
transaction and must not raise on what they do not recognise.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


@dataclasses.dataclass
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclasses.dataclass
class InboundMessage:
    sender: str
    subject: str
    attachments: list[InboundAttachment]
    certified: bool = False  # arrived as a PEC (posta-certificata)
    mailbox_id: int | None = None
    mailbox_address: str | None = None  # the address of the mailbox it arrived in (None: no mailbox)


Handler = Callable[[InboundMessage], str | None]
_handlers: list[Handler] = []


def register_inbound_handler(func: Handler) -> Handler:
    if func not in _handlers:
        _handlers.append(func)
    return func


def claim(message: InboundMessage) -> str | None:
    """The reason of the first handler that claims the message, or None: then it is an ordinary one."""
    for handler in list(_handlers):
        reason = handler(message)
        if reason:
            return reason
    return None


def claim_parsed(
    parsed: object, *, certified: bool = False, mailbox_id: int | None = None, mailbox_address: str | None = None
) -> str | None:
    """``claim`` for the mail intake's parsed email (``from_addr``, ``subject``, ``attachments``)."""
    attachments = [
        InboundAttachment(str(getattr(a, "filename", "") or ""), str(getattr(a, "content_type", "")), a.data)
        for a in getattr(parsed, "attachments", None) or []
    ]
    message = InboundMessage(
        sender=str(getattr(parsed, "from_addr", "") or ""),
        subject=str(getattr(parsed, "subject", "") or ""),
        attachments=attachments,
        certified=certified,
        mailbox_id=mailbox_id,
        mailbox_address=(mailbox_address or "").strip().lower() or None,
    )
    return claim(message)

"""SDI notifications arriving by PEC: the contact center's intake asks ``app.inbound`` whether a message
is someone else's before opening a ticket; billing claims those carrying an SDI notification file
(``IT…_<prog>_RC_001.xml``, ``….xml.p7m``), applies them and no ticket is opened.

Only a certified message that came in through the SDI's mailbox (``SDI_PEC_MAILBOX``, else
``SDI_PEC_SEND_FROM``) from the SDI itself (``SDI_PEC_SENDERS``) is read as a notification: anything
else that looks like one — another mailbox, an ordinary email, another sender — is an ordinary message
for triage and never moves an invoice."""

from __future__ import annotations

import logging
import re

from flask import current_app

from app.errors import Invalid, NotFound
from app.inbound import InboundMessage, register_inbound_handler

log = logging.getLogger(__name__)

# SDI names its notifications after the invoice file: <file name without .xml>_<type>_<3 chars>.xml[.p7m]
NAME = re.compile(
    r"^[A-Z]{2}[A-Za-z0-9]{1,28}_[A-Za-z0-9]{1,5}_(RC|NS|MC|NE|DT|AT|EC|SE|MT)_[A-Za-z0-9]{3}\.xml(\.p7m)?$"
)


def sdi_mailbox() -> str | None:
    """The address of the mailbox SDI notifications arrive in (None: none configured)."""
    value = current_app.config.get("SDI_PEC_MAILBOX") or current_app.config.get("SDI_PEC_SEND_FROM") or ""
    return value.strip().lower() or None


def is_sdi_sender(address: str) -> bool:
    address = (address or "").strip().lower()
    if not address or "@" not in address:
        return False
    for entry in str(current_app.config.get("SDI_PEC_SENDERS") or "").split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry.startswith("@") and address.endswith(entry):
            return True
        if address == entry:
            return True
    return False


def from_sdi(message: InboundMessage) -> bool:
    """A certified message, in the SDI mailbox, from the SDI."""
    mailbox = sdi_mailbox()
    return bool(mailbox and message.certified and message.mailbox_address == mailbox and is_sdi_sender(message.sender))


def handle(message: InboundMessage) -> str | None:
    from billing import sdi

    if not any(NAME.match(att.filename or "") for att in message.attachments):
        return None
    if not from_sdi(message):
        log.info(
            "SDI-like attachment from %s in mailbox %s not applied: not the SDI's mailbox or sender",
            message.sender,
            message.mailbox_address,
        )
        return None
    outcome: list[str] = []
    for att in message.attachments:
        if not NAME.match(att.filename or ""):
            continue
        try:
            invoice, event, new = sdi.receive(data=att.data, actor=None, filename=att.filename)
        except NotFound:
            outcome.append(f"{att.filename}: nessun documento con questo nome file")
            continue
        except Invalid as exc:
            log.warning("SDI attachment %s not applied: %s", att.filename, exc.message)
            continue
        state = "applicata" if new else "già registrata"
        outcome.append(f"{att.filename}: {event.type} {state} a {invoice.number} ({invoice.sdi_status})")
    if not outcome:
        return None
    return ("notifica SDI: " + "; ".join(outcome))[:500]


def register() -> None:
    register_inbound_handler(handle)

"""SDI notifications arriving by PEC: the contact center's intake asks ``app.inbound`` whether a message
is someone else's before opening a ticket; billing claims those carrying an SDI notification file
(``IT…_<prog>_RC_001.xml``, ``….xml.p7m``), applies them and no ticket is opened."""

from __future__ import annotations

import logging
import re

from app.errors import Invalid, NotFound
from app.inbound import InboundMessage, register_inbound_handler

log = logging.getLogger(__name__)

# SDI names its notifications after the invoice file: <file name without .xml>_<type>_<3 chars>.xml[.p7m]
NAME = re.compile(
    r"^[A-Z]{2}[A-Za-z0-9]{1,28}_[A-Za-z0-9]{1,5}_(RC|NS|MC|NE|DT|AT|EC|SE|MT)_[A-Za-z0-9]{3}\.xml(\.p7m)?$"
)


def handle(message: InboundMessage) -> str | None:
    from billing import sdi

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

"""Answering through the channel a request came in by.

* The ``mailbox`` mail transport sends through a mailbox's own SMTP server (a PEC must go out through
  the PEC provider, or it is not certified).
* The reply router tells the ticket notifications how to answer a ticket: the mailbox the requester
  wrote to, threaded (In-Reply-To/References) on their last message.
"""

from __future__ import annotations

import os
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from app.errors import Invalid
from app.extensions import db
from app.mail import OutboundEmail, register_reply_router, register_transport, smtp_send
from contact_center.models import InboundChannel, InboundItem, Mailbox, Security


def mailbox_password(mailbox: Mailbox) -> str:
    """The password lives in the environment, named by the mailbox; never in the database."""
    value = os.environ.get(mailbox.password_env or "")
    if value is None:
        raise Invalid(
            f"variabile d'ambiente {mailbox.password_env} non impostata",
            {"password_env": [f"{mailbox.password_env} non impostata"]},
        )
    return value


def smtp_url(mailbox: Mailbox) -> str:
    if not mailbox.smtp_host:
        raise Invalid("la casella non ha un server SMTP", {"smtp_host": ["obbligatorio"]})
    scheme = "smtps" if mailbox.smtp_security == Security.SSL else "smtp"
    user = mailbox.smtp_user or mailbox.imap_user
    credentials = ""
    if user and mailbox.smtp_security != Security.NONE:
        credentials = f"{quote(user, safe='')}:{quote(mailbox_password(mailbox), safe='')}@"
    return f"{scheme}://{credentials}{mailbox.smtp_host}:{mailbox.smtp_port}"


def _mailbox_for(email: OutboundEmail) -> Mailbox | None:
    """The mailbox an email goes out through: ``transport_ref``, else the active mailbox whose address
    is the email's From (how another module, e.g. billing sending to the SDI, names a mailbox)."""
    if email.transport_ref:
        return db.session.get(Mailbox, email.transport_ref)
    address = (parseaddr(email.from_addr or "")[1] or "").lower()
    if not address:
        return None
    return db.session.scalar(
        sa.select(Mailbox)
        .where(sa.func.lower(Mailbox.address) == address, Mailbox.active.is_(True))
        .order_by(Mailbox.id)
        .limit(1)
    )


def _mailbox_transport(email: OutboundEmail, msg: EmailMessage) -> None:
    mailbox = _mailbox_for(email)
    if mailbox is None or not mailbox.smtp_host:
        from app.mail import TRANSPORTS

        TRANSPORTS["default"](email, msg)
        return
    smtp_send(smtp_url(mailbox), msg, mailbox.address, list(email.recipients) + list(email.cc))


def routing_for_item(item: InboundItem) -> dict[str, Any]:
    """queue_email overrides to answer this item: its mailbox, threaded on its Message-ID."""
    out: dict[str, Any] = {}
    mailbox = db.session.get(Mailbox, item.mailbox_id) if item.mailbox_id else None
    if mailbox is None and item.channel == InboundChannel.PEC:
        mailbox = db.session.scalar(
            sa.select(Mailbox).where(Mailbox.kind == "pec", Mailbox.active.is_(True)).order_by(Mailbox.id).limit(1)
        )
    # an inactive mailbox (the demo's, or one being set up) does not send: the default transport answers
    if mailbox is not None and mailbox.active and mailbox.smtp_host:
        out.update(transport="mailbox", transport_ref=mailbox.id, from_addr=mailbox.address)
    if item.message_id:
        refs = (item.meta or {}).get("references") or ""
        out["in_reply_to"] = item.message_id
        out["references"] = " ".join(x for x in (refs, item.message_id) if x)[-900:]
    return out


def reply_context_for_ticket(ticket_id: int) -> dict[str, Any] | None:
    """The reply router: answer a ticket through the mailbox of its last email/PEC message. While a
    ticket is being opened from an item, its acknowledgement answers that item: through its mailbox,
    to its sender, threaded on its message."""
    from contact_center.intake import OPENING

    opening = OPENING.get()
    if opening is not None and opening.ticket_id in (None, ticket_id):
        routing = routing_for_item(opening)
        if opening.sender_email:
            routing["to"] = opening.sender_email
        return routing
    item = db.session.scalar(
        sa.select(InboundItem)
        .where(
            InboundItem.ticket_id == ticket_id,
            InboundItem.channel.in_([InboundChannel.EMAIL, InboundChannel.PEC, InboundChannel.WEB]),
            InboundItem.status.in_(["ticketed", "attached"]),
        )
        .order_by(InboundItem.id.desc())
        .limit(1)
    )
    if item is None:
        return None
    routing = routing_for_item(item)
    # The ticket module threads its own replies (it knows every Message-ID of the ticket); we say
    # through which mailbox, from which address and, for a sender who is not a known contact, to whom.
    routing.pop("in_reply_to", None)
    routing.pop("references", None)
    if item.sender_email:
        routing["to"] = item.sender_email
    return routing


def init_replies() -> None:
    register_transport("mailbox", _mailbox_transport)
    register_reply_router(reply_context_for_ticket)

"""The events Presidio's own modules emit, read from their rows after each flush (integrations.events)."""

from __future__ import annotations

import decimal
import enum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from integrations.events import register_event, register_source

IGNORED_TICKET_COLUMNS = {"updated_at", "search_vector"}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return f"{value:.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _fields(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name, None)) for name in names}


def _changed(obj: Any, ignored: set[str]) -> set[str]:
    state = sa.inspect(obj)
    return {
        attr.key
        for attr in state.mapper.column_attrs
        if attr.key not in ignored and state.attrs[attr.key].history.has_changes()
    }


TICKET_FIELDS = (
    "id", "number", "subject", "status", "priority", "channel", "organization_id", "requester_contact_id",
    "service_id", "assignee_id", "team_id", "first_response_due", "resolution_due", "resolved_at", "closed_at",
    "sla_state", "created_at", "updated_at",
)  # fmt: skip
MESSAGE_FIELDS = ("id", "ticket_id", "internal", "channel", "author_user_id", "author_contact_id", "body", "created_at")
INVOICE_FIELDS = (
    "id", "number", "kind", "doc_type", "organization_id", "agreement_id", "year", "issue_date", "due_date",
    "net_total", "vat_total", "total", "status",
)  # fmt: skip
PAYMENT_FIELDS = ("id", "invoice_id", "organization_id", "amount", "paid_on", "method", "reference")


def register() -> None:
    from billing.models import Invoice, Payment
    from tickets.models import Ticket, TicketMessage, TicketStatusChange

    def ticket_data(ticket: Any) -> dict[str, Any]:
        return _fields(ticket, TICKET_FIELDS)

    def status_data(change: Any) -> dict[str, Any]:
        return {
            "id": change.id,
            "ticket_id": change.ticket_id,
            "from_status": _plain(change.from_status),
            "to_status": _plain(change.to_status),
            "at": _plain(change.at),
            "actor_id": change.actor_id,
        }

    register_event("ticket.created", _l("Richiesta aperta"), ticket_data)
    register_event("ticket.updated", _l("Richiesta modificata"), ticket_data)
    register_event("ticket.status_changed", _l("Stato della richiesta cambiato"), status_data)
    register_event("message.created", _l("Nuovo messaggio"), lambda m: _fields(m, MESSAGE_FIELDS))
    register_event("invoice.issued", _l("Documento emesso"), lambda i: _fields(i, INVOICE_FIELDS))
    register_event("payment.recorded", _l("Pagamento registrato"), lambda p: _fields(p, PAYMENT_FIELDS))

    def ticket_source(ticket: Any, created: bool) -> list[tuple[str, str]]:
        if created:
            return [("ticket.created", f"ticket:{ticket.id}")]
        return [("ticket.updated", f"ticket:{ticket.id}")] if _changed(ticket, IGNORED_TICKET_COLUMNS) else []

    def status_source(change: Any, created: bool) -> list[tuple[str, str]]:
        # The first status of a new ticket is its creation, already told by ticket.created.
        if created and change.from_status is not None:
            return [("ticket.status_changed", f"status:{change.id}")]
        return []

    def message_source(message: Any, created: bool) -> list[tuple[str, str]]:
        return [("message.created", f"message:{message.id}")] if created else []

    def invoice_source(invoice: Any, created: bool) -> list[tuple[str, str]]:
        if invoice.issued_at is None:
            return []
        if created or "issued_at" in _changed(invoice, set()):
            return [("invoice.issued", f"invoice:{invoice.id}")]
        return []

    def payment_source(payment: Any, created: bool) -> list[tuple[str, str]]:
        return [("payment.recorded", f"payment:{payment.id}")] if created else []

    register_source(Ticket, ticket_source)
    register_source(TicketStatusChange, status_source)
    register_source(TicketMessage, message_source)
    register_source(Invoice, invoice_source)
    register_source(Payment, payment_source)

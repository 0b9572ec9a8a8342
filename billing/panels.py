"""The billing panel and timeline events on the ente's 360° page (``app.panels``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from app import panels
from app.auth.permissions import can, org_scope
from app.extensions import db
from app.i18n import fmt_date, fmt_money
from app.labels import label
from billing import collections
from billing.fees import ZERO, fmt, money
from billing.models import Invoice, InvoiceStatus, Payment, Reminder


def _allowed(organization_id: int, user: Any) -> bool:
    if not can(user, "billing.read"):
        return False
    scope = org_scope(user)
    return scope is None or scope == organization_id


def org_panel(organization_id: int, user: Any) -> dict[str, Any] | None:
    if not _allowed(organization_id, user):
        return None
    rows = collections.receivables(organization_id=organization_id)
    entry = rows[0] if rows else {}
    recent = list(
        db.session.scalars(
            sa.select(Invoice)
            .where(Invoice.organization_id == organization_id, Invoice.status != InvoiceStatus.DRAFT)
            .order_by(Invoice.id.desc())
            .limit(5)
        )
    )
    return {
        "balance": fmt(entry.get("balance", ZERO)),
        "overdue": fmt(entry.get("overdue", ZERO)),
        "open_invoices": entry.get("invoices", 0),
        "buckets": {k: fmt(entry.get(k, ZERO)) for k in collections.BUCKETS},
        "invoices": recent,
        "list_url": url_for("billing.invoice_list", organization_id=organization_id),
    }


def org_timeline(organization_id: int, user: Any, limit: int) -> list[panels.TimelineEvent]:
    if not _allowed(organization_id, user):
        return []
    events: list[panels.TimelineEvent] = []
    for inv in db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.organization_id == organization_id, Invoice.issued_at.is_not(None))
        .order_by(Invoice.issued_at.desc())
        .limit(limit)
    ):
        kind = label(inv.doc_type)
        events.append(
            panels.TimelineEvent(
                at=inv.issued_at,  # type: ignore[arg-type]
                kind="invoice",
                title=_(
                    "%(kind)s %(number)s emesso: %(total)s", kind=kind, number=inv.number, total=fmt_money(inv.total)
                ),
                url=url_for("billing.invoice_detail", invoice_id=inv.id),
                icon="it-files",
            )
        )
    for pay, number in db.session.execute(
        sa.select(Payment, Invoice.number)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.organization_id == organization_id)
        .order_by(Payment.id.desc())
        .limit(limit)
    ):
        events.append(
            panels.TimelineEvent(
                at=pay.created_at,
                kind="payment",
                title=_(
                    "Incasso %(amount)s su %(number)s (%(method)s)",
                    amount=fmt_money(money(pay.amount)),
                    number=number,
                    method=label(pay.method),
                ),
                detail=_("pagato il %(date)s", date=fmt_date(pay.paid_on)),
                url=url_for("billing.invoice_detail", invoice_id=pay.invoice_id),
                icon="it-card",
            )
        )
    for rem, number in db.session.execute(
        sa.select(Reminder, Invoice.number)
        .join(Invoice, Invoice.id == Reminder.invoice_id)
        .where(Reminder.organization_id == organization_id)
        .order_by(Reminder.id.desc())
        .limit(limit)
    ):
        events.append(
            panels.TimelineEvent(
                at=rem.sent_at,
                kind="reminder",
                title=_("Sollecito %(level)s per %(number)s", level=rem.level, number=number),
                detail=_("%(via)s a %(to)s", via="PEC" if rem.via_pec else _("email"), to=rem.to_addr),
                url=url_for("billing.invoice_detail", invoice_id=rem.invoice_id),
                icon="it-mail",
            )
        )
    events.sort(key=lambda e: e.at or dt.datetime.min.replace(tzinfo=dt.UTC), reverse=True)
    return events[:limit]


def register() -> None:
    panels.register_org_panel("billing", "billing/_org_panel.html", org_panel, order=40)
    panels.register_org_timeline("billing", org_timeline)

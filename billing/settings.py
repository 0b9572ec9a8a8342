"""Billing settings: what finance tunes without a deploy (reminder steps, payment terms, VAT rate)
and the center as seller on every document."""

from __future__ import annotations

import decimal
import os
from typing import Any

from flask import current_app

from app.db import transaction
from app.errors import Invalid
from app.extensions import db
from billing.models import BillingSettings

D = decimal.Decimal


def setting(name: str, default: Any) -> Any:
    return current_app.config.get(name, default)


def get_settings() -> dict[str, Any]:
    """Reminder steps, payment terms and VAT rate: the settings row, else configuration defaults."""
    row = db.session.get(BillingSettings, 1)
    if row is not None:
        return {"reminder_days": row.reminder_days, "payment_days": row.payment_days, "vat_rate": D(row.vat_rate)}
    return {
        "reminder_days": str(
            setting("BILLING_REMINDER_DAYS", None) or os.environ.get("BILLING_REMINDER_DAYS") or "15,45"
        ),
        "payment_days": int(setting("BILLING_PAYMENT_DAYS", 30)),
        "vat_rate": D(str(setting("BILLING_VAT_RATE", "22"))),
    }


def parse_reminder_days(raw: str) -> list[int]:
    try:
        days = sorted({int(x) for x in str(raw).replace(" ", "").split(",") if x})
    except ValueError as exc:
        raise Invalid("giorni non validi", {"reminder_days": ["numeri interi separati da virgola, es. 15,45"]}) from exc
    if not days or days[0] <= 0 or len(days) > 5:
        raise Invalid("giorni non validi", {"reminder_days": ["da 1 a 5 valori positivi, es. 15,45"]})
    return days


def update_settings(*, reminder_days: str, payment_days: int, vat_rate: Any, actor: Any) -> BillingSettings:
    errors: dict[str, list[str]] = {}
    try:
        days = parse_reminder_days(reminder_days)
    except Invalid as exc:
        errors.update(exc.fields)
        days = []
    if not isinstance(payment_days, int) or not 0 <= payment_days <= 365:
        errors["payment_days"] = ["tra 0 e 365 giorni"]
    try:
        rate = D(str(vat_rate))
        if not D("0") <= rate <= D("100"):
            raise decimal.InvalidOperation
    except decimal.InvalidOperation:
        errors["vat_rate"] = ["aliquota tra 0 e 100"]
        rate = D("0")
    if errors:
        raise Invalid("impostazioni non valide", errors)
    with transaction(actor=actor):
        row = db.session.get(BillingSettings, 1)
        if row is None:
            row = BillingSettings(id=1)
            db.session.add(row)
        row.reminder_days = ",".join(str(d) for d in days)
        row.payment_days = payment_days
        row.vat_rate = rate
    return row


def default_vat_rate() -> D:
    return D(get_settings()["vat_rate"])


def seller() -> dict[str, str]:
    """The center as seller on every document (CENTER_* settings)."""
    cfg = current_app.config
    return {
        "name": cfg.get("CENTER_NAME") or "",
        "fiscal_code": cfg.get("CENTER_FISCAL_CODE") or "",
        "vat_number": cfg.get("CENTER_VAT_NUMBER") or "",
        "address": cfg.get("CENTER_ADDRESS") or "",
        "zip_code": cfg.get("CENTER_ZIP") or "",
        "city": cfg.get("CENTER_CITY") or "",
        "province": cfg.get("CENTER_PROVINCE") or "",
        "iban": cfg.get("CENTER_IBAN") or "",
    }

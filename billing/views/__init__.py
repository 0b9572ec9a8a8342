"""Finance pages (ragioneria): one blueprint, its filters and helpers here; the routes in
``invoices`` (dashboard and documents), ``runs`` (the annual run), ``payments`` (payments,
receivables, settings) and ``exports``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.errors import DomainError
from app.i18n import fmt_money
from billing import services
from billing.models import Invoice

# The package's static files (billing/static), not this sub-package's.
STATIC = Path(__file__).resolve().parent.parent / "static"
bp = Blueprint("billing", __name__, url_prefix="/ragioneria", static_folder=STATIC, static_url_path="/static")

STATUS_LABELS = {
    "draft": _l("Bozza"),
    "issued": _l("Emessa"),
    "partially_paid": _l("Pagata in parte"),
    "paid": _l("Pagata"),
    "overdue": _l("Scaduta"),
    "cancelled": _l("Annullata"),
}


@bp.app_template_filter("euro")
def euro(value: Any) -> str:
    """Money for people in the reader's style, like every other page ("1.234,50 €"; the API keeps
    "1234.50")."""
    return fmt_money(value)


@bp.app_context_processor
def _billing_globals() -> dict[str, Any]:
    return {"billing_status_labels": STATUS_LABELS}


def _labels() -> dict[str, str]:
    return {
        **{k: str(v) for k, v in STATUS_LABELS.items()},
        "fattura": _("Fattura"),
        "richiesta_pagamento": _("Richiesta di pagamento"),
        "invoice": _("Documento"),
        "credit_note": _("Nota di credito"),
    }


def _visible(invoice_id: int) -> Invoice:
    return services.invoice_for(current_user, invoice_id)


def _fail(exc: DomainError) -> None:
    details = "; ".join(m for msgs in exc.fields.values() for m in msgs) if exc.fields else ""
    flash(f"{exc.message}{': ' + details if details else ''}", "error")


from billing.views import exports, invoices, payments, runs, sdi  # noqa: E402,F401  (register the routes)

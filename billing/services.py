"""Billing rules, one import away: the annual run (``billing.run``), drafts and the invoice list
(``billing.invoices``), issuing with gap-free numbers and credit notes (``billing.issuing``) and the
settings (``billing.settings``). Payments, reconciliation, receivables and reminders live in
``billing.collections``. All are plain functions with keyword arguments and the acting user passed in.
"""

from __future__ import annotations

import decimal

from billing import fees, pagopa, sources
from billing.invoices import (
    SDI_CODE,
    SERIES_FOR_KIND,
    _lock,
    _set_totals,
    add_line,
    credit_notes_of,
    discard_draft,
    get_invoice,
    invoice_for,
    invoice_page,
    invoice_query,
    invoices_of_run,
    notice_payload,
    recipient_problems,
    visible_invoices,
)
from billing.issuing import (
    SERIES_DIGIT,
    _assign_number,
    create_credit_note,
    format_number,
    issue_drafts,
    issue_invoice,
    next_number,
)
from billing.run import (
    BATCH,
    Planned,
    PreviewRow,
    _check_year,
    annual_key,
    build_draft,
    compute_for,
    create_annual_draft,
    draft_ids_of_run,
    execute_run,
    get_run,
    list_runs,
    plan,
    preview_run,
    run_now,
    start_run,
)
from billing.settings import (
    default_vat_rate,
    get_settings,
    parse_reminder_days,
    seller,
    setting,
    update_settings,
)

D = decimal.Decimal

__all__ = [
    "BATCH",
    "D",
    "SDI_CODE",
    "SERIES_DIGIT",
    "SERIES_FOR_KIND",
    "Planned",
    "PreviewRow",
    "_assign_number",
    "_check_year",
    "_lock",
    "_set_totals",
    "add_line",
    "annual_key",
    "build_draft",
    "compute_for",
    "create_annual_draft",
    "create_credit_note",
    "credit_notes_of",
    "default_vat_rate",
    "discard_draft",
    "draft_ids_of_run",
    "execute_run",
    "fees",
    "format_number",
    "get_invoice",
    "invoice_for",
    "invoices_of_run",
    "invoice_page",
    "visible_invoices",
    "get_run",
    "get_settings",
    "invoice_query",
    "issue_drafts",
    "issue_invoice",
    "list_runs",
    "next_number",
    "notice_payload",
    "pagopa",
    "parse_reminder_days",
    "plan",
    "preview_run",
    "recipient_problems",
    "run_now",
    "seller",
    "setting",
    "sources",
    "start_run",
    "update_settings",
]

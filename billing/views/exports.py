"""Finance pages: CSV and spreadsheet exports of documents and payments."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, request
from flask_login import current_user, login_required

from app.auth.permissions import permission_required
from app.db import local_today
from app.exports import csv_text, xlsx_bytes
from app.replica import reads_replica
from billing import exporting, services
from billing.exporting import INVOICE_COLUMNS, PAYMENT_COLUMNS, UNMATCHED_COLUMNS
from billing.fees import fmt
from billing.views import STATUS_LABELS, bp

# --- exports (the rows are read by billing.exporting, for the acting user) ---------------------------


def _invoice_rows() -> list[list[Any]]:
    args = request.args
    return exporting.invoice_rows(
        actor=current_user,
        status=args.get("status") if args.get("status") in STATUS_LABELS else None,
        year=args.get("year", type=int),
        kind=args.get("kind"),
        organization_id=args.get("organization_id", type=int),
    )


@bp.route("/esporta/<what>.<fmt_>")
@login_required
@permission_required("billing.dashboard")
@reads_replica
def export(what: str, fmt_: str):
    if what == "fatture":
        columns, rows = INVOICE_COLUMNS, _invoice_rows()
    elif what == "incassi":
        columns, rows = (
            PAYMENT_COLUMNS,
            exporting.payment_rows(actor=current_user, year=request.args.get("year", type=int)),
        )
    elif what == "non-abbinati":
        columns, rows = UNMATCHED_COLUMNS, exporting.unmatched_rows(actor=current_user)
    else:
        abort(404)
    stamp = local_today().isoformat()
    if fmt_ == "csv":
        cells = ([fmt(v) if isinstance(v, services.D) else v for v in row] for row in rows)
        return Response(
            csv_text(columns, cells),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{what}-{stamp}.csv"'},
        )
    if fmt_ == "xlsx":
        # Decimal stays Decimal: a number cell, never through a float; text is always a string cell.
        return Response(
            xlsx_bytes(columns, rows, title=what),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{what}-{stamp}.xlsx"'},
        )
    abort(404)

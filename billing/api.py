"""JSON API of billing under /api/v1 (shared/CONTRACT.md: /invoices, /invoices/{id}/issue,
/invoices/{id}/fatturapa.xml, /payments) plus the run, notices, reconciliation and receivables."""

from __future__ import annotations

import decimal
from typing import Any

from flask import Response, request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api import API_PREFIX, PageArgs, keyset_page, page, parse_or_422, register_api
from app.auth.permissions import check_org, org_scope, permission_required
from app.errors import Conflict, Invalid, NotFound
from app.replica import reads_replica
from billing import collections, fatturapa, services
from billing.fees import fmt
from billing.models import DocumentKind, DocumentType, Invoice, InvoiceStatus, Payment, PaymentMethod


class MoneyField(fields.Field):
    """Money as a string with two decimals, never a float."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else fmt(decimal.Decimal(value))

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> decimal.Decimal:
        try:
            return collections.parse_amount(value)
        except Invalid as exc:
            raise self.make_error("invalid") from exc

    default_error_messages = {"invalid": "importo non valido: una stringa con al massimo due decimali"}


class LineSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    code = fields.String()
    description = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit_price = fields.Decimal(as_string=True)
    amount = MoneyField()
    vat_rate = fields.Decimal(as_string=True)
    vat_nature = fields.String(allow_none=True)


class InvoiceSchema(Schema):
    id = fields.Integer()
    number = fields.String(allow_none=True)
    organization_id = fields.Integer()
    agreement_id = fields.Integer(allow_none=True)
    year = fields.Integer()
    kind = fields.String(attribute="kind.value", metadata={"description": "fattura | richiesta_pagamento"})
    document_type = fields.String(attribute="doc_type.value", metadata={"description": "invoice | credit_note"})
    series = fields.String(attribute="series.value")
    credit_of_id = fields.Integer(allow_none=True)
    issue_date = fields.Date(allow_none=True)
    due_date = fields.Date(allow_none=True)
    status = fields.String(attribute="status.value")
    description = fields.String()
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    split_payment = fields.Boolean()
    net_total = MoneyField()
    vat_total = MoneyField()
    total = MoneyField()
    amount_due = MoneyField()
    paid_total = MoneyField()
    balance = MoneyField()
    stamp_duty = MoneyField()
    notice_code = fields.String(allow_none=True)
    iuv = fields.String(allow_none=True)
    cig = fields.String(allow_none=True)
    cup = fields.String(allow_none=True)
    reminder_level = fields.Integer()
    created_at = fields.DateTime()
    lines = fields.List(fields.Nested(LineSchema))
    sdi_file_name = fields.String(allow_none=True)
    sdi_status = fields.String(allow_none=True)
    sdi_identifier = fields.String(allow_none=True)
    sdi_events = fields.Method("_sdi_events")

    def _sdi_events(self, obj: Invoice) -> list[dict[str, Any]]:
        from billing import sdi

        return [
            {"type": e.type, "at": e.at.isoformat(), "file_name": e.file_name, "detail": e.detail}
            for e in sdi.events_of(obj.id)
        ]


class InvoiceListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in InvoiceStatus]))
    organization_id = fields.Integer()
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    kind = fields.String(validate=validate.OneOf([k.value for k in DocumentKind]))
    document_type = fields.String(validate=validate.OneOf([t.value for t in DocumentType]))
    q = fields.String(validate=validate.Length(max=100))


class IssueArgs(Schema):
    issue_date = fields.Date(load_default=None)


class CreditNoteArgs(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class PaymentSchema(Schema):
    id = fields.Integer(dump_only=True)
    invoice_id = fields.Integer(required=True)
    organization_id = fields.Integer(dump_only=True)
    amount = MoneyField(required=True)
    paid_on = fields.Date(required=True)
    method = fields.String(required=True, validate=validate.OneOf([m.value for m in PaymentMethod]))
    reference = fields.String(load_default="", validate=validate.Length(max=200))
    external_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    created_at = fields.DateTime(dump_only=True)


class PaymentListArgs(PageArgs):
    invoice_id = fields.Integer()
    organization_id = fields.Integer()
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class RunArgs(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    dry_run = fields.Boolean(load_default=False)


class RunSchema(Schema):
    id = fields.Integer()
    year = fields.Integer()
    status = fields.String(attribute="status.value")
    total = fields.Integer()
    processed = fields.Integer()
    created_count = fields.Integer()
    skipped_count = fields.Integer()
    amount = MoneyField()
    error = fields.String(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


def preview_item(row: services.PreviewRow) -> dict[str, Any]:
    fee = row.fee
    return {
        "agreement_id": row.agreement_id,
        "agreement_code": row.agreement_code,
        "organization_id": row.organization_id,
        "organization_name": row.organization_name,
        "kind": row.kind,
        "state": row.state,
        "invoice_id": row.invoice_id,
        "days": fee.days,
        "days_in_year": fee.days_in_year,
        "population": fee.population,
        "extra_minutes": fee.extra_minutes,
        "net_total": fmt(fee.net_total),
        "vat_total": fmt(fee.vat_total),
        "total": fmt(fee.total),
        "lines": [
            {
                "code": ln.code,
                "description": ln.description,
                "quantity": str(ln.quantity),
                "unit_price": str(ln.unit_price),
                "amount": fmt(ln.amount),
                "vat_rate": str(ln.vat_rate),
                "vat_nature": ln.vat_nature,
            }
            for ln in fee.lines
        ],
        "warnings": row.warnings,
    }


class AssignArgs(Schema):
    invoice_id = fields.Integer(required=True)


def _visible_invoice(invoice_id: int) -> Invoice:
    invoice = services.get_invoice(invoice_id)
    check_org(current_user, invoice.organization_id)
    return invoice


def blueprints() -> list[Blueprint]:
    """Fresh blueprints for each app (tests build several apps)."""
    invoices_bp = Blueprint(
        "api_invoices",
        __name__,
        url_prefix=f"{API_PREFIX}/invoices",
        description="Fatture, richieste di pagamento e note di credito",
    )
    payments_bp = Blueprint("api_payments", __name__, url_prefix=f"{API_PREFIX}/payments", description="Incassi")
    billing_bp = Blueprint(
        "api_billing", __name__, url_prefix=f"{API_PREFIX}/billing", description="Fatturazione annuale e crediti"
    )

    @invoices_bp.route("")
    @invoices_bp.arguments(InvoiceListArgs, location="query")
    @invoices_bp.response(200)
    @permission_required("billing.read")
    def list_invoices(args: dict[str, Any]):
        scope = org_scope(current_user)
        stmt = services.invoice_query(
            organization_id=scope or args.get("organization_id"),
            status=args.get("status"),
            year=args.get("year"),
            kind=args.get("kind"),
            doc_type=args.get("document_type"),
            q=args.get("q"),
        )
        if scope is not None:
            stmt = stmt.where(Invoice.status != InvoiceStatus.DRAFT)
        items, cursor = keyset_page(stmt, [Invoice.id], limit=args["limit"], cursor=args["cursor"])
        return page(InvoiceSchema(many=True).dump(items), cursor)

    @invoices_bp.route("/<int:invoice_id>")
    @invoices_bp.response(200, InvoiceSchema)
    @permission_required("billing.read")
    def get_invoice(invoice_id: int):
        invoice = _visible_invoice(invoice_id)
        if org_scope(current_user) is not None and invoice.status == InvoiceStatus.DRAFT:
            raise NotFound("documento non trovato")
        return invoice

    @invoices_bp.route("/<int:invoice_id>/issue", methods=["POST"])
    @invoices_bp.response(200, InvoiceSchema)
    @permission_required("billing.write")
    def issue(invoice_id: int):
        args = parse_or_422(IssueArgs(), request.get_json(silent=True) or {})
        return services.issue_invoice(invoice_id=invoice_id, actor=current_user, issue_date=args["issue_date"])

    @invoices_bp.route("/<int:invoice_id>/credit-note", methods=["POST"])
    @invoices_bp.response(201, InvoiceSchema)
    @permission_required("billing.write")
    def credit_note(invoice_id: int):
        args = parse_or_422(CreditNoteArgs(), request.get_json(silent=True) or {})
        return services.create_credit_note(invoice_id=invoice_id, actor=current_user, reason=args["reason"])

    @invoices_bp.route("/<int:invoice_id>/fatturapa.xml")
    @permission_required("billing.read")
    def fatturapa_xml(invoice_id: int):
        invoice = _visible_invoice(invoice_id)
        seller = services.seller()
        xml = fatturapa.build(invoice, seller)
        return Response(
            xml,
            mimetype="application/xml",
            headers={"Content-Disposition": f'attachment; filename="{fatturapa.filename(invoice, seller)}"'},
        )

    @invoices_bp.route("/<int:invoice_id>/notice")
    @invoices_bp.response(200)
    @permission_required("billing.read")
    def notice(invoice_id: int):
        invoice = _visible_invoice(invoice_id)
        data = services.notice_payload(invoice)
        if data is None:
            raise Conflict("il documento non ha un avviso pagoPA")
        data = {
            **data,
            "amount": fmt(data["amount"]),
            "due_date": data["due_date"].isoformat() if data["due_date"] else None,
        }
        return data

    @payments_bp.route("")
    @payments_bp.arguments(PaymentListArgs, location="query")
    @payments_bp.response(200)
    @permission_required("billing.read")
    def list_payments(args: dict[str, Any]):
        scope = org_scope(current_user)
        stmt = collections.payment_query(
            organization_id=scope or args.get("organization_id"),
            invoice_id=args.get("invoice_id"),
            year=args.get("year"),
        )
        items, cursor = keyset_page(stmt, [Payment.id], limit=args["limit"], cursor=args["cursor"])
        return page(PaymentSchema(many=True).dump(items), cursor)

    @payments_bp.route("", methods=["POST"])
    @payments_bp.response(201, PaymentSchema)
    @permission_required("billing.write")
    def create_payment():
        data = parse_or_422(PaymentSchema(), request.get_json(silent=True) or {})
        return collections.register_payment(actor=current_user, **data)

    @payments_bp.route("/import", methods=["POST"])
    @payments_bp.response(201)
    @permission_required("billing.write")
    def import_payments():
        upload = request.files.get("file")
        if upload is not None:
            data, name = upload.read(), upload.filename or "import.csv"
        elif request.mimetype in ("text/csv", "text/plain"):
            data, name = request.get_data(), request.args.get("filename", "import.csv")
        else:
            raise Invalid("file mancante", {"file": ["invia un CSV (multipart 'file' o text/csv)"]})
        record = collections.import_payments(data=data, filename=name, actor=current_user)
        return {
            "id": record.id,
            "rows": record.rows,
            "applied": record.applied,
            "unmatched": record.unmatched,
            "rejected": record.rejected,
            "report": record.report,
        }

    @payments_bp.route("/unmatched")
    @payments_bp.response(200)
    @permission_required("billing.write")
    def unmatched():
        return page(
            [
                {
                    "id": u.id,
                    "amount": fmt(u.amount),
                    "paid_on": u.paid_on.isoformat(),
                    "method": u.method.value,
                    "reference": u.reference,
                    "payer": u.payer,
                }
                for u in collections.unmatched_queue()
            ],
            None,
        )

    @payments_bp.route("/unmatched/<int:unmatched_id>/assign", methods=["POST"])
    @payments_bp.response(201, PaymentSchema)
    @permission_required("billing.write")
    def assign(unmatched_id: int):
        data = parse_or_422(AssignArgs(), request.get_json(silent=True) or {})
        return collections.assign_unmatched(
            unmatched_id=unmatched_id, invoice_id=data["invoice_id"], actor=current_user
        )

    @billing_bp.route("/preview")
    @billing_bp.arguments(
        Schema.from_dict({"year": fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))})(),
        location="query",
    )
    @billing_bp.response(200)
    @permission_required("billing.write")
    def preview(args: dict[str, Any]):
        rows = services.preview_run(args["year"])
        return {"year": args["year"], "items": [preview_item(r) for r in rows], "next_cursor": None}

    @billing_bp.route("/runs")
    @billing_bp.response(200)
    @permission_required("billing.write")
    def list_runs():
        return page(RunSchema(many=True).dump(services.list_runs(limit=50)), None)

    @billing_bp.route("/runs", methods=["POST"])
    @billing_bp.response(202)
    @permission_required("billing.write")
    def start_run():
        args = parse_or_422(RunArgs(), request.get_json(silent=True) or {})
        if args["dry_run"]:
            return {
                "year": args["year"],
                "dry_run": True,
                "items": [preview_item(r) for r in services.preview_run(args["year"])],
            }
        run = services.start_run(year=args["year"], actor=current_user)
        return RunSchema().dump(run)

    @billing_bp.route("/runs/<int:run_id>")
    @billing_bp.response(200, RunSchema)
    @permission_required("billing.write")
    def get_run(run_id: int):
        return services.get_run(run_id)

    @billing_bp.route("/receivables")
    @billing_bp.response(200)
    @permission_required("billing.read")
    @reads_replica
    def receivables():
        rows = collections.receivables(organization_id=org_scope(current_user))
        money_keys = ("balance", "overdue", *collections.BUCKETS)
        return page([{k: (fmt(v) if k in money_keys else v) for k, v in r.items()} for r in rows], None)

    return [invoices_bp, payments_bp, billing_bp]


def init_api(app: Any) -> None:
    for bp in blueprints():
        register_api(app, bp)

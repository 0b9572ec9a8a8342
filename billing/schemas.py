"""Marshmallow schemas of this module's JSON API: what goes in and what comes out."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from app.api import PageArgs
from app.schemas import Money, Schema
from billing.models import DocumentKind, DocumentType, InvoiceStatus, PaymentMethod


class LineSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    code = fields.String()
    description = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit_price = fields.Decimal(as_string=True)
    amount = Money()
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
    net_total = Money()
    vat_total = Money()
    total = Money()
    amount_due = Money()
    paid_total = Money()
    balance = Money()
    stamp_duty = Money()
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

    def _sdi_events(self, obj: Any) -> list[dict[str, Any]]:
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
    amount = Money(required=True)
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
    amount = Money()
    error = fields.String(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class AssignArgs(Schema):
    invoice_id = fields.Integer(required=True)

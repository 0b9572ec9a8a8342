"""Marshmallow schemas of the CRM API (shared/CONTRACT.md names the key fields)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from app.schemas import Money, PageArgs, Schema
from crm.models import AgreementStatus, BillingDocument, ContactRole, InteractionKind, OrgKind

# --- organizations ---------------------------------------------------------------------------


class OrganizationSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(validate=validate.OneOf([k.value for k in OrgKind]))
    name = fields.String()
    istat_code = fields.String(allow_none=True)
    belfiore_code = fields.String(allow_none=True)
    fiscal_code = fields.String(allow_none=True)
    vat_number = fields.String(allow_none=True)
    ipa_code = fields.String(allow_none=True)
    sdi_code = fields.String(allow_none=True)
    pec = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    zip_code = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    province = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    population = fields.Integer(allow_none=True)
    population_year = fields.Integer(allow_none=True)
    pagopa_segregation_code = fields.String(allow_none=True)
    active = fields.Boolean()
    notes = fields.String()
    member_ids = fields.List(fields.Integer(), load_only=False)
    union_ids = fields.Method("_union_ids", dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def _union_ids(self, obj: Any) -> list[int]:
        return [u.id for u in obj.unions]

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "member_ids":
            return [m.id for m in obj.members]
        if attr == "kind":
            return obj.kind.value
        return super().get_attribute(obj, attr, default)


class OrganizationCreate(OrganizationSchema):
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in OrgKind]))


class OrganizationPatch(OrganizationSchema):
    pass


class OrganizationArgs(PageArgs):
    q = fields.String(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf([k.value for k in OrgKind]))
    province = fields.String(load_default=None)
    agreement_status = fields.String(
        load_default=None, validate=validate.OneOf([s.value for s in AgreementStatus] + ["none"])
    )
    active = fields.Boolean(load_default=None)
    union_id = fields.Integer(load_default=None)


class OrganizationPage(Schema):
    items = fields.List(fields.Nested(OrganizationSchema))
    next_cursor = fields.String(allow_none=True)


# --- contacts --------------------------------------------------------------------------------


class ContactSchema(Schema):
    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer()
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    fiscal_code = fields.String(allow_none=True)
    role = fields.String(validate=validate.OneOf([r.value for r in ContactRole]))
    consent = fields.Boolean()
    consent_at = fields.DateTime(dump_only=True, allow_none=True)
    portal_access = fields.Boolean()
    sms_notifications = fields.Boolean()
    only_own_requests = fields.Boolean()
    active = fields.Boolean()
    notes = fields.String()
    created_at = fields.DateTime(dump_only=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "role":
            return obj.role.value
        return super().get_attribute(obj, attr, default)


class ContactCreate(ContactSchema):
    organization_id = fields.Integer(required=True)
    name = fields.String(required=True)


class ContactPatch(ContactSchema):
    pass


class ContactArgs(PageArgs):
    organization_id = fields.Integer(load_default=None)
    q = fields.String(load_default=None)
    role = fields.String(load_default=None, validate=validate.OneOf([r.value for r in ContactRole]))


class ContactPage(Schema):
    items = fields.List(fields.Nested(ContactSchema))
    next_cursor = fields.String(allow_none=True)


# --- services --------------------------------------------------------------------------------


class ServiceSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String()
    default_sla_policy = fields.String()
    active = fields.Boolean()


class ServicePatch(ServiceSchema):
    code = fields.String()
    name = fields.String()


class ServiceArgs(PageArgs):
    active = fields.Boolean(load_default=None)


class ServicePage(Schema):
    items = fields.List(fields.Nested(ServiceSchema))
    next_cursor = fields.String(allow_none=True)


# --- agreements ------------------------------------------------------------------------------


class AgreementSchema(Schema):
    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer()
    code = fields.String(allow_none=True)
    protocol_number = fields.String(allow_none=True)
    title = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    status = fields.String(validate=validate.OneOf([s.value for s in AgreementStatus]))
    service_ids = fields.List(fields.Integer())
    billing_document = fields.String(validate=validate.OneOf([b.value for b in BillingDocument]))
    annual_fee_fixed = Money()
    fee_per_inhabitant = Money(places=4, max_digits=10)
    included_hours = Money()
    hourly_rate = Money()
    sla_tier = fields.String()
    cig = fields.String(allow_none=True)
    cup = fields.String(allow_none=True)
    notes = fields.String()
    document_filename = fields.String(dump_only=True, allow_none=True)
    allowed_transitions = fields.Method("_transitions", dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def _transitions(self, obj: Any) -> list[str]:
        from crm.agreements import allowed_transitions

        return [s.value for s in allowed_transitions(obj.status)]

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr in ("status", "billing_document"):
            return getattr(obj, attr).value
        return super().get_attribute(obj, attr, default)


class AgreementCreate(AgreementSchema):
    organization_id = fields.Integer(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)


class AgreementPatch(AgreementSchema):
    pass


class AgreementArgs(PageArgs):
    organization_id = fields.Integer(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in AgreementStatus]))
    service_id = fields.Integer(load_default=None)
    expiring_within = fields.Integer(load_default=None, validate=validate.Range(min=0, max=3650))
    q = fields.String(load_default=None)


class AgreementPage(Schema):
    items = fields.List(fields.Nested(AgreementSchema))
    next_cursor = fields.String(allow_none=True)


# --- interactions ----------------------------------------------------------------------------


class InteractionSchema(Schema):
    id = fields.Integer(dump_only=True)
    organization_id = fields.Integer(required=True)
    contact_id = fields.Integer(allow_none=True)
    author_id = fields.Integer(dump_only=True)
    kind = fields.String(validate=validate.OneOf([k.value for k in InteractionKind]))
    occurred_at = fields.AwareDateTime(allow_none=True)
    subject = fields.String(required=True)
    body = fields.String()

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "kind":
            return obj.kind.value
        return super().get_attribute(obj, attr, default)


class InteractionArgs(PageArgs):
    organization_id = fields.Integer(load_default=None)


class InteractionPage(Schema):
    items = fields.List(fields.Nested(InteractionSchema))
    next_cursor = fields.String(allow_none=True)

"""CRM JSON API under /api/v1 (shared/CONTRACT.md): translation only, the services own the rules."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields

from app.api import API_PREFIX, idempotent, page
from app.auth.permissions import permission_required
from app.schemas import LookupArgs, LookupPage
from crm import agreements as agreement_services
from crm import schemas as s
from crm import services


class ContactLookupArgs(LookupArgs):
    organization_id = fields.Integer(load_default=None)


def blueprints() -> list[Blueprint]:
    """Fresh blueprints for each app (the factory may build several apps in one process)."""
    orgs_bp = Blueprint("api_organizations", __name__, url_prefix=f"{API_PREFIX}/organizations", description="Enti")
    contacts_bp = Blueprint("api_contacts", __name__, url_prefix=f"{API_PREFIX}/contacts", description="Contatti")
    services_bp = Blueprint(
        "api_services", __name__, url_prefix=f"{API_PREFIX}/services", description="Catalogo servizi"
    )
    agreements_bp = Blueprint(
        "api_agreements", __name__, url_prefix=f"{API_PREFIX}/agreements", description="Convenzioni"
    )
    interactions_bp = Blueprint(
        "api_interactions", __name__, url_prefix=f"{API_PREFIX}/interactions", description="Interazioni"
    )

    # --- organizations ---------------------------------------------------------------------------

    @orgs_bp.route("")
    @orgs_bp.arguments(s.OrganizationArgs, location="query")
    @orgs_bp.response(200, s.OrganizationPage)
    @permission_required("crm.read")
    def list_organizations(args: dict[str, Any]):
        items, cursor = services.list_organizations(user=current_user, **args)
        return page(items, cursor)

    @orgs_bp.route("", methods=["POST"])
    @idempotent
    @orgs_bp.arguments(s.OrganizationCreate)
    @orgs_bp.response(201, s.OrganizationSchema)
    @permission_required("crm.write")
    def create_organization(data: dict[str, Any]):
        member_ids = data.pop("member_ids", None)
        org = services.create_organization(actor=current_user, **data)
        if member_ids is not None:
            services.set_union_members(union_id=org.id, member_ids=member_ids, actor=current_user)
        return org

    @orgs_bp.route("/<int:organization_id>")
    @orgs_bp.response(200, s.OrganizationSchema)
    @permission_required("crm.read")
    def get_organization(organization_id: int):
        return services.load_organization(organization_id, current_user)

    @orgs_bp.route("/<int:organization_id>", methods=["PATCH"])
    @orgs_bp.arguments(s.OrganizationPatch(partial=True))
    @orgs_bp.response(200, s.OrganizationSchema)
    @permission_required("crm.write")
    def update_organization(data: dict[str, Any], organization_id: int):
        member_ids = data.pop("member_ids", None)
        org = services.update_organization(organization_id=organization_id, actor=current_user, **data)
        if member_ids is not None:
            services.set_union_members(union_id=org.id, member_ids=member_ids, actor=current_user)
        return org

    # --- contacts --------------------------------------------------------------------------------

    @contacts_bp.route("")
    @contacts_bp.arguments(s.ContactArgs, location="query")
    @contacts_bp.response(200, s.ContactPage)
    @permission_required("crm.read")
    def list_contacts(args: dict[str, Any]):
        items, cursor = services.list_contacts(user=current_user, **args)
        return page(items, cursor)

    @contacts_bp.route("", methods=["POST"])
    @idempotent
    @contacts_bp.arguments(s.ContactCreate)
    @contacts_bp.response(201, s.ContactSchema)
    @permission_required("crm.write")
    def create_contact(data: dict[str, Any]):
        return services.create_contact(actor=current_user, **data)

    @contacts_bp.route("/<int:contact_id>")
    @contacts_bp.response(200, s.ContactSchema)
    @permission_required("crm.read")
    def get_contact(contact_id: int):
        return services.load_contact(contact_id, current_user)

    @contacts_bp.route("/<int:contact_id>", methods=["PATCH"])
    @contacts_bp.arguments(s.ContactPatch(partial=True))
    @contacts_bp.response(200, s.ContactSchema)
    @permission_required("crm.write")
    def update_contact(data: dict[str, Any], contact_id: int):
        return services.update_contact(contact_id=contact_id, actor=current_user, **data)

    # --- the service catalog ---------------------------------------------------------------------

    @services_bp.route("")
    @services_bp.arguments(s.ServiceArgs, location="query")
    @services_bp.response(200, s.ServicePage)
    @permission_required("crm.read")
    def list_catalog(args: dict[str, Any]):
        items, cursor = services.list_catalog(**args)
        return page(items, cursor)

    @services_bp.route("", methods=["POST"])
    @idempotent
    @services_bp.arguments(s.ServiceSchema)
    @services_bp.response(201, s.ServiceSchema)
    @permission_required("crm.services.write")
    def create_service(data: dict[str, Any]):
        return services.create_service(actor=current_user, **data)

    @services_bp.route("/<int:service_id>")
    @services_bp.response(200, s.ServiceSchema)
    @permission_required("crm.read")
    def get_service(service_id: int):
        return services.get_service(service_id)

    @services_bp.route("/<int:service_id>", methods=["PATCH"])
    @services_bp.arguments(s.ServicePatch(partial=True))
    @services_bp.response(200, s.ServiceSchema)
    @permission_required("crm.services.write")
    def update_service(data: dict[str, Any], service_id: int):
        return services.update_service(service_id=service_id, actor=current_user, **data)

    # --- agreements ------------------------------------------------------------------------------

    @agreements_bp.route("")
    @agreements_bp.arguments(s.AgreementArgs, location="query")
    @agreements_bp.response(200, s.AgreementPage)
    @permission_required("crm.read")
    def list_agreements(args: dict[str, Any]):
        items, cursor = agreement_services.list_agreements(user=current_user, **args)
        return page(items, cursor)

    @agreements_bp.route("", methods=["POST"])
    @idempotent
    @agreements_bp.arguments(s.AgreementCreate)
    @agreements_bp.response(201, s.AgreementSchema)
    @permission_required("crm.agreements.write")
    def create_agreement(data: dict[str, Any]):
        return agreement_services.create_agreement(actor=current_user, **data)

    @agreements_bp.route("/<int:agreement_id>")
    @agreements_bp.response(200, s.AgreementSchema)
    @permission_required("crm.read")
    def get_agreement(agreement_id: int):
        return agreement_services.load_agreement(agreement_id, current_user)

    @agreements_bp.route("/<int:agreement_id>", methods=["PATCH"])
    @agreements_bp.arguments(s.AgreementPatch(partial=True))
    @agreements_bp.response(200, s.AgreementSchema)
    @permission_required("crm.agreements.write")
    def update_agreement(data: dict[str, Any], agreement_id: int):
        return agreement_services.update_agreement(agreement_id=agreement_id, actor=current_user, **data)

    # --- interactions ----------------------------------------------------------------------------

    @interactions_bp.route("")
    @interactions_bp.arguments(s.InteractionArgs, location="query")
    @interactions_bp.response(200, s.InteractionPage)
    @permission_required("crm.staff_read")
    def list_interactions(args: dict[str, Any]):
        items, cursor = services.list_interactions(user=current_user, **args)
        return page(items, cursor)

    @interactions_bp.route("", methods=["POST"])
    @idempotent
    @interactions_bp.arguments(s.InteractionSchema)
    @interactions_bp.response(201, s.InteractionSchema)
    @permission_required("crm.write")
    def create_interaction(data: dict[str, Any]):
        return services.log_interaction(actor=current_user, **data)

    # --- typeahead lookups -------------------------------------------------------------------------

    lookup_bp = Blueprint(
        "api_crm_lookup", __name__, url_prefix=f"{API_PREFIX}/lookup", description="Ricerca rapida (typeahead)"
    )

    @lookup_bp.route("/organizations")
    @lookup_bp.arguments(LookupArgs, location="query")
    @lookup_bp.response(200, LookupPage)
    @permission_required("crm.read")
    def lookup_organizations(args: dict[str, Any]):
        """At most 20 active enti by part of the name or a code (ISTAT, Belfiore, fiscal, IPA); a
        referente finds only its own."""
        return {"items": services.lookup_organizations(user=current_user, q=args["q"])}

    @lookup_bp.route("/contacts")
    @lookup_bp.arguments(ContactLookupArgs, location="query")
    @lookup_bp.response(200, LookupPage)
    @permission_required("crm.read")
    def lookup_contacts(args: dict[str, Any]):
        """At most 20 active contacts by part of the name or email, of one ente when given; a
        referente finds only its own ente's."""
        return {
            "items": services.lookup_contacts(
                user=current_user, q=args["q"], organization_id=args.get("organization_id")
            )
        }

    return [orgs_bp, contacts_bp, services_bp, agreements_bp, interactions_bp, lookup_bp]

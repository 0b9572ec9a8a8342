"""Data-subject rights over the JSON API: export (contact, user) and anonymize (contact)."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields

from app.api import API_PREFIX
from app.auth.permissions import permission_required
from app.schemas import Schema
from gdpr import services


class ErasureSchema(Schema):
    subject_type = fields.String()
    subject_id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    summary = fields.Dict()


def blueprint() -> Blueprint:
    bp = Blueprint("api_gdpr", __name__, url_prefix=API_PREFIX, description="Dati personali (GDPR)")

    @bp.route("/contacts/<int:contact_id>/export")
    @bp.response(200)
    @permission_required(services.PERM)
    def export_contact(contact_id: int):
        """Every personal datum held about the contact (admin)."""
        return services.export_contact(contact_id, actor=current_user)

    @bp.route("/contacts/<int:contact_id>/anonymize", methods=["POST"])
    @bp.response(200, ErasureSchema)
    @permission_required(services.PERM)
    def anonymize_contact(contact_id: int):
        """Replace the contact's personal data; tickets, invoices and figures stay. Idempotent."""
        return services.anonymize_contact(contact_id, actor=current_user)

    @bp.route("/users/<int:user_id>/export")
    @bp.response(200)
    @permission_required(services.PERM)
    def export_user(user_id: int):
        """Every personal datum held about the user (admin)."""
        return services.export_user(user_id, actor=current_user)

    return bp

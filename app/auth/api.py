"""``/api/v1/users`` (admin): list, create, read and change accounts. Rules live in app.auth.services."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import fields, validate

from app.api import API_PREFIX, PageArgs, idempotent, keyset_page, page, register_api
from app.auth import services
from app.auth.models import Role, User
from app.auth.permissions import permission_required
from app.schemas import LookupArgs, LookupPage, Schema, page_schema

ROLES = [r.value for r in Role]
_ID = validate.Range(min=1, max=2**31 - 1)


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String()
    name = fields.String()
    role = fields.Function(lambda u: Role(u.role).value, metadata={"enum": ROLES})
    organization_id = fields.Integer(allow_none=True)
    fiscal_code = fields.String(allow_none=True)
    active = fields.Boolean()


class UserCreateSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    name = fields.String(load_default="", validate=validate.Length(max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    organization_id = fields.Integer(allow_none=True, load_default=None, validate=_ID)
    fiscal_code = fields.String(allow_none=True, validate=validate.Length(max=22))
    active = fields.Boolean(load_default=True)
    password = fields.String(load_only=True, validate=validate.Length(min=10, max=200))


class UserPatchSchema(Schema):
    name = fields.String(validate=validate.Length(max=200))
    role = fields.String(validate=validate.OneOf(ROLES))
    organization_id = fields.Integer(allow_none=True, validate=_ID)
    fiscal_code = fields.String(allow_none=True, validate=validate.Length(max=22))
    active = fields.Boolean()
    password = fields.String(load_only=True, validate=validate.Length(min=10, max=200))


class UserArgs(PageArgs):
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))


UserPageSchema = page_schema(UserSchema)


class UserLookupArgs(LookupArgs):
    role = fields.String(load_default=None, validate=validate.OneOf([r.value for r in Role]))


def init_app(app: Flask) -> None:
    bp = ApiBlueprint("api_users", __name__, url_prefix=f"{API_PREFIX}/users", description="User accounts (admin)")

    @bp.route("")
    @bp.arguments(UserArgs, location="query")
    @bp.response(200, UserPageSchema)
    @permission_required("admin.users")
    def list_users(args: dict[str, Any]):
        stmt = services.users_stmt(actor=current_user, role=args.get("role"))
        items, next_cursor = keyset_page(stmt, [User.id], limit=args["limit"], cursor=args["cursor"])
        return page(items, next_cursor)

    @bp.route("", methods=["POST"])
    @idempotent
    @bp.arguments(UserCreateSchema)
    @bp.response(201, UserSchema)
    @permission_required("admin.users")
    def create_user(data: dict[str, Any]):
        return services.admin_create_user(data=data, actor=current_user)

    @bp.route("/<int:user_id>")
    @bp.response(200, UserSchema)
    @permission_required("admin.users")
    def get_user(user_id: int):
        return services.user_for_admin(user_id=user_id, actor=current_user)

    @bp.route("/<int:user_id>", methods=["PATCH"])
    @bp.arguments(UserPatchSchema)
    @bp.response(200, UserSchema)
    @permission_required("admin.users")
    def patch_user(data: dict[str, Any], user_id: int):
        """``active: false`` stops the user's sessions and API tokens at once."""
        return services.admin_update_user(user_id=user_id, data=data, actor=current_user)

    lookup_bp = ApiBlueprint(
        "api_user_lookup", __name__, url_prefix=f"{API_PREFIX}/lookup", description="Ricerca rapida (typeahead)"
    )

    @lookup_bp.route("/users")
    @lookup_bp.arguments(UserLookupArgs, location="query")
    @lookup_bp.response(200, LookupPage)
    @permission_required("platform.lookup_users")
    def lookup_users(args: dict[str, Any]):
        """At most 20 active users by part of the name or email (staff only), of one role when given."""
        roles = [args["role"]] if args.get("role") else []
        return {"items": services.lookup_users(actor=current_user, q=args["q"], roles=roles)}

    register_api(app, bp)
    register_api(app, lookup_bp)

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.auth.permissions import org_scope, permission_required
from app.extensions import db
from crm.models import Organization

bp = Blueprint("crm", __name__, url_prefix="/crm")


@bp.route("/enti")
@login_required
@permission_required("crm.read")
def organization_list():
    stmt = sa.select(Organization).order_by(Organization.name).limit(200)
    scope = org_scope(current_user)
    if scope is not None:
        stmt = stmt.where(Organization.id == scope)
    return render_template("crm/organization_list.html", organizations=db.session.scalars(stmt).all())

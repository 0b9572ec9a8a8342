from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from app.auth.permissions import permission_required

bp = Blueprint("billing", __name__, url_prefix="/ragioneria")


@bp.route("/")
@login_required
@permission_required("billing.dashboard")
def dashboard():
    return render_template("billing/dashboard.html")

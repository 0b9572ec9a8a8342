from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.auth.permissions import org_scope, permission_required
from app.extensions import db
from tickets.models import Ticket, TicketStatus

bp = Blueprint("tickets", __name__)

OPEN_STATES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


@bp.route("/ticket/dashboard")
@login_required
@permission_required("tickets.work")
def dashboard():
    tickets = db.session.scalars(
        sa.select(Ticket).where(Ticket.status.in_(OPEN_STATES)).order_by(Ticket.id.desc()).limit(50)
    ).all()
    return render_template("tickets/dashboard.html", tickets=tickets)


@bp.route("/portale")
@login_required
@permission_required("tickets.portal")
def portal_home():
    tickets = db.session.scalars(
        sa.select(Ticket).where(Ticket.organization_id == org_scope(current_user)).order_by(Ticket.id.desc()).limit(50)
    ).all()
    return render_template("tickets/portal_home.html", tickets=tickets)

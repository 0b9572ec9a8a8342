"""Home (by role), health check, language switch and the admin pages for audit and jobs."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import audit
from app.auth.forms import EmptyForm
from app.auth.models import Role, User
from app.auth.permissions import permission_required
from app.extensions import db
from app.jobs import counts as job_counts
from app.jobs import retry_failed
from app.jobs.models import JobStatus, OutboxJob
from app.replica import reads_replica
from app.routing import safe_redirect_target

bp = Blueprint("web", __name__)

# Where each role lands after login; modules own these pages.
HOME_BY_ROLE = {
    Role.OPERATOR: "tickets.dashboard",
    Role.FINANCE: "billing.dashboard",
    Role.REFERENTE: "tickets.portal_home",
    Role.ADMIN: "web.admin_home",
}


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_BY_ROLE[Role(current_user.role)]))


@bp.route("/lingua", methods=["POST"])
def set_language():
    EmptyForm().validate_on_submit() or abort(400)
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            from app.auth.services import update_user

            update_user(user=current_user, locale=lang, actor=current_user)
    return redirect(safe_redirect_target(request.form.get("next")) or url_for("web.home"))


@bp.route("/healthz")
def healthz():
    result = {"status": "ok", "database": "ok", "queue": "inline"}
    status = 200
    try:
        db.session.execute(sa.text("SELECT 1"))
        pending = db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxJob).where(OutboxJob.status == JobStatus.PENDING)
        )
        failed = db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxJob).where(OutboxJob.status == JobStatus.FAILED)
        )
        result["jobs"] = {"pending": pending, "failed": failed}
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        result["database"] = f"error: {type(exc).__name__}"
        result["status"] = "degraded"
        status = 503
    if current_app.config.get("REDIS_URL"):
        try:
            from app.jobs import redis_connection

            redis_connection().ping()
            result["queue"] = "ok"
        except Exception as exc:  # noqa: BLE001
            result["queue"] = f"error: {type(exc).__name__}"
            result["status"] = "degraded"
    return jsonify(result), status


@bp.route("/accessibilita")
def accessibility():
    return render_template("app/accessibility.html")


@bp.route("/admin")
@login_required
@permission_required("admin.users")
def admin_home():
    users_by_role = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    return render_template("admin/home.html", users_by_role=users_by_role, jobs=job_counts())


@bp.route("/admin/audit")
@login_required
@permission_required("admin.audit")
@reads_replica
def audit_log():
    args = request.args
    actor_id = args.get("actor_id", type=int)
    actor_email = (args.get("actor") or "").strip().lower()
    if actor_email and not actor_id:
        actor_id = db.session.scalar(sa.select(User.id).where(User.email == actor_email)) or -1
    before = args.get("before", type=int)
    entries = audit.query_entries(
        object_type=args.get("object_type") or None,
        object_id=(args.get("object_id") or "").strip() or None,
        actor_id=actor_id,
        organization_id=args.get("organization_id", type=int),
        before_id=before,
        limit=50,
    )
    actor_ids = {e.actor_id for e in entries if e.actor_id} | ({actor_id} if actor_id else set())
    actors = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(actor_ids)))} if actor_ids else {}
    next_before = entries[-1].id if len(entries) == 50 else None
    return render_template(
        "admin/audit.html",
        entries=entries,
        actors=actors,
        types=audit.audited_types(),
        shown_value=audit.shown_value,
        next_before=next_before,
        actor_value=actor_email or (actors[actor_id].email if actor_id in actors else ""),
        actor_id=actor_id if actor_id and actor_id > 0 else None,
    )


@bp.route("/admin/jobs")
@login_required
@permission_required("admin.jobs")
def jobs():
    status = request.args.get("status") or "failed"
    if status not in {s.value for s in JobStatus} | {"all"}:
        status = "failed"
    stmt = sa.select(OutboxJob).order_by(OutboxJob.id.desc()).limit(100)
    if status != "all":
        stmt = stmt.where(OutboxJob.status == JobStatus(status))
    return render_template(
        "admin/jobs.html",
        jobs=db.session.scalars(stmt).all(),
        counts=job_counts(),
        status=status,
        form=EmptyForm(),
        statuses=[s.value for s in JobStatus],
    )


@bp.route("/admin/jobs/<int:job_id>/riprova", methods=["POST"])
@login_required
@permission_required("admin.jobs")
def retry_job(job_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    retry_failed(job_id=job_id, actor=current_user)
    flash(_("Job rimesso in coda."), "success")
    return redirect(url_for("web.jobs"))

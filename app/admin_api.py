"""Admin JSON endpoints of the platform: the audit log and the background jobs (admin only)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_login import current_user
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import fields, validate

from app.api import API_PREFIX, PageArgs, keyset_page, page, register_api
from app.audit import AuditEntry
from app.auth.permissions import permission_required
from app.jobs import retry_failed
from app.jobs.models import JobStatus, OutboxJob
from app.replica import reads_replica
from app.schemas import Schema


class AuditArgs(PageArgs):
    object_type = fields.String(load_default=None, validate=validate.Length(max=64))
    object_id = fields.String(load_default=None, validate=validate.Length(max=64))
    actor_id = fields.Integer(load_default=None)
    organization_id = fields.Integer(load_default=None)


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    request_id = fields.String(allow_none=True)
    object_type = fields.String()
    object_id = fields.String()
    organization_id = fields.Integer(allow_none=True)
    action = fields.String()
    changes = fields.Dict(metadata={"description": "field -> [before, after]"})


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    next_cursor = fields.String(allow_none=True)


class JobArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in JobStatus]))


class JobSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    queue = fields.String()
    status = fields.Function(lambda j: j.status.value)
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    run_after = fields.DateTime()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class JobPageSchema(Schema):
    items = fields.List(fields.Nested(JobSchema))
    next_cursor = fields.String(allow_none=True)


def init_app(app: Flask) -> None:
    """Blueprints are built per app (tests build several apps in one process)."""
    audit_bp = ApiBlueprint(
        "api_audit", __name__, url_prefix=f"{API_PREFIX}/audit", description="Audit log: who changed what and when"
    )
    jobs_bp = ApiBlueprint("api_jobs", __name__, url_prefix=f"{API_PREFIX}/jobs", description="Background jobs")

    @audit_bp.route("")
    @audit_bp.arguments(AuditArgs, location="query")
    @audit_bp.response(200, AuditPageSchema)
    @permission_required("admin.audit")
    @reads_replica
    def list_audit(args: dict[str, Any]):
        stmt = sa.select(AuditEntry)
        for name in ("object_type", "object_id", "actor_id", "organization_id"):
            if args.get(name) is not None:
                stmt = stmt.where(getattr(AuditEntry, name) == args[name])
        items, next_cursor = keyset_page(stmt, [AuditEntry.id], limit=args["limit"], cursor=args["cursor"])
        return page(items, next_cursor)

    @jobs_bp.route("")
    @jobs_bp.arguments(JobArgs, location="query")
    @jobs_bp.response(200, JobPageSchema)
    @permission_required("admin.jobs")
    def list_jobs(args: dict[str, Any]):
        stmt = sa.select(OutboxJob)
        if args.get("status"):
            stmt = stmt.where(OutboxJob.status == JobStatus(args["status"]))
        items, next_cursor = keyset_page(stmt, [OutboxJob.id], limit=args["limit"], cursor=args["cursor"])
        return page(items, next_cursor)

    @jobs_bp.route("/<int:job_id>/retry", methods=["POST"])
    @jobs_bp.response(200, JobSchema)
    @permission_required("admin.jobs")
    def retry_job(job_id: int):
        """Put a failed job back in the queue (409 when it has not failed)."""
        return retry_failed(job_id=job_id, actor=current_user)

    register_api(app, audit_bp)
    register_api(app, jobs_bp)

    from app.auth.api import init_app as init_users_api

    init_users_api(app)

"""Indicators JSON API under /api/v1: translation only (shared/CONTRACT.md, "Digital-agenda indicators")."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint

from app.api import API_PREFIX, page, parse_or_422, read_json
from app.auth.permissions import permission_required
from app.errors import UnsupportedMediaType
from app.storage import send_download
from indicators import evidence, services, surveys
from indicators import schemas as s

VALUE_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": s.ValueWrite},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["organization_id", "indicator_id", "value"],
                "properties": {
                    "organization_id": {"type": "integer"},
                    "indicator_id": {"type": "integer"},
                    "value": {"type": "string"},
                    "as_of": {"type": "string", "format": "date"},
                    "source": {"type": "string"},
                    "note": {"type": "string"},
                    "evidence_file": {
                        "type": "string",
                        "format": "binary",
                        "description": "PDF, PNG, JPEG or WebP, at most INDICATORS_EVIDENCE_MAX_BYTES (5 MB)",
                    },
                },
            }
        },
    },
}


def _value_input() -> tuple[dict[str, Any], tuple[str, bytes] | None]:
    """A value as JSON, or as multipart/form-data with an ``evidence_file``; any other body is 415."""
    if request.mimetype == "multipart/form-data":
        data = parse_or_422(s.ValueWrite(), request.form.to_dict())
        upload = request.files.get("evidence_file")
        return data, ((upload.filename or "", upload.read()) if upload and upload.filename else None)
    if request.mimetype != "application/json" and request.get_data(cache=True):
        raise UnsupportedMediaType("invia JSON o multipart/form-data")
    return parse_or_422(s.ValueWrite(), read_json()), None


def blueprints() -> list[Blueprint]:
    bp = Blueprint("api_indicators", __name__, url_prefix=API_PREFIX, description="Digital-agenda indicators")

    @bp.route("/indicators")
    @bp.response(200, s.IndicatorList)
    @permission_required("indicators.read")
    def list_indicators():
        return {"items": services.list_indicators()}

    @bp.route("/indicators", methods=["POST"])
    @bp.arguments(s.IndicatorWrite)
    @bp.response(201, s.IndicatorSchema)
    @permission_required("indicators.write")
    def create_indicator(data: dict[str, Any]):
        return services.create_indicator(actor=current_user, **data)

    @bp.route("/indicators/<int:indicator_id>")
    @bp.response(200, s.IndicatorSchema)
    @permission_required("indicators.read")
    def get_indicator(indicator_id: int):
        return services.get_indicator(indicator_id)

    @bp.route("/indicators/<int:indicator_id>", methods=["PATCH"])
    @bp.arguments(s.IndicatorPatch(partial=True))
    @bp.response(200, s.IndicatorSchema)
    @permission_required("indicators.write")
    def update_indicator(data: dict[str, Any], indicator_id: int):
        return services.update_indicator(indicator_id=indicator_id, actor=current_user, **data)

    @bp.route("/indicators/<int:indicator_id>/summary")
    @bp.arguments(s.SummaryArgs, location="query")
    @bp.response(200, s.SummarySchema)
    @permission_required("indicators.staff")
    def summary(args: dict[str, Any], indicator_id: int):
        return services.summary(indicator_id=indicator_id, province=args["province"], user=current_user)

    @bp.route("/indicator-values")
    @bp.arguments(s.ValueArgs, location="query")
    @bp.response(200, s.ValuePage)
    @permission_required("indicators.read")
    def list_values(args: dict[str, Any]):
        return page(*services.list_values(user=current_user, **args))

    @bp.route("/indicator-values", methods=["POST"])
    @bp.response(201, s.ValueSchema)
    @bp.doc(requestBody=VALUE_REQUEST_BODY)
    @permission_required("indicators.values")
    def add_value():
        """Add a value; as multipart/form-data it may carry its evidence as a file (``evidence_file``)."""
        data, upload = _value_input()
        return services.record_value(actor=current_user, evidence_file=upload, **data)

    @bp.route("/indicator-values/<int:value_id>/evidence")
    @bp.doc(
        responses={
            "200": {"description": "the evidence file", "content": {"application/pdf": {}, "image/*": {}}},
        }
    )
    @permission_required("indicators.read")
    def value_evidence(value_id: int):
        row = services.evidence_of(value_id=value_id, user=current_user)
        return send_download(
            evidence.key_of(row.evidence_sha256 or ""),
            filename=row.evidence_filename or "evidenza",
            mimetype=row.evidence_content_type or "application/octet-stream",
        )

    @bp.route("/organizations/<int:organization_id>/indicators")
    @bp.response(200, s.CurrentList)
    @permission_required("indicators.read")
    def org_indicators(organization_id: int):
        return {"items": services.current_values(organization_id=organization_id, user=current_user)}

    @bp.route("/surveys")
    @bp.response(200, s.SurveyList)
    @permission_required("indicators.read")
    def list_surveys():
        return {"items": surveys.list_surveys(user=current_user)}

    @bp.route("/surveys", methods=["POST"])
    @bp.arguments(s.SurveyWrite)
    @bp.response(201, s.SurveySchema)
    @permission_required("indicators.write")
    def create_survey(data: dict[str, Any]):
        return surveys.survey_dict(surveys.create_survey(actor=current_user, **data), current_user)

    @bp.route("/surveys/<int:survey_id>/responses", methods=["POST"])
    @bp.arguments(s.ResponseWrite)
    @bp.response(201, s.ResponseResult)
    @permission_required("indicators.values")
    def respond(data: dict[str, Any], survey_id: int):
        return surveys.respond(survey_id=survey_id, actor=current_user, **data)

    return [bp]

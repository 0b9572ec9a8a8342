"""Indicators JSON API under /api/v1: translation only (shared/CONTRACT.md, "Digital-agenda indicators")."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint

from app.api import API_PREFIX, page
from app.auth.permissions import permission_required
from indicators import schemas as s
from indicators import services, surveys


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
    @bp.arguments(s.ValueWrite)
    @bp.response(201, s.ValueSchema)
    @permission_required("indicators.values")
    def add_value(data: dict[str, Any]):
        return services.record_value(actor=current_user, **data)

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

"""Knowledge-base JSON API under /api/v1/kb and /api/v1/tickets/{id}/suggestions: translation only."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint

from app.api import API_PREFIX, idempotent, page
from app.auth.permissions import permission_required
from kb import schemas as s
from kb import services, triage


def blueprints() -> list[Blueprint]:
    bp = Blueprint("api_kb", __name__, url_prefix=f"{API_PREFIX}/kb", description="Knowledge base")
    tbp = Blueprint("api_kb_tickets", __name__, url_prefix=f"{API_PREFIX}/tickets", description="Assisted triage")

    @bp.route("/articles")
    @bp.arguments(s.ArticleArgs, location="query")
    @bp.response(200, s.ArticlePage)
    @permission_required("kb.read")
    def list_articles(args: dict[str, Any]):
        items, cursor = services.list_articles(user=current_user, **args)
        return page(items, cursor)

    @bp.route("/articles", methods=["POST"])
    @idempotent
    @bp.arguments(s.ArticleWrite)
    @bp.response(201, s.ArticleSchema)
    @permission_required("kb.write")
    def create_article(data: dict[str, Any]):
        data.pop("note", None)
        return services.create_article(actor=current_user, **data)

    @bp.route("/articles/<int:article_id>")
    @bp.response(200, s.ArticleSchema)
    @permission_required("kb.read")
    def get_article(article_id: int):
        return services.visible_article(current_user, article_id)

    @bp.route("/articles/<int:article_id>", methods=["PATCH"])
    @bp.arguments(s.ArticlePatch(partial=True))
    @bp.response(200, s.ArticleSchema)
    @permission_required("kb.write")
    def update_article(data: dict[str, Any], article_id: int):
        return services.update_article(article_id=services.check_id(article_id), actor=current_user, **data)

    @bp.route("/articles/<int:article_id>/versions")
    @bp.response(200, s.VersionList)
    @permission_required("kb.staff")
    def list_versions(article_id: int):
        return {"items": services.list_versions(article_id=article_id, user=current_user)}

    @bp.route("/articles/<int:article_id>/feedback", methods=["POST"])
    @bp.arguments(s.FeedbackSchema)
    @bp.response(200, s.FeedbackResult)
    @permission_required("kb.read")
    def feedback(data: dict[str, Any], article_id: int):
        return services.record_feedback(article_id=article_id, user=current_user, **data)

    @bp.route("/suggest")
    @bp.arguments(s.SuggestArgs, location="query")
    @bp.response(200, s.SuggestList)
    @permission_required("kb.read")
    def suggest(args: dict[str, Any]):
        return {"items": services.suggest(current_user, args["q"], limit=args["limit"])}

    @bp.route("/stats")
    @bp.arguments(s.StatsArgs, location="query")
    @bp.response(200, s.DeflectionStats)
    @permission_required("kb.staff")
    def stats(args: dict[str, Any]):
        return services.deflection_stats_for_days(since=args["since"], until=args["until"])

    @tbp.route("/<int:ticket_id>/suggestions")
    @tbp.response(200, s.TicketSuggestions)
    @permission_required("kb.staff")
    def ticket_suggestions(ticket_id: int):
        return triage.ticket_suggestions(ticket_id=ticket_id, user=current_user)

    return [bp, tbp]

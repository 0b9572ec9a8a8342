"""Knowledge base and assisted answers: articles, the public help center, deflection, triage help."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.api import register_api
    from kb import api, jobs, models, permissions, views  # noqa: F401
    from kb.cli import assist_cli

    app.register_blueprint(views.bp)
    for bp in api.blueprints():
        register_api(app, bp)
    app.cli.add_command(assist_cli)
    # The ticket page (tickets/detail.html) includes kb/_ticket_panel.html, which asks for this.
    app.jinja_env.globals["kb_ticket_panel"] = views.ticket_panel

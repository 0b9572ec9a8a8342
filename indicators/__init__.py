"""Digital-agenda indicators: the PNRR measures of each comune, values with history, imports, scorecards."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.api import register_api
    from indicators import api, jobs, models, permissions, scorecard, views
    from indicators.cli import indicators_cli

    assert models and permissions and jobs
    app.register_blueprint(views.bp)
    scorecard.register_hooks()
    for bp in api.blueprints():
        register_api(app, bp)
    app.cli.add_command(indicators_cli)

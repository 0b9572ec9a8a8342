"""Wires the SLA part of the tickets module: models, permissions, jobs, web pages, API, panels."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.api import register_api
    from tickets.sla import alerts, models, permissions, views  # noqa: F401  (tables, permissions, the job)
    from tickets.sla import api as sla_api

    app.register_blueprint(views.bp)
    if sla_api.bp._got_registered_once:  # a second app in the same process (tests, CLI)
        from app.api import api

        api.register_blueprint(sla_api.bp)
    else:
        register_api(app, sla_api.bp)
    views.register_panels()
    from tickets.sla.cli import sla_cli

    app.cli.add_command(sla_cli)

    @app.context_processor
    def _sla_helpers() -> dict:
        from tickets.sla.views import template_helpers

        return template_helpers()

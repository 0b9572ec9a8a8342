"""Reports: ticket analytics, dashboards, hours per convenzione, the rendiconto annuale, scheduled
reports and threshold alerts. Reads the other modules through their services and its own fact table."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from reports import jobs, models, panels, permissions, views  # noqa: F401

    app.register_blueprint(views.bp)
    from reports import api

    api.register(app)
    panels.register()
    from reports.cli import reports_cli

    app.cli.add_command(reports_cli)

"""Personal data: data-subject rights (export, anonymization), retention, consents and notices."""

from __future__ import annotations

import os

from flask import Flask


def init_app(app: Flask) -> None:
    from app.api import register_api
    from gdpr import api, cli, models, panels, permissions, retention, views  # noqa: F401

    app.config.setdefault("RETENTION_DAYS", int(os.environ.get("RETENTION_DAYS") or 3650))
    app.register_blueprint(views.bp)
    register_api(app, api.blueprint())
    app.cli.add_command(cli.gdpr_cli)
    # The contact page (crm) shows the consents panel without importing this module.
    app.jinja_env.globals["gdpr_contact_consents"] = panels.contact_consents

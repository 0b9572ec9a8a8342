"""CRM: enti, contacts, the service catalog, convenzioni, interactions, the 360° page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from crm import models, permissions, views  # noqa: F401

    app.register_blueprint(views.bp)

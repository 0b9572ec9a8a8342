"""Integrations: outbound webhooks, signed, retried and logged, for the center's other systems."""

from __future__ import annotations

import os

from flask import Flask


def init_app(app: Flask) -> None:
    from app.api import register_api
    from integrations import api, delivery, events, models, permissions, sources, views  # noqa: F401

    app.config.setdefault("WEBHOOK_ALLOW_PRIVATE", os.environ.get("WEBHOOK_ALLOW_PRIVATE") == "1")
    for name, default in delivery.DEFAULTS.items():
        app.config.setdefault(name, default)
    sources.register()
    events.install()
    app.register_blueprint(views.bp)
    register_api(app, api.blueprint())

"""Tickets: the assistance queue, SLA, the referente portal, search."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from tickets import jobs, models, panels, permissions, views  # noqa: F401

    app.config.setdefault("TICKETS_AUTOCLOSE_DAYS", 7)
    app.config.setdefault("TICKETS_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
    app.register_blueprint(views.bp)
    panels.register()
    from tickets import api

    api.register(app)

    from tickets.sla.setup import init_app as init_sla

    init_sla(app)

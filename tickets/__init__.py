"""Tickets: the assistance queue, SLA, the referente portal, search."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from tickets import models, permissions, views  # noqa: F401

    app.register_blueprint(views.bp)

    from tickets.sla.setup import init_app as init_sla

    init_sla(app)

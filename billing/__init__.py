"""Billing: fees from the convenzioni, the annual run, invoices, pagoPA, FatturaPA, payments."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from billing import api, cli, document_mail, jobs, models, panels, permissions, views  # noqa: F401

    app.register_blueprint(views.bp)
    api.init_api(app)
    from billing import sdi_api, sdi_intake

    sdi_api.init_api(app)
    sdi_intake.register()
    app.cli.add_command(cli.billing_cli)
    panels.register()

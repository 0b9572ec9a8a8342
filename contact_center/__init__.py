"""Contact center: email and PEC mailboxes, phone and SMS through Twilio, the public web form."""

from __future__ import annotations

import importlib.util

from flask import Flask


def init_app(app: Flask) -> None:
    from contact_center import api, cli, jobs, mailflow, models, panels, permissions, replies, views, webform  # noqa: F401

    replies.init_replies()
    mailflow.init_mailflow()
    webform.init_webform()
    panels.register()
    app.cli.add_command(cli.mail_cli)
    views.init_views(app)
    api.init_api(app)
    if importlib.util.find_spec("contact_center.phone") is not None:
        from contact_center.phone import init_phone

        init_phone(app)

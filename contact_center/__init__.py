"""Contact center: email and PEC mailboxes, phone and SMS through Twilio, the public web form."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from contact_center import models, permissions  # noqa: F401
    from contact_center.phone import init_phone

    init_phone(app)

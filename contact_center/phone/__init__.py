"""Phone and SMS through Twilio, and the operator's call console (issue 6).

``init_phone(app)`` is called by ``contact_center.init_app``: it registers the Twilio webhooks, the
console, the API, the jobs, the permissions and the calls/SMS on the ente's 360° timeline.
"""

from __future__ import annotations

import os

from flask import Flask


def init_phone(app: Flask) -> None:
    from app.api import register_api
    from app.panels import register_org_panel, register_org_timeline
    from contact_center import intake
    from contact_center.phone import api, jobs, models, panels, permissions, sms, views, voice, webhooks  # noqa: F401

    intake.register_channel("sms", sms.adapt_sms)
    intake.register_channel("voice", voice.adapt_voicemail)

    # Optional settings (environment, or the factory's overrides in tests).
    app.config.setdefault("PHONE_TRANSPORT", os.environ.get("PHONE_TRANSPORT") or "twilio")
    app.config.setdefault("PHONE_ROUTING", os.environ.get("PHONE_ROUTING") or "dial")  # dial | enqueue
    app.config.setdefault("PHONE_QUEUE_NAME", os.environ.get("PHONE_QUEUE_NAME") or "operatori")
    app.config.setdefault("PHONE_CLIENT_IDENTITIES", os.environ.get("PHONE_CLIENT_IDENTITIES") or "")
    app.config.setdefault("PHONE_DOWNLOAD_RECORDINGS", os.environ.get("PHONE_DOWNLOAD_RECORDINGS") == "1")
    app.config.setdefault("TWILIO_API_BASE_URL", os.environ.get("TWILIO_API_BASE_URL"))
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(views.bp)
    register_api(app, api.create_blueprint())
    register_org_timeline("phone", panels.org_timeline)
    register_org_panel("phone", "contact_center/phone/_org_panel.html", panels.org_panel, order=50)

"""Phone fixtures: Twilio credentials for the test app and requests signed with RequestValidator."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from twilio.request_validator import RequestValidator

AUTH_TOKEN = "test-auth-token-0123456789abcdef"  # noqa: S105 - a test credential
ACCOUNT_SID = "AC" + "0" * 32
BASE = "https://presidio.example.it"
ROME = ZoneInfo("Europe/Rome")
OPEN = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ROME)  # a Tuesday morning
CLOSED = dt.datetime(2026, 11, 24, 22, 0, tzinfo=ROME)  # the same day, at night


@pytest.fixture
def twilio_config(app):
    keys = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER", "PUBLIC_BASE_URL", "PHONE_TRANSPORT")
    old = {k: app.config.get(k) for k in keys}
    app.config.update(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_NUMBER="+390809999999",
        PUBLIC_BASE_URL=BASE,
        PHONE_TRANSPORT="twilio",
    )
    yield app.config
    app.config.update(old)


class Twilio:
    """Posts to the webhooks the way Twilio does: form-encoded, signed over PUBLIC_BASE_URL + path."""

    def __init__(self, client):
        self.client = client
        self.validator = RequestValidator(AUTH_TOKEN)

    def sign(self, path: str, params: dict[str, Any]) -> str:
        return self.validator.compute_signature(BASE + path, params)

    def post(self, path: str, params: dict[str, Any], signature: str | None = "auto", **headers: Any):
        if signature == "auto":
            signature = self.sign(path, params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.client.post(
            path,
            data=urlencode(params),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
            base_url="http://10.0.0.5:8000",  # behind a proxy: Flask does not see the public URL
        )


@pytest.fixture
def twilio(client, twilio_config):
    return Twilio(client)


@pytest.fixture
def at_time(monkeypatch):
    """Freeze the clock the voice webhook reads for its business-hours check."""

    def set_time(when: dt.datetime) -> None:
        from contact_center.phone import webhooks

        monkeypatch.setattr(webhooks, "utcnow", lambda: when.astimezone(dt.UTC))

    return set_time


@pytest.fixture
def make_operator(db, make_user):
    def factory(phone: str | None = "+393401112233", role: str = "operator"):
        user = make_user(role)
        user.phone = phone
        db.session.commit()
        return user

    return factory


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.data)  # noqa: S314 - our own answer


@pytest.fixture
def comune(db, make_org):
    """A Bari comune with a known referente and her mobile."""
    from crm.models import Contact

    org = make_org(name="Comune di Altamura", istat_code="072004", phone="+390803107111")
    contact = Contact(
        organization_id=org.id, name="Maria Loiudice", email="m.loiudice@comune.altamura.ba.it", phone="+393351234567"
    )
    db.session.add(contact)
    db.session.commit()
    return org, contact


def call_params(call_sid: str = "CA" + "1" * 32, from_: str = "+393351234567", **extra: Any) -> dict[str, Any]:
    params = {
        "AccountSid": ACCOUNT_SID,
        "CallSid": call_sid,
        "From": from_,
        "To": "+390809999999",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    params.update(extra)
    return params


def sms_params(message_sid: str, body: str, from_: str = "+393351234567", **extra: Any) -> dict[str, Any]:
    params = {
        "AccountSid": ACCOUNT_SID,
        "MessageSid": message_sid,
        "SmsSid": message_sid,
        "From": from_,
        "To": "+390809999999",
        "Body": body,
        "NumMedia": "0",
        "ApiVersion": "2010-04-01",
    }
    params.update(extra)
    return params

"""How Presidio talks to Twilio's REST API: one small pluggable interface.

``get_transport()`` returns the transport named by ``PHONE_TRANSPORT`` (default ``twilio``, the REST
client built from ``TWILIO_ACCOUNT_SID``/``TWILIO_AUTH_TOKEN``). Another transport (a different
provider, a test double that records) is added with ``register_transport(name, factory)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from flask import current_app


class TransportError(Exception):
    """The provider refused or could not be reached; ``code`` is the provider's error code if any."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class PhoneTransport(Protocol):
    def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str: ...

    def place_call(self, *, to: str, from_: str, twiml: str, status_callback: str | None) -> str: ...

    def fetch_recording(self, *, url: str) -> bytes: ...


class TwilioTransport:
    def __init__(self, config: Any):
        from twilio.rest import Client

        sid, token = config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN")
        if not sid or not token:
            raise TransportError("Twilio non configurato (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)")
        self.sid, self.token = sid, token
        self.timeout = config.get("TWILIO_TIMEOUT_SECONDS", 10)
        from twilio.http.http_client import TwilioHttpClient

        self.client = Client(sid, token, http_client=TwilioHttpClient(timeout=self.timeout))
        base = config.get("TWILIO_API_BASE_URL")
        if base:  # a regional endpoint or a proxy in front of api.twilio.com
            self.client.api.base_url = base.rstrip("/")

    def _wrap(self, func: Callable[[], Any]) -> Any:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            return func()
        except TwilioRestException as exc:
            raise TransportError(f"Twilio {exc.status}: {exc.msg}", str(exc.code or exc.status)) from exc
        except TwilioException as exc:
            raise TransportError(f"Twilio: {exc}") from exc
        except OSError as exc:  # requests' ConnectionError is an OSError
            raise TransportError(f"Twilio non raggiungibile: {exc}") from exc

    def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        kwargs: dict[str, Any] = {"to": to, "from_": from_, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        return self._wrap(lambda: self.client.messages.create(**kwargs)).sid

    def place_call(self, *, to: str, from_: str, twiml: str, status_callback: str | None) -> str:
        kwargs: dict[str, Any] = {"to": to, "from_": from_, "twiml": twiml}
        if status_callback:
            kwargs["status_callback"] = status_callback
            kwargs["status_callback_event"] = ["initiated", "ringing", "answered", "completed"]
        return self._wrap(lambda: self.client.calls.create(**kwargs)).sid

    def fetch_recording(self, *, url: str) -> bytes:
        import requests

        def get() -> bytes:
            response = requests.get(url + ".mp3", auth=(self.sid, self.token), timeout=self.timeout)
            if response.status_code != 200:
                raise TransportError(f"registrazione non scaricabile: HTTP {response.status_code}")
            return response.content

        try:
            return get()
        except requests.RequestException as exc:
            raise TransportError(f"Twilio non raggiungibile: {exc}") from exc


_TRANSPORTS: dict[str, Callable[[Any], PhoneTransport]] = {"twilio": TwilioTransport}


def register_transport(name: str, factory: Callable[[Any], PhoneTransport]) -> None:
    _TRANSPORTS[name] = factory


def get_transport() -> PhoneTransport:
    name = current_app.config.get("PHONE_TRANSPORT") or "twilio"
    if name not in _TRANSPORTS:
        raise TransportError(f"trasporto telefonico sconosciuto: {name}")
    return _TRANSPORTS[name](current_app.config)

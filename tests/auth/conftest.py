"""Fixtures of the single sign-on tests: a real OpenID Connect provider and the app pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.auth.provider import Provider


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider().start()
    yield p
    p.stop()


@pytest.fixture
def sso(app, provider) -> Iterator[Provider]:
    """The app configured for ``provider`` (client_secret_basic), restored afterwards."""
    from app.auth import oidc

    values = {
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": provider.client_id,
        "OIDC_CLIENT_SECRET": provider.client_secret,
        "OIDC_TOKEN_AUTH_METHOD": "client_secret_basic",
        "OIDC_PRIVATE_KEY_FILE": None,
        "OIDC_ROLE_CLAIM": None,
        "OIDC_ROLE_MAP": "",
        "OIDC_TRUST_EMAIL": False,
        "OIDC_ACR_VALUES": None,
    }
    saved = {k: app.config.get(k) for k in values}
    app.config.update(values)
    oidc.clear_cache()
    yield provider
    app.config.update(saved)
    oidc.clear_cache()


def follow_to_provider(client, start: str = "/login/oidc") -> Any:
    """Click the SPID/CIE button: to the provider (a real HTTP request) and back to the callback."""
    response = client.get(start)
    assert response.status_code == 302, response.data[:300]
    at_provider = requests.get(response.headers["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


@pytest.fixture
def sso_login(client):
    return lambda start="/login/oidc": follow_to_provider(client, start)

"""Fixtures of the platform's tests."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest


@pytest.fixture
def config_override(app):
    """Change app.config keys for one test and put them back afterwards."""
    saved: dict[str, Any] = {}

    def override(**values: Any) -> None:
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield override
    for key, value in saved.items():
        app.config[key] = value


@pytest.fixture
def post_form(client, get_csrf):
    """POST a form the way a browser does: with the CSRF token of the page that shows it."""

    def do_post(path: str, data: dict[str, Any], *, form_page: str | None = None, **kw: Any):
        token = get_csrf(form_page or path)
        return client.post(path, data={**data, "csrf_token": token}, **kw)

    return do_post


@contextlib.contextmanager
def inline_jobs(app):
    """Run jobs inline (no REDIS_URL) inside the block, as `make run` does."""
    old = app.config.get("REDIS_URL")
    app.config["REDIS_URL"] = None
    try:
        yield
    finally:
        app.config["REDIS_URL"] = old

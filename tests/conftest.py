"""Test fixtures in the flaskr manner, against the real PostgreSQL and Redis.

Each test starts from empty tables (TRUNCATE after every test), so services commit for real, jobs
run through a real RQ worker and concurrency tests see real transactions.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestConfig
from app.extensions import db as _db

os.environ.setdefault("TEST_DATABASE_URL", TestConfig.SQLALCHEMY_DATABASE_URI)


def ensure_database(url: str) -> None:
    """Create the test database when it does not exist yet."""
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def fresh_globals_per_request(application) -> None:
    """Tests keep one app context open for the whole session, and Flask reuses it for every request:
    without this, ``g`` (the logged-in user, the CSRF token, the locale) would leak between requests."""
    from flask import g, request_started

    def _fresh_globals(sender, **extra) -> None:
        g.__dict__.clear()

    request_started.connect(_fresh_globals, application, weak=False)


@pytest.fixture(scope="session")
def app():
    url = os.environ["TEST_DATABASE_URL"]
    ensure_database(url)
    application = create_app(
        {
            **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": url,
            "RQ_QUEUE_PREFIX": f"presidio-test-{os.getpid()}-{secrets.token_hex(3)}",
            "ATTACHMENTS_DIR": f"/tmp/presidio-test-attachments-{os.getpid()}",
        }
    )
    fresh_globals_per_request(application)
    with application.app_context():
        with _db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        _db.create_all()
        yield application
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app) -> Iterator[Any]:
    """Empty tables for every test, and nothing left in ``g`` (a logged-in user of this test would be a
    detached object for the next one's offline rendering, which reuses the session's app context)."""
    from flask import g

    yield _db
    g.__dict__.clear()
    _db.session.rollback()
    _db.session.remove()
    tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
    with _db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    _clear_queues(app)


def _clear_queues(app) -> None:
    from redis import Redis

    conn = Redis.from_url(app.config["REDIS_URL"])
    keys = list(conn.scan_iter(f"rq:*{app.config['RQ_QUEUE_PREFIX']}*"))
    if keys:
        conn.delete(*keys)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_service(db):
    """A catalog service, committed (``code`` SRV<n> unless given)."""
    from crm.models import Service

    counter = iter(range(1, 10_000))

    def factory(**kwargs: Any) -> Any:
        n = next(counter)
        service = Service(**{"code": f"SRV{n}", "name": f"Servizio {n}", **kwargs})
        _db.session.add(service)
        _db.session.commit()
        return service

    return factory


@pytest.fixture
def make_org(db):
    from crm.models import Organization, OrgKind

    counter = iter(range(1, 10_000))

    def factory(**kwargs: Any) -> Organization:
        n = next(counter)
        values = {
            "kind": OrgKind.COMUNE,
            "name": f"Comune di Prova {n}",
            "istat_code": f"072{n:03d}",
            "province": "BA",
            "population": 10_000 + n,
        }
        values.update(kwargs)
        org = Organization(**values)
        db.session.add(org)
        db.session.commit()
        return org

    return factory


PASSWORD = "password-di-prova-123"


@pytest.fixture
def make_user(db, make_org):
    from app.auth.services import create_user

    def factory(role: str = "operator", email: str | None = None, organization=None, **kwargs: Any):
        if role == "referente" and organization is None:
            organization = make_org()
        return create_user(
            email=email or f"{role}-{uuid.uuid4().hex[:8]}@example.it",
            role=role,
            password=kwargs.pop("password", PASSWORD),
            organization_id=organization.id if organization is not None else None,
            **kwargs,
        )

    return factory


@pytest.fixture
def login(client):
    """Log a user in through the real login form (CSRF token included)."""

    def do_login(user, password: str = PASSWORD):
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.data[:500]
        return user

    return do_login


@pytest.fixture
def login_as(make_user, login):
    def factory(role: str = "operator", **kwargs: Any):
        return login(make_user(role, **kwargs))

    return factory


def csrf_token(client, path: str) -> str:
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def get_csrf(client):
    return lambda path: csrf_token(client, path)


class ApiClient:
    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kw: Any):
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, **kw: Any):
        return self.client.post(path, json=json, headers=self.headers, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any):
        return self.client.patch(path, json=json, headers=self.headers, **kw)

    def delete(self, path: str, **kw: Any):
        return self.client.delete(path, headers=self.headers, **kw)


@pytest.fixture
def api_as(client, make_user):
    """An API client acting as a new user of ``role`` (or as ``user``)."""
    from app.auth.services import issue_token

    def factory(role: str = "operator", user=None, **kwargs: Any) -> ApiClient:
        user = user or make_user(role, **kwargs)
        _, raw = issue_token(user=user, name="test")
        api = ApiClient(client, raw)
        api.user = user  # type: ignore[attr-defined]
        return api

    return factory


@pytest.fixture
def run_jobs(app):
    """Drain the RQ queues with a real worker in this process (burst mode)."""
    from rq import SimpleWorker

    from app.jobs import get_queue, redis_connection
    from app.jobs.runner import set_app

    def drain(queues: tuple[str, ...] = ("default", "mail", "billing")) -> None:
        set_app(app)
        worker = SimpleWorker([get_queue(q) for q in queues], connection=redis_connection())
        worker.work(burst=True)

    return drain


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """Collects what a real SMTP server (aiosmtpd) receives."""

    def __init__(self):
        self.messages: list[Any] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"

    def parsed(self) -> list[Any]:
        import email
        from email import policy

        return [email.message_from_bytes(m.content, policy=policy.default) for m in self.messages]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on localhost; MAIL_SMTP_URL points at it for the test."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    old = app.config.get("MAIL_SMTP_URL")
    app.config["MAIL_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    sink.port = port  # type: ignore[attr-defined]
    yield sink
    app.config["MAIL_SMTP_URL"] = old
    controller.stop()


# --- browser tests (Playwright driving Debian's chromium; never `playwright install`) ------------


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served on a real port in a thread, against the same test database."""
    import threading

    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        pytest.fail(f"chromium not found at {chromium}: install Debian's chromium (see .ci/run)")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) on the live server; ``page.goto("/path")`` is relative."""
    context = browser.new_context(base_url=live_server.url, locale="it-IT")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


@pytest.fixture
def browser_login(page):
    """Log in through the real login page in the browser."""

    def do_login(user, password: str = PASSWORD):
        page.goto("/login")
        page.fill("input[name=email]", user.email)
        page.fill("input[name=password]", password)
        page.get_by_role("button", name="Accedi").click()
        page.wait_for_load_state()
        return page

    return do_login


# --- markers: `make test-fast` leaves out what starts a browser or a server ------------------------

# Fixtures that drive chromium, or start a server or a process of their own (SMTP, IMAP, S3, Redis,
# a second PostgreSQL, workers killed on purpose): their tests get the declared markers even when
# the file forgets them, so the fast lane (`-m "not browser and not slow"`) stays fast.
BROWSER_FIXTURES = frozenset({"browser", "page", "live_server", "browser_login"})
SERVER_FIXTURES = frozenset({"smtp_server", "dovecot", "imap_account", "make_mailbox", "s3_endpoint", "private_redis"})


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if used & SERVER_FIXTURES or "/faults/" in str(item.path):
            item.add_marker(pytest.mark.slow)

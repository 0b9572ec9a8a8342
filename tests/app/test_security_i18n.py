"""Security headers with a CSP, request ids in structured logs, health check, Italian first with an
English catalog, it_IT dates and euro amounts."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from app.i18n import fmt_date, fmt_datetime, fmt_money, fmt_number
from app.security import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_carries_security_headers_and_a_strict_csp(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_scripts():
    import re

    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(str(path))
        if re.search(r"\son(click|submit|change|load)=", text):
            offenders.append(str(path))
    assert offenders == []


def test_request_id_is_returned_and_propagated(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 16


def test_structured_log_line_has_the_request_id(app, client):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    logger = logging.getLogger("presidio.access")
    logger.addHandler(handler)
    try:
        with app.test_request_context("/x", headers={"X-Request-ID": "req-42"}):
            from flask import g

            g.request_id = "req-42"
            line = json.loads(JsonFormatter().format(logging.LogRecord("presidio", 20, "", 0, "ciao", (), None)))
        client.get("/login")
    finally:
        logger.removeHandler(handler)
    assert line["request_id"] == "req-42" and line["msg"] == "ciao" and line["path"] == "/x"
    assert any(getattr(r, "status", None) == 200 for r in records)


def test_healthz_reports_degraded_queue_when_redis_is_down(client, config_override):
    config_override(REDIS_URL="redis://127.0.0.1:1/0")
    body = client.get("/healthz").get_json()
    assert body["database"] == "ok"
    assert body["queue"].startswith("error")
    assert body["status"] == "degraded"
    assert "pending" in body["jobs"] and "failed" in body["jobs"]


def test_healthz_inline_mode(client, config_override):
    config_override(REDIS_URL=None)
    assert client.get("/healthz").get_json()["queue"] == "inline"


def test_dates_and_money_in_italian(app):
    from flask_babel import refresh

    with app.test_request_context("/", headers={"Accept-Language": "it"}):
        refresh()
        assert fmt_money(decimal.Decimal("1234.5")) == "1.234,50\xa0€"
        assert fmt_number(1234567) == "1.234.567"
        assert fmt_date(dt.date(2026, 3, 5)) == "5 mar 2026"
        # stored UTC, shown in Europe/Rome (summer time: +2)
        assert fmt_datetime(dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)) == "01/07/26, 12:00"
        assert fmt_money(None) == "" and fmt_date(None) == ""


def test_dates_and_money_in_english(app):
    from flask_babel import refresh

    with app.test_request_context("/?lang=en"):
        refresh()
        assert fmt_money(decimal.Decimal("1234.5")) == "€1,234.50"
        assert fmt_date(dt.date(2026, 3, 5)) == "Mar 5, 2026"


def test_pages_are_italian_by_default_and_english_on_request(client, login_as, get_csrf):
    assert "Accedi a Presidio" in client.get("/login").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Log in to Presidio" in english and '<html lang="en">' in english


def test_language_switch_is_remembered(client, login_as, get_csrf):
    user = login_as("operator")
    response = client.post("/lingua", data={"lang": "en", "next": "/profilo", "csrf_token": get_csrf("/profilo")})
    assert response.headers["Location"] == "/profilo"
    page = client.get("/profilo").get_data(as_text=True)
    assert "Change password" in page
    from app.extensions import db

    db.session.expire_all()
    assert user.locale == "en"


def test_language_switch_refuses_offsite_redirects(client, get_csrf):
    response = client.post(
        "/lingua", data={"lang": "en", "next": "//evil.example.com", "csrf_token": get_csrf("/login")}
    )
    assert "evil" not in response.headers["Location"]


def test_platform_catalog_is_complete():
    result = subprocess.run(
        [sys.executable, "scripts/i18n.py", "check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_accessible_shell_has_landmarks_and_skip_link(client, login_as):
    login_as("admin")
    page = client.get("/admin").get_data(as_text=True)
    assert 'href="#main"' in page and '<main id="main"' in page
    assert "<header" in page and "<footer" in page and 'aria-label="Menu principale"' in page
    assert "Dichiarazione di accessibilità" in page
    assert client.get("/accessibilita").status_code == 200


def test_bad_input_never_answers_500(client, login_as):
    login_as("admin")
    for path in ("/admin/audit?before=-1&actor_id=1e9", "/admin/jobs?status=boh", "/admin/utenti/999999"):
        assert client.get(path).status_code < 500, path


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("fmt", ["short", "medium", "long", "dd/MM/yyyy HH:mm", "EEE d MMM y"])
def test_dates_read_as_babel_writes_them(app, lang, fmt):
    """The list pages format dates with compiled patterns: the text is babel's, to the character,
    through every hour of a year, both summer-time changes and both languages."""
    from zoneinfo import ZoneInfo

    from babel.dates import format_date, format_datetime
    from flask_babel import refresh

    rome = ZoneInfo("Europe/Rome")
    start = dt.datetime(2026, 1, 1, 0, 7, 3, tzinfo=dt.UTC)
    values = [start + dt.timedelta(hours=h, minutes=h % 60) for h in range(0, 24 * 366, 5)]
    values += [dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC), dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)]
    date_fmt = fmt if fmt in ("short", "medium", "long") else "d/M/yy"
    with app.test_request_context(f"/?lang={lang}"):
        refresh()
        for value in values:
            local = value.astimezone(rome)
            assert fmt_datetime(value, fmt) == format_datetime(local, format=fmt, tzinfo=rome, locale=lang)
            assert fmt_date(value, date_fmt) == format_date(local.date(), format=date_fmt, locale=lang)

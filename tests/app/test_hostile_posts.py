"""Every web form POST of the app, sent hostile values in every field any form knows: never a 500."""

from __future__ import annotations

import importlib
import inspect
import re

import flask_wtf
import pytest

FORM_MODULES = [
    "app.auth.forms",
    "crm.forms",
    "tickets.forms",
    "tickets.sla.forms",
    "billing.forms",
    "contact_center.forms",
    "contact_center.phone.forms",
]
HOSTILE = {
    "nul": "a\x00b",
    "control": "\x1b[2J\x08",
    "huge_int": "9" * 30,
    "int_beyond_column": "2147483648",
    "money_overflow": "1e1000",
    "nan": "NaN",
    "crlf": "x\r\nBcc: evil@example.com",
    "long": "x" * 100_000,
}


def field_names() -> set[str]:
    names: set[str] = set()
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, flask_wtf.FlaskForm):
                names |= {name for name, value in vars(cls).items() if hasattr(value, "field_class")}
    return names - {"csrf_token", "file", "files", "document", "attachments"}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_no_form_post_answers_500(app, db, client, login_as, kind):
    login_as("admin")
    html = client.get("/profilo").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    value = HOSTILE[kind]
    data = {name: value for name in field_names()}
    data["csrf_token"] = csrf
    paths = sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if "POST" in rule.methods
            and not rule.arguments
            and not rule.rule.startswith(("/api/", "/contact-center/twilio", "/contact-center/email"))
            and rule.rule not in ("/logout",)
        }
    )
    assert len(paths) > 15
    failures, statuses = {}, {}
    for path in paths:
        status = client.post(path, data=data).status_code
        statuses[path] = status
        if status >= 500:
            failures[path] = status
            db.session.rollback()
    assert failures == {}
    assert client.get("/profilo").status_code == 200  # still signed in: every post above was judged
    assert sum(1 for s in statuses.values() if s == 422) >= 3, statuses

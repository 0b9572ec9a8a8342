"""Hostile input at the web forms and URLs: refused on the field (422) with what was typed kept, never a
500; redirects only to this site; integers beyond the column range; Italian money; double submits."""

from __future__ import annotations

import decimal
import importlib
import inspect
import re

import flask_wtf
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from app.forms import FlaskForm, parse_money
from tests.conftest import PASSWORD
from tickets.models import Ticket

ONCE = re.compile(r'name="form_once" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def referente(db, make_user, make_org):
    from crm.models import Contact

    org = make_org(name="Comune di Bitonto")
    contact = Contact(organization_id=org.id, name="Rita Referente", email="rita@comune.bitonto.example.it")
    db.session.add(contact)
    db.session.commit()
    return make_user("referente", organization=org, contact_id=contact.id, name="Rita Referente")


def page_tokens(client, path):
    html = client.get(path).get_data(as_text=True)
    once = ONCE.search(html)
    return CSRF.search(html).group(1), (once.group(1) if once else None)


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- one base class for every form -----------------------------------------------------------------


def test_every_form_of_the_app_derives_from_the_one_base():
    modules = [
        "app.auth.forms",
        "crm.forms",
        "tickets.forms",
        "tickets.sla.forms",
        "billing.forms",
        "contact_center.forms",
        "contact_center.phone.forms",
    ]
    forms = []
    for name in modules:
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, flask_wtf.FlaskForm) and obj.__module__ == name:
                forms.append(obj)
    assert len(forms) > 40
    assert [f.__name__ for f in forms if not issubclass(f, FlaskForm)] == []


# --- hostile text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "shown"),
    [("\x00", "U+0000"), ("\x1b[31m", "U+001B"), ("\x7f", "U+007F"), ("\x85", "U+0085"), ("\x08", "U+0008")],
)
def test_portal_form_refuses_hostile_text_on_the_field_and_keeps_what_was_typed(
    db, client, login, referente, bad, shown
):
    login(referente)
    csrf, once = page_tokens(client, "/portale/nuova")
    data = {
        "csrf_token": csrf,
        "form_once": once,
        "subject": "Stampante guasta",
        "description": f"Il toner{bad} non viene riconosciuto dal server di stampa",
        "priority": "normal",
        "service_id": "",
    }
    resp = client.post("/portale/nuova", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert shown in html and 'id="description-errors"' in html
    assert "Stampante guasta" in html and "non viene riconosciuto dal server di stampa" in html
    assert count(db, Ticket) == 0
    # corrected, the same form (same one-time token, it was released) goes through
    data["description"] = "Il toner non viene riconosciuto"
    resp = client.post("/portale/nuova", data=data)
    assert resp.status_code == 302 and count(db, Ticket) == 1


def test_an_unpaired_surrogate_is_refused_on_the_field(db, client, login, referente):
    """A form body in JSON (Flask-WTF reads it) can carry a lone surrogate; url-encoded bodies cannot:
    Werkzeug decodes an encoded surrogate (``%ED%A0%80``) to U+FFFD, never to a surrogate."""
    import json

    login(referente)
    csrf, once = page_tokens(client, "/portale/nuova")
    body = json.dumps(
        {"form_once": once, "subject": "Rete \ud800 lenta", "description": "Da ieri", "priority": "normal"}
    )
    resp = client.post("/portale/nuova", data=body, content_type="application/json", headers={"X-CSRFToken": csrf})
    assert resp.status_code == 422
    assert "U+D800" in resp.get_data(as_text=True) and 'id="subject-errors"' in resp.get_data(as_text=True)
    raw = f"csrf_token={csrf}&subject=Rete%20%ED%A0%80%20lenta&description=Da%20ieri&priority=normal"
    resp = client.post("/portale/nuova", data=raw, content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 302
    ticket = db.session.scalar(sa.select(Ticket))
    assert ticket.subject.encode("utf-8")  # stored text is valid UTF-8: no surrogate reached the database


def test_login_with_a_nul_byte_is_the_form_again_not_a_500(client, make_user, get_csrf):
    user = make_user("operator")
    token = get_csrf("/login")
    resp = client.post("/login", data={"email": user.email + "\x00", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 422
    assert "U+0000" in resp.get_data(as_text=True)
    resp = client.post("/login", data={"email": user.email, "password": "x\x00y", "csrf_token": token})
    assert resp.status_code == 422


def test_staff_form_refuses_a_nul_byte_and_strips_line_breaks_from_a_subject(db, client, login_as, make_org):
    login_as("operator")
    org = make_org()
    csrf, once = page_tokens(client, "/ticket/nuovo")
    data = {
        "csrf_token": csrf,
        "form_once": once,
        "organization_id": str(org.id),
        "subject": "Posta\x00certificata",
        "description": "PEC non arriva",
        "channel": "phone",
        "priority": "normal",
    }
    resp = client.post("/ticket/nuovo", data=data)
    assert resp.status_code == 422 and 'id="subject-errors"' in resp.get_data(as_text=True)
    data["subject"] = "Posta certificata\r\nBcc: tutti@evil.example"
    resp = client.post("/ticket/nuovo", data=data)
    assert resp.status_code == 302
    ticket = db.session.scalar(sa.select(Ticket))
    assert ticket.subject == "Posta certificata Bcc: tutti@evil.example"
    assert "\n" not in ticket.subject and "\r" not in ticket.subject


def test_hostile_text_in_a_crm_form_is_refused_too(db, client, login_as):
    login_as("admin")
    csrf, once = page_tokens(client, "/crm/servizi/nuovo")
    resp = client.post(
        "/crm/servizi/nuovo",
        data={"csrf_token": csrf, "form_once": once, "code": "SRV\x00", "name": "Servizio", "active": "y"},
    )
    assert resp.status_code == 422 and "U+0000" in resp.get_data(as_text=True)


# --- redirects -------------------------------------------------------------------------------------

OFFSITE = [
    "/\t/evil.example",
    "/\n/evil.example",
    "//evil.example",
    "///evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "https:evil.example",
    "https://evil.example/",
    "http://localhost.evil.example/",
    "javascript:alert(1)",
    " //evil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "%2F%2Fevil.example",
    "evil.example",
    "/ok\r\nSet-Cookie: x=1",
]


@pytest.mark.parametrize("target", OFFSITE)
def test_login_next_never_leaves_the_site(client, make_user, get_csrf, target):
    user = make_user("operator")
    token = get_csrf("/login")
    resp = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location == "/", location


@pytest.mark.parametrize("target", OFFSITE)
def test_language_switch_next_never_leaves_the_site(client, get_csrf, target):
    token = get_csrf("/login")
    resp = client.post("/lingua", data={"lang": "en", "next": target, "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_a_path_of_this_site_is_kept(client, get_csrf):
    token = get_csrf("/login")
    resp = client.post("/lingua", data={"lang": "en", "next": "/crm/enti?q=bari&page=2", "csrf_token": token})
    assert resp.headers["Location"] == "/crm/enti?q=bari&page=2"
    resp = client.post("/lingua", data={"lang": "it", "next": "http://localhost/portale", "csrf_token": token})
    assert resp.headers["Location"] == "/portale"


# --- integers beyond the column range ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ticket/2147483648", "/ticket/99999999999999999999999", "/crm/enti/" + "9" * 5000])
def test_an_id_beyond_the_column_is_404_not_500(client, login_as, path):
    login_as("admin")
    assert client.get(path).status_code == 404


def test_the_largest_id_is_a_plain_not_found(client, login_as):
    login_as("admin")
    assert client.get("/ticket/2147483647").status_code == 404


def test_an_integer_field_beyond_the_column_is_a_field_error(client, login_as):
    login_as("admin")
    csrf, once = page_tokens(client, "/crm/enti/nuovo")
    resp = client.post(
        "/crm/enti/nuovo",
        data={"csrf_token": csrf, "form_once": once, "kind": "comune", "name": "Comune X", "population": "9" * 30},
    )
    assert resp.status_code == 422
    assert 'id="population-errors"' in resp.get_data(as_text=True)


# --- money -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.500,00", "1500.00"),
        ("1500,00", "1500.00"),
        ("1500", "1500.00"),
        ("€ 1.500", "1500.00"),
        ("0,5", "0.50"),
        ("1.234.567,89", "1234567.89"),
    ],
)
def test_italian_amounts_are_read_through_babel(app, text, value):
    assert parse_money(text, locale="it") == decimal.Decimal(value)


@pytest.mark.parametrize(
    "text", ["1e1000", "NaN", "Infinity", "-inf", "1" * 40, "1,234", "abc", "1.50.0,0", "10000000000,00", ""]
)
def test_what_is_not_an_amount_is_refused(app, text):
    with pytest.raises(ValueError):
        parse_money(text, locale="it")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_the_money_parser_returns_a_bounded_amount_or_refuses(app, text):
    try:
        value = parse_money(text, locale="it")
    except ValueError:
        return
    assert value.is_finite() and abs(value) < 10**10 and value == value.quantize(decimal.Decimal("0.01"))


def _agreement_form(client, org, **over):
    from crm.services import create_service

    service = create_service(code="PROT", name="Protocollo informatico")
    csrf, once = page_tokens(client, "/crm/convenzioni/nuova")
    data = {
        "service_ids": [str(service.id)],
        "csrf_token": csrf,
        "form_once": once,
        "organization_id": str(org.id),
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "billing_document": "richiesta_pagamento",
        "sla_tier": "standard",
        "annual_fee_fixed": "1.500,00",
        "fee_per_inhabitant": "0,15",
        "included_hours": "40",
        "hourly_rate": "45,50",
    }
    data.update(over)
    return data


def test_a_convenzione_takes_italian_amounts(db, client, login_as, make_org):
    from crm.models import Agreement

    login_as("admin")
    org = make_org()
    resp = client.post("/crm/convenzioni/nuova", data=_agreement_form(client, org))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    agreement = db.session.scalar(sa.select(Agreement))
    assert agreement.annual_fee_fixed == decimal.Decimal("1500.00")
    assert agreement.hourly_rate == decimal.Decimal("45.50")
    assert agreement.fee_per_inhabitant == decimal.Decimal("0.15")


@pytest.mark.parametrize("amount", ["1e1000", "NaN", "99999999999999999999", "-Infinity"])
def test_a_convenzione_with_an_impossible_amount_is_a_field_error(db, client, login_as, make_org, amount):
    from crm.models import Agreement

    login_as("admin")
    org = make_org()
    resp = client.post("/crm/convenzioni/nuova", data=_agreement_form(client, org, annual_fee_fixed=amount))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="annual_fee_fixed-errors"' in html and amount in html
    assert count(db, Agreement) == 0


# --- double submit -----------------------------------------------------------------------------------


def test_a_double_click_on_the_portal_form_opens_one_ticket(db, client, login, referente):
    login(referente)
    csrf, once = page_tokens(client, "/portale/nuova")
    assert once
    data = {
        "csrf_token": csrf,
        "form_once": once,
        "subject": "VPN",
        "description": "Non si collega",
        "priority": "normal",
    }
    first = client.post("/portale/nuova", data=data)
    second = client.post("/portale/nuova", data=data)
    assert count(db, Ticket) == 1
    assert first.status_code == 302 and second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "già stato inviato" in page
    # a fresh form (new token) opens a second request
    csrf, once2 = page_tokens(client, "/portale/nuova")
    assert once2 != once
    client.post("/portale/nuova", data={**data, "form_once": once2})
    assert count(db, Ticket) == 2


def test_a_double_click_on_the_staff_form_opens_one_ticket(db, client, login_as, make_org):
    login_as("operator")
    org = make_org()
    csrf, once = page_tokens(client, "/ticket/nuovo")
    data = {
        "csrf_token": csrf,
        "form_once": once,
        "organization_id": str(org.id),
        "subject": "Telefonata",
        "description": "Chiede il rinnovo",
        "channel": "phone",
        "priority": "normal",
    }
    assert client.post("/ticket/nuovo", data=data).status_code == 302
    assert client.post("/ticket/nuovo", data=data).status_code == 303
    assert count(db, Ticket) == 1


def test_a_double_click_on_a_reply_adds_one_message(db, client, login, referente):
    from tickets.models import TicketMessage

    login(referente)
    csrf, once = page_tokens(client, "/portale/nuova")
    client.post("/portale/nuova", data={"csrf_token": csrf, "form_once": once, "subject": "A", "description": "B"})
    ticket = db.session.scalar(sa.select(Ticket))
    before = count(db, TicketMessage)
    csrf, once = page_tokens(client, f"/portale/richieste/{ticket.id}")
    data = {"csrf_token": csrf, "form_once": once, "body": "Aggiungo un dettaglio"}
    client.post(f"/portale/richieste/{ticket.id}/risposta", data=data)
    client.post(f"/portale/richieste/{ticket.id}/risposta", data=data)
    assert count(db, TicketMessage) == before + 1


def test_another_users_token_creates_nothing_and_says_so(db, client, login, make_user, referente, app):
    login(referente)
    csrf, once = page_tokens(client, "/portale/nuova")
    data = {"csrf_token": csrf, "form_once": once, "subject": "VPN", "description": "Non si collega"}
    client.post("/portale/nuova", data=data)
    other = app.test_client()
    colleague = make_user("referente", organization=None)
    token = CSRF.search(other.get("/login").get_data(as_text=True)).group(1)
    other.post("/login", data={"email": colleague.email, "password": PASSWORD, "csrf_token": token})
    csrf2, _ = page_tokens(other, "/portale/nuova")
    resp = other.post("/portale/nuova", data={**data, "csrf_token": csrf2})
    assert resp.status_code == 409
    assert count(db, Ticket) == 1


# --- every page with a hostile query string -------------------------------------------------------

HOSTILE_QUERY = {
    "q": "bari\x00",
    "page": "9" * 25,
    "organization_id": "99999999999999999999",
    "year": "99999999999",
    "month": "-1",
    "cursor": "%ff%00",
    "status": "\x1b",
    "before": "9" * 30,
}


def test_no_page_answers_500_to_a_hostile_query_string(app, db, client, login_as):
    login_as("admin")
    paths = sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods
            and not rule.arguments
            and not rule.rule.startswith(("/api/", "/static", "/contact-center/"))
            and "logout" not in rule.rule
        }
    )
    assert len(paths) > 30
    failures = {}
    for path in paths:
        for key, value in HOSTILE_QUERY.items():
            status = client.get(path, query_string={key: value}).status_code
            if status >= 500:
                failures[f"{path}?{key}"] = status
                db.session.rollback()  # the test keeps one app context; a server starts each request afresh
    assert failures == {}


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda a, b: a + b, st.sampled_from(["/", "//", "/\\", "http:", "https://", "%2F", "/%2F"]), st.text()
        ),
    )
)
def test_whatever_passes_the_redirect_check_stays_on_this_site(app, target):
    from urllib.parse import unquote, urljoin, urlsplit

    from app.routing import safe_redirect_target

    with app.test_request_context("/", base_url="http://presidio.local"):
        safe = safe_redirect_target(target)
    if safe is None:
        return
    assert urlsplit(urljoin("http://presidio.local/", safe)).netloc == "presidio.local"
    assert safe.startswith("/") and not safe.startswith("//") and not unquote(safe).startswith("//")
    assert not any(c.isspace() or c == "\\" or not c.isprintable() for c in safe)

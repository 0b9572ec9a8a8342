"""CRM pages as staff and referenti see them (Italian UI, forms with CSRF, errors on the field)."""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa

from app import panels
from crm.models import Agreement, Organization


def _csrf(html: str) -> str:
    return re.search(r'csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_list_shows_coverage_and_filters(client, login_as, make_org, make_agreement):
    covered = make_org(name="Comune di Noci")
    make_org(name="Comune di Turi")
    make_agreement(org=covered)
    login_as("finance")
    html = client.get("/crm/enti").get_data(as_text=True)
    assert "Comune di Noci" in html and "Comune di Turi" in html and "Attiva" in html
    html = client.get("/crm/enti?agreement_status=none").get_data(as_text=True)
    assert "Comune di Turi" in html and "Comune di Noci" not in html
    csv = client.get("/crm/enti/esporta.csv?q=noci")
    assert csv.mimetype == "text/csv" and "Comune di Noci" in csv.get_data(as_text=True)


def test_referente_cannot_list_enti_and_sees_only_its_own(client, login_as, make_org):
    other = make_org()
    user = login_as("referente")
    assert client.get("/crm/enti").status_code == 403
    assert client.get(f"/crm/enti/{user.organization_id}").status_code == 200
    assert client.get(f"/crm/enti/{other.id}").status_code == 404


def test_create_ente_shows_field_errors_then_saves(client, login_as):
    login_as("operator")
    token = _csrf(client.get("/crm/enti/nuovo").get_data(as_text=True))
    bad = client.post(
        "/crm/enti/nuovo",
        data={"csrf_token": token, "kind": "comune", "name": "Comune di Bari", "fiscal_code": "80015010724"},
    )
    assert bad.status_code == 200
    html = bad.get_data(as_text=True)
    assert "Cifra di controllo errata" in html and 'id="fiscal_code-errors"' in html
    ok = client.post(
        "/crm/enti/nuovo",
        data={
            "csrf_token": token,
            "kind": "comune",
            "name": "Comune di Bari",
            "fiscal_code": "80015010723",
            "istat_code": "72006",
            "active": "y",
        },
    )
    assert ok.status_code == 302
    assert client.get(ok.location).status_code == 200


def test_360_page_gathers_everything_and_other_modules_panels(client, login_as, make_org, make_agreement, db):
    from crm import services

    org = make_org(name="Comune di Monopoli")
    make_agreement(org=org, end_date=dt.date.today() + dt.timedelta(days=40))
    services.create_contact(organization_id=org.id, name="Anna RTD", role="rtd", email="anna@monopoli.example.it")
    user = login_as("operator")
    services.log_interaction(organization_id=org.id, subject="Incontro con il sindaco", kind="meeting", actor=user)
    panels.register_org_panel("test_billing", "app/accessibility.html", lambda org_id, u: {"x": 1}, order=5)
    try:
        html = client.get(f"/crm/enti/{org.id}").get_data(as_text=True)
    finally:
        panels._PANELS.pop("test_billing")
    for text in (
        "Comune di Monopoli",
        "Anna RTD",
        "Incontro con il sindaco",
        "scade tra 40 giorni",
        "Cronologia",
        'data-panel="test_billing"',
        "Nuovo contatto: Anna RTD",
    ):
        assert text in html, text


def test_log_interaction_form(client, login_as, make_org):
    org = make_org()
    login_as("operator")
    token = _csrf(client.get(f"/crm/enti/{org.id}").get_data(as_text=True))
    r = client.post(
        f"/crm/enti/{org.id}/interazioni",
        data={
            "csrf_token": token,
            "kind": "call",
            "contact_id": "0",
            "subject": "Chiamata per SPID",
            "occurred_at": "2026-03-02T10:30",
        },
    )
    assert r.status_code == 302
    html = client.get(f"/crm/enti/{org.id}").get_data(as_text=True)
    assert "Chiamata per SPID" in html and "Telefonata" in html


def test_agreement_pages_status_and_document(client, login_as, make_org, make_service, db):
    org = make_org()
    srv = make_service(name="Protocollo informatico")
    login_as("finance")
    token = _csrf(client.get(f"/crm/convenzioni/nuova?organization_id={org.id}").get_data(as_text=True))
    r = client.post(
        "/crm/convenzioni/nuova",
        data={
            "csrf_token": token,
            "organization_id": org.id,
            "start_date": "2026-01-01",
            "end_date": "2030-12-31",
            "service_ids": [srv.id],
            "billing_document": "fattura",
            "annual_fee_fixed": "1000",
            "sla_tier": "standard",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    agreement = db.session.scalar(sa.select(Agreement))
    page = client.get(r.location).get_data(as_text=True)
    assert "Protocollo informatico" in page and "Bozza" in page
    client.post(f"/crm/convenzioni/{agreement.id}/stato", data={"csrf_token": token, "status": "active"})
    db.session.refresh(agreement)
    assert agreement.status.value == "active"
    up = client.post(
        f"/crm/convenzioni/{agreement.id}/documento",
        data={"csrf_token": token, "document": (io.BytesIO(b"%PDF-1.4 firmato"), "convenzione.pdf")},
        content_type="multipart/form-data",
    )
    assert up.status_code == 302
    doc = client.get(f"/crm/convenzioni/{agreement.id}/documento")
    assert doc.status_code == 200 and doc.data == b"%PDF-1.4 firmato"
    bad = client.post(
        f"/crm/convenzioni/{agreement.id}/documento",
        data={"csrf_token": token, "document": (io.BytesIO(b"MZ..."), "virus.exe")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "PDF" in bad.get_data(as_text=True)


def test_operator_cannot_edit_convenzioni(client, login_as, make_agreement):
    a = make_agreement()
    login_as("operator")
    assert client.get(f"/crm/convenzioni/{a.id}").status_code == 200
    assert client.get(f"/crm/convenzioni/{a.id}/modifica").status_code == 403


def test_import_page_imports_comuni_and_csv(client, login_as, db):
    login_as("finance")
    token = _csrf(client.get("/crm/importa").get_data(as_text=True))
    r = client.post("/crm/importa", data={"csrf_token": token, "comuni-csrf_token": token, "comuni-province": "BA"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 41
    r = client.post(
        "/crm/importa",
        data={
            "csv-csrf_token": token,
            "csv-what": "organizations",
            "csv-file": (io.BytesIO(b"name,istat_code\nComune Strano,12A\n"), "enti.csv"),
        },
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert "rifiutato" in html and "istat_code" in html


def test_english_ui(client, login_as, make_org):
    make_org(name="Comune di Bitonto")
    login_as("admin")
    html = client.get("/crm/enti?lang=en").get_data(as_text=True)
    assert "New organization" in html


def test_ticket_for_a_service_outside_the_convenzione_is_flagged(
    client, login_as, make_org, make_agreement, make_service
):
    from tickets.services import open_ticket

    org = make_org()
    covered, extra = make_service(name="pagoPA"), make_service(name="Cloud e hosting")
    make_agreement(org=org, services=[covered])
    inside = open_ticket(subject="Avviso pagoPA", organization_id=org.id, service_id=covered.id, notify=False)
    outside = open_ticket(subject="Nuova VM", organization_id=org.id, service_id=extra.id, notify=False)
    login_as("operator")
    assert "Servizio fuori convenzione" not in client.get(f"/ticket/{inside.id}").get_data(as_text=True)
    html = client.get(f"/ticket/{outside.id}").get_data(as_text=True)
    assert "Servizio fuori convenzione" in html and "Cloud e hosting" in html


def test_agreements_export_and_referente_nav(client, login_as, make_agreement, make_org):
    a = make_agreement(cig="Z1A2B3C4D5")
    login_as("finance")
    body = client.get("/crm/convenzioni/esporta.csv?status=active").get_data(as_text=True)
    assert a.code in body and "Z1A2B3C4D5" in body and "1500.00" in body
    client.post("/logout", data={"csrf_token": _csrf(client.get("/crm/enti").get_data(as_text=True))})
    user = login_as("referente")
    html = client.get(f"/crm/enti/{user.organization_id}").get_data(as_text=True)
    assert "Il mio ente" in html and "Interazioni" not in html and "Modifica" not in html


def _agreement_form_page(client, org_id=None):
    path = "/crm/convenzioni/nuova" + (f"?organization_id={org_id}" if org_id else "")
    return client.get(path).get_data(as_text=True)


def _errors(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-errors"[^>]*>([^<]*)<', html)
    return match.group(1).strip() if match else ""


def test_untouched_agreement_form_is_not_saved_and_shows_every_error(client, login_as, make_org, make_service, db):
    make_org()
    make_service(name="Protocollo informatico")
    login_as("finance")
    html = _agreement_form_page(client)
    # no ente chosen for the user: the first option is the empty one, not the first ente of the list
    assert re.search(r'<select[^>]*id="organization_id"[^>]*>\s*<option selected value="">', html) or re.search(
        r'<select[^>]*id="organization_id"[^>]*>\s*<option value="">', html
    )
    fields = dict(re.findall(r'<input[^>]*name="(start_date|end_date)"[^>]*value="([^"]*)"', html))
    r = client.post(
        "/crm/convenzioni/nuova",
        data={
            "csrf_token": _csrf(html),
            "organization_id": "",
            "billing_document": "richiesta_pagamento",
            "sla_tier": "standard",
            **fields,
        },
    )
    assert r.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 0
    page = r.get_data(as_text=True)
    assert _errors(page, "organization_id") == "Scegli l'ente."
    assert _errors(page, "service_ids") == "Scegli almeno un servizio."


def test_agreement_form_reports_form_and_service_errors_in_one_round(client, login_as, make_org, make_service, db):
    org = make_org()
    srv = make_service(name="Protocollo informatico")
    other = make_service(name="Conservazione", code="CONS")
    login_as("finance")
    html = _agreement_form_page(client, org.id)
    r = client.post(
        "/crm/convenzioni/nuova",
        data={
            "csrf_token": _csrf(html),
            "organization_id": org.id,
            "start_date": "2027-01-01",
            "end_date": "2026-01-01",  # the service's rule: before the start
            "service_ids": [srv.id, other.id],
            "billing_document": "fattura",
            "annual_fee_fixed": "mille",  # the form's rule: not an amount
            "vat_nature": "N9",  # the service's rule
            "sla_tier": "standard",
        },
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert _errors(page, "annual_fee_fixed")
    assert "precede" in _errors(page, "end_date")
    assert "N1" in _errors(page, "vat_nature")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agreement)) == 0
    # the services are a list of checkboxes, and both ticks are kept
    assert re.search(rf'type="checkbox" name="service_ids" id="service_ids-{srv.id}" value="{srv.id}" checked', page)
    assert re.search(
        rf'type="checkbox" name="service_ids" id="service_ids-{other.id}" value="{other.id}" checked', page
    )
    assert (
        '<select class="form-select" id="service_ids"' not in page
        and "multiple" not in page.split("service_ids")[1][:200]
    )

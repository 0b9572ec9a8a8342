"""The public form, the triage inbox (web and API), the MTA endpoint and the admin pages."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from app.mail import OutboundEmail
from contact_center.mailflow import ingest
from contact_center.models import InboundItem, InboundStatus, Mailbox, RawMessage, RawSource, RoutingRule
from tests.contact_center.conftest import build_email
from tickets.models import Ticket, TicketAttachment


def count(db, model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def form_data(client, org, **over):
    html = client.get("/assistenza").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    nonce = re.search(r'name="nonce"[^>]*value="([0-9a-f]+)"', html) or re.search(r'value="([0-9a-f]{32})"', html)
    data = {
        "csrf_token": token,
        "nonce": nonce.group(1),
        "organization_id": str(org.id),
        "name": "Giulia Bianchi",
        "email": "giulia.bianchi@example.it",
        "phone": "080 1234567",
        "service_id": "0",
        "subject": "Accesso SPID al portale non funziona",
        "description": "Da stamattina il login SPID restituisce errore 500.",
        "privacy": "y",
        "website": "",
    }
    data.update(over)
    return data


# --- public form ---------------------------------------------------------------------------------


def test_public_form_opens_a_ticket_and_mails_its_number(db, client, comune, smtp_server, run_jobs):
    data = form_data(client, comune, attachments=(io.BytesIO(b"%PDF-1.4 screenshot"), "errore.pdf"))
    resp = client.post("/assistenza", data=data, content_type="multipart/form-data")
    assert resp.status_code == 200
    ticket = db.session.scalar(sa.select(Ticket))
    assert ticket.number in resp.get_data(as_text=True)
    assert ticket.organization_id == comune.id and ticket.channel == "web"
    # one adapter of the intake: the fields become the item directly, no e-mail is made up and parsed back
    assert count(db, RawMessage) == 0
    (item,) = db.session.scalars(sa.select(InboundItem)).all()
    assert (item.channel.value, item.ticket_id, item.sender_email) == ("web", ticket.id, "giulia.bianchi@example.it")
    files = db.session.scalars(sa.select(TicketAttachment.filename).where(TicketAttachment.ticket_id == ticket.id))
    assert list(files) == ["errore.pdf"]
    run_jobs()
    [mail] = smtp_server.parsed()
    assert mail["To"] == "giulia.bianchi@example.it"
    assert ticket.number in mail["Subject"]
    # the same submission again (double click, back + resend) is the same request
    client.post("/assistenza", data={**data, "attachments": (io.BytesIO(b"%PDF"), "errore.pdf")})
    assert count(db, Ticket) == 1


def test_public_form_needs_csrf_and_names_bad_fields(db, client, comune):
    data = form_data(client, comune)
    no_csrf = {k: v for k, v in data.items() if k != "csrf_token"}
    assert client.post("/assistenza", data=no_csrf).status_code == 400
    resp = client.post("/assistenza", data={**data, "email": "non-una-mail", "description": ""})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="email-errors"' in html and 'id="description-errors"' in html
    bad_file = {**data, "attachments": (io.BytesIO(b"MZ..."), "virus.exe")}
    resp = client.post("/assistenza", data=bad_file, content_type="multipart/form-data")
    assert resp.status_code == 422 and "virus.exe" in resp.get_data(as_text=True)
    assert count(db, InboundItem) == 0 and count(db, Ticket) == 0


def test_honeypot_is_kept_as_spam_and_the_rate_limit_answers_429(db, client, comune, app):
    resp = client.post("/assistenza", data=form_data(client, comune, website="http://spam.example"))
    assert resp.status_code == 200
    assert count(db, Ticket) == 0
    assert db.session.scalar(sa.select(InboundItem.status)) == InboundStatus.SPAM
    app.config["CONTACT_FORM_MAX_PER_HOUR"] = 2
    try:
        assert client.post("/assistenza", data=form_data(client, comune)).status_code == 200
        assert client.post("/assistenza", data=form_data(client, comune)).status_code == 429
    finally:
        app.config.pop("CONTACT_FORM_MAX_PER_HOUR")


# --- MTA endpoint ----------------------------------------------------------------------------------


def test_inbound_endpoint_is_off_without_token_and_checks_it(db, client, app, comune, run_jobs):
    data = build_email()
    assert client.post("/contact-center/email/inbound", data=data).status_code == 404
    app.config["INBOUND_TOKEN"] = "s3cret"
    try:
        bad = client.post("/contact-center/email/inbound", data=data, headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        empty = client.post("/contact-center/email/inbound", data=b"", headers={"Authorization": "Bearer s3cret"})
        assert empty.status_code == 422
        ok = client.post(
            "/contact-center/email/inbound",
            data=data,
            headers={"Authorization": "Bearer s3cret", "Content-Type": "message/rfc822"},
        )
        assert ok.status_code == 202
        again = client.post("/contact-center/email/inbound", data=data, headers={"Authorization": "Bearer s3cret"})
        assert again.status_code == 202 and again.get_json()["duplicate"] is True
    finally:
        app.config["INBOUND_TOKEN"] = None
    assert count(db, RawMessage) == 1 and count(db, Ticket) == 0  # stored; processed by the worker
    run_jobs()
    assert count(db, Ticket) == 1


# --- triage (web) ------------------------------------------------------------------------------------


def unknown_item(subject="Richiesta da sconosciuto", sender="ufficio.tecnico@comune-nuovo.example.it"):
    _, item = ingest(build_email(sender=sender, subject=subject), source=RawSource.PIPE)
    return item


def test_operator_converts_an_unknown_senders_mail_into_a_ticket(db, client, login_as, get_csrf, comune):
    item = unknown_item()
    login_as("operator")
    page = client.get("/inbound").get_data(as_text=True)
    assert "Richiesta da sconosciuto" in page
    token = get_csrf(f"/inbound/{item.id}")
    resp = client.post(
        f"/inbound/{item.id}/ticket",
        data={"csrf_token": token, "t-organization_id": str(comune.id), "t-priority": "high", "t-subject": ""},
    )
    assert resp.status_code == 302
    ticket = db.session.scalar(sa.select(Ticket))
    assert (ticket.organization_id, ticket.priority, ticket.channel) == (comune.id, "high", "email")
    db.session.refresh(item)
    assert item.status == InboundStatus.TICKETED and item.ticket_id == ticket.id
    ack = db.session.scalar(sa.select(OutboundEmail).where(OutboundEmail.subject.contains("Richiesta ricevuta")))
    assert ack.to_addr == "ufficio.tecnico@comune-nuovo.example.it"
    assert "Richiesta da sconosciuto" not in client.get("/inbound").get_data(as_text=True)
    # handled already: a second conversion is a conflict, not a second ticket
    again = client.post(f"/inbound/{item.id}/ticket", data={"csrf_token": token, "t-organization_id": str(comune.id)})
    assert again.status_code == 409
    assert count(db, Ticket) == 1


def test_missing_ente_is_422_and_attach_by_number_and_bulk_spam(db, client, login_as, get_csrf, comune):
    first = unknown_item("Primo")
    login_as("operator")
    token = get_csrf(f"/inbound/{first.id}")
    resp = client.post(f"/inbound/{first.id}/ticket", data={"csrf_token": token, "t-organization_id": "0"})
    assert resp.status_code == 422 and "t-organization_id-errors" in resp.get_data(as_text=True)
    _, known = ingest(build_email(subject="Ticket esistente"), source=RawSource.PIPE)
    number = db.session.get(Ticket, known.ticket_id).number
    resp = client.post(f"/inbound/{first.id}/attach", data={"csrf_token": token, "x-ticket": number})
    assert resp.status_code == 302
    db.session.refresh(first)
    assert first.status == InboundStatus.ATTACHED and first.ticket_id == known.ticket_id
    a, b = unknown_item("Spam 1", "a@spam.example"), unknown_item("Spam 2", "b@spam.example")
    resp = client.post("/inbound/bulk", data={"csrf_token": token, "action": "spam", "ids": [str(a.id), str(b.id)]})
    assert resp.status_code == 302
    assert set(db.session.scalars(sa.select(InboundItem.status).where(InboundItem.id.in_([a.id, b.id])))) == {
        InboundStatus.SPAM
    }


def test_inbox_filters_and_keyset_pages(db, client, login_as, comune):
    for i in range(55):
        unknown_item(f"Messaggio numero {i:02d}", f"s{i}@x.example")
    login_as("operator")
    page1 = client.get("/inbound").get_data(as_text=True)
    assert "Messaggio numero 54" in page1 and "Messaggio numero 04" not in page1
    next_url = re.search(r'href="(/inbound\?[^"]*cursor=[^"]+)"', page1).group(1).replace("&amp;", "&")
    page2 = client.get(next_url).get_data(as_text=True)
    assert "Messaggio numero 04" in page2 and "Messaggio numero 54" not in page2
    filtered = client.get("/inbound?q=numero 07").get_data(as_text=True)
    assert "Messaggio numero 07" in filtered and "Messaggio numero 08" not in filtered
    assert client.get("/inbound?status=bogus").status_code == 422


def test_referente_and_finance_cannot_triage(db, client, login_as, api_as):
    login_as("referente")
    assert client.get("/inbound").status_code == 403
    assert api_as("finance").get("/api/v1/inbound").status_code == 403


# --- triage (API) ------------------------------------------------------------------------------------


def test_api_lists_converts_and_attaches(db, api_as, comune):
    api = api_as("operator")
    a, b = unknown_item("API uno", "x1@x.example"), unknown_item("API due", "x2@x.example")
    body = api.get("/api/v1/inbound?limit=1").get_json()
    assert [i["id"] for i in body["items"]] == [b.id] and body["next_cursor"]
    body2 = api.get(f"/api/v1/inbound?limit=1&cursor={body['next_cursor']}").get_json()
    assert [i["id"] for i in body2["items"]] == [a.id]
    missing = api.post(f"/api/v1/inbound/{a.id}/ticket", json={})
    assert missing.status_code == 422 and "organization_id" in missing.get_json()["error"]["fields"]
    bad = api.post(f"/api/v1/inbound/{a.id}/ticket", json={"organization_id": comune.id, "priority": "subito"})
    assert bad.status_code == 422 and "priority" in bad.get_json()["error"]["fields"]
    created = api.post(f"/api/v1/inbound/{a.id}/ticket", json={"organization_id": comune.id, "priority": "high"})
    assert created.status_code == 201
    ticket = created.get_json()
    assert ticket["number"].startswith("AST-") and ticket["organization_id"] == comune.id
    assert api.post(f"/api/v1/inbound/{a.id}/ticket", json={"organization_id": comune.id}).status_code == 409
    attached = api.post(f"/api/v1/inbound/{b.id}/attach", json={"ticket_number": ticket["number"]})
    assert attached.status_code == 200 and attached.get_json()["ticket_id"] == ticket["id"]
    assert api.post("/api/v1/inbound/999999/attach", json={"ticket_id": ticket["id"]}).status_code == 404
    assert api.post(f"/api/v1/inbound/{b.id}/attach", json={}).status_code == 422
    assert api.get("/api/v1/inbound?status=all").get_json()["items"][0]["status"] == "attached"


# --- admin ---------------------------------------------------------------------------------------------


def test_operators_cannot_configure_mailboxes_or_rules(db, client, login_as):
    login_as("operator")
    for path in ("/contact-center/caselle", "/contact-center/regole", "/contact-center/quarantena"):
        assert client.get(path).status_code == 403


def test_admin_configures_a_mailbox_without_storing_its_password(db, client, login_as, get_csrf):
    login_as("admin")
    token = get_csrf("/contact-center/caselle/nuova")
    data = {
        "csrf_token": token,
        "name": "Assistenza PEC",
        "kind": "pec",
        "address": "assistenza@pec.cittametropolitana.ba.it",
        "active": "y",
        "imap_host": "imaps.pec.aruba.it",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_user": "assistenza@pec.cittametropolitana.ba.it",
        "imap_folder": "INBOX",
        "smtp_host": "smtps.pec.aruba.it",
        "smtp_port": "465",
        "smtp_security": "ssl",
        "password_env": "pec password",
        "default_service_id": "0",
        "default_team_id": "0",
    }
    resp = client.post("/contact-center/caselle/nuova", data=data)
    assert resp.status_code == 422 and "password_env-errors" in resp.get_data(as_text=True)
    resp = client.post("/contact-center/caselle/nuova", data={**data, "password_env": "PEC_ASSISTENZA_PASSWORD"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    mailbox = db.session.scalar(sa.select(Mailbox))
    assert mailbox.kind == "pec" and mailbox.password_env == "PEC_ASSISTENZA_PASSWORD"
    assert "Assistenza PEC" in client.get("/contact-center/caselle").get_data(as_text=True)


def test_admin_domain_rule_routes_a_new_comune_and_quarantine_keeps_refused_mail(
    db, client, login_as, get_csrf, make_org
):
    org = make_org(name="Comune di Gravina in Puglia")
    login_as("admin")
    token = get_csrf("/contact-center/regole/nuova")
    base = {"csrf_token": token, "position": "10", "active": "y", "mailbox_id": "0", "service_id": "0", "team_id": "0"}
    resp = client.post(
        "/contact-center/regole/nuova",
        data={**base, "name": "Dominio Gravina", "kind": "domain", "pattern": "comune.gravina.ba.it",
              "action": "route", "organization_id": str(org.id), "priority": "high"},
    )  # fmt: skip
    assert resp.status_code == 302
    resp = client.post(
        "/contact-center/regole/nuova",
        data={**base, "name": "Vuota", "kind": "keyword", "pattern": "", "action": "route", "organization_id": "0"},
    )
    assert resp.status_code == 422
    client.post(
        "/contact-center/regole/nuova",
        data={**base, "name": "Phishing", "kind": "keyword", "pattern": "bonifico urgente", "action": "quarantine",
              "organization_id": "0", "priority": ""},
    )  # fmt: skip
    assert count(db, RoutingRule) == 2
    _, routed = ingest(
        build_email(sender="anagrafe@comune.gravina.ba.it", subject="Certificati"), source=RawSource.PIPE
    )
    ticket = db.session.get(Ticket, routed.ticket_id)
    assert ticket.organization_id == org.id and ticket.priority == "high"
    _, held = ingest(
        build_email(sender="ceo@evil.example", subject="Bonifico urgente da fare oggi"), source=RawSource.PIPE
    )
    assert held.status == InboundStatus.QUARANTINED
    page = client.get("/contact-center/quarantena").get_data(as_text=True)
    assert "Bonifico urgente da fare oggi" in page

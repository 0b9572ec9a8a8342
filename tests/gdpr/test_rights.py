"""Data-subject rights end to end: an admin exports a contact, anonymizes it, and the export afterwards
holds none of its personal data while tickets, times and figures stay."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.audit import AuditEntry
from app.storage import content_key, get_storage


def test_export_then_anonymize_leaves_no_personal_data(db, admin, person, api_as, leak_check):
    from tickets.models import Ticket, TicketMessage, TimeEntry

    api = api_as(user=admin)
    contact_id = person["contact"].id
    before = api.get(f"/api/v1/contacts/{contact_id}/export")
    assert before.status_code == 200
    doc = before.get_json()
    assert doc["contact"]["email"] == "g.verdastri@comune-lamarina.example.it"
    assert [t["number"] for t in doc["tickets"]] == [person["ticket"].number]
    assert len(doc["messages"]) == 3 and len(doc["calls"]) == 1 and len(doc["sms"]) == 1
    assert len(doc["interactions"]) == 1 and len(doc["inbound_messages"]) == 1 and len(doc["emails_sent"]) >= 2
    assert doc["consents"]["privacy_consent"] is True
    assert [o["keyword"] for o in doc["consents"]["sms_opt_outs"]] == ["STOP"]
    assert any(e["object_type"] == "contacts" for e in doc["audit_entries"])
    assert set(leak_check(json.dumps(doc))) == {
        "Verdastri", "Giuseppina", "g.verdastri", "3331234567", "333 123 4567", "333 1234567"
    }  # fmt: skip

    first = api.post(f"/api/v1/contacts/{contact_id}/anonymize")
    assert first.status_code == 200
    again = api.post(f"/api/v1/contacts/{contact_id}/anonymize")
    assert again.status_code == 200 and again.get_json()["at"] == first.get_json()["at"]  # idempotent

    after = api.get(f"/api/v1/contacts/{contact_id}/export").get_json()
    text = json.dumps(after, ensure_ascii=False)
    assert leak_check(text) == [], leak_check(text)
    # The SMS opt-out is kept for STOP to keep working, but the export no longer finds the number.
    assert after["contact"]["email"] is None and after["contact"]["phone"] is None
    assert after["anonymized"]["subject_id"] == contact_id

    # Tickets, messages, times and figures stay.
    ticket = db.session.get(Ticket, person["ticket"].id)
    assert ticket.number == person["ticket"].number and ticket.requester_contact_id == contact_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketMessage)) == 3
    assert db.session.scalar(sa.select(sa.func.sum(TimeEntry.minutes))) == 45
    own = list(db.session.scalars(sa.select(TicketMessage.body).where(TicketMessage.author_contact_id == contact_id)))
    assert own[0].startswith("Buongiorno,\nla casella PEC") and own[0].endswith("Cordiali saluti\n[firma rimossa]")
    assert own[-1].startswith("Funziona, grazie!\n[firma rimossa]")
    assert "> Da: [intestazione rimossa]" in own[-1]
    # The recording (her voice) is gone from storage; the figures of the call stay.
    assert not get_storage().exists(content_key(person["sha"]))
    assert after["calls"][0]["recording_seconds"] == 12

    actions = [
        e.action for e in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_id == str(contact_id)))
    ]
    assert "anonymize" in actions and actions.count("anonymize") == 1 and "export" in actions


def test_nothing_of_the_contact_is_left_anywhere_in_the_database(db, admin, person):
    """Beyond the export: a dump of every text column of every table holds no trace of her."""
    from gdpr.services import anonymize_contact

    anonymize_contact(person["contact"].id, actor=admin)
    found = []
    for table in db.metadata.sorted_tables:
        if table.name == "phone_sms_opt_outs":  # STOP must keep working for that number
            continue
        for row in db.session.execute(sa.select(table)).mappings():
            if row.get("object_type") == "phone_sms_opt_outs":  # the audit entry of that STOP, likewise
                continue
            blob = json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False).lower()
            for needle in ("verdastri", "g.verdastri", "3331234567"):
                if needle in blob:
                    found.append((table.name, needle))
    assert found == [], found


def test_only_admins_export_and_anonymize(db, person, api_as):
    contact_id = person["contact"].id
    for role in ("operator", "finance", "referente"):
        api = api_as(role)
        assert api.get(f"/api/v1/contacts/{contact_id}/export").status_code == 403
        assert api.post(f"/api/v1/contacts/{contact_id}/anonymize").status_code == 403
    api = api_as("admin")
    assert api.get("/api/v1/contacts/999999/export").status_code == 404
    assert api.post("/api/v1/contacts/999999/anonymize").status_code == 404


def test_user_export(db, admin, person, api_as):
    api = api_as(user=admin)
    doc = api.get(f"/api/v1/users/{admin.id}/export").get_json()
    assert doc["user"]["email"] == admin.email and "password_hash" not in doc["user"]
    assert [i["subject"] for i in doc["interactions"]] == ["Telefonata con Giuseppina Verdastri"]
    assert doc["audit_entries"]
    assert api.get("/api/v1/users/999999/export").status_code == 404


def test_readable_export_pages_and_the_consents_panel(db, admin, person, login, client, get_csrf):
    contact_id = person["contact"].id
    login(admin)
    page = client.get(f"/crm/contatti/{contact_id}/modifica").get_data(as_text=True)
    assert "Consensi e dati personali" in page and "STOP" in page
    html = client.get(f"/gdpr/contatti/{contact_id}/esporta")
    assert html.status_code == 200 and "Giuseppina Verdastri" in html.get_data(as_text=True)
    pdf = client.get(f"/gdpr/contatti/{contact_id}/esporta?format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    raw = client.get(f"/gdpr/contatti/{contact_id}/esporta?format=json")
    assert raw.mimetype == "application/json" and json.loads(raw.data)["contact"]["id"] == contact_id
    token = get_csrf(f"/gdpr/contatti/{contact_id}/esporta")
    done = client.post(f"/gdpr/contatti/{contact_id}/anonimizza", data={"csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200 and "Verdastri" not in done.get_data(as_text=True)
    assert client.get(f"/gdpr/utenti/{admin.id}/esporta").status_code == 200


def test_privacy_notice_is_public_and_linked_from_public_forms(client):
    assert client.get("/privacy").status_code == 200
    for path in ("/assistenza", "/login"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'href="/privacy"' in response.get_data(as_text=True), path

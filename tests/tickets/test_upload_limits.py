"""An upload over the request limit shows the same form again with the error and what was typed."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.models import Ticket, TicketMessage
from tickets.views.uploads import text_fields


def _big(app):
    return io.BytesIO(b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1024))


def test_portal_new_request_over_the_limit_keeps_what_was_typed(app, client, login, referente, get_csrf):
    login(referente)
    page = client.get("/portale/nuova").get_data(as_text=True)
    assert "Massimo 10 MB per file" in page
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/portale/nuova",
        data={
            "csrf_token": token,
            "subject": "Anagrafe bloccata",
            "description": "Non si aprono le pratiche & i certificati",
            "priority": "high",
            "files": (_big(app), "scansione.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert 'value="Anagrafe bloccata"' in html
    assert "Non si aprono le pratiche &amp; i certificati" in html
    assert "non sono stati caricati" in html
    assert '<option selected value="high">' in html or 'value="high" selected' in html
    assert Ticket.query.count() == 0


def test_portal_reply_over_the_limit_keeps_the_message(app, client, login, referente):
    from tickets import services

    ticket = services.open_ticket(
        organization_id=referente.organization_id, subject="Mia", description="Testo", actor=referente
    )
    login(referente)
    page = client.get(f"/portale/richieste/{ticket.id}").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        f"/portale/richieste/{ticket.id}/risposta",
        data={"csrf_token": token, "body": "Ecco la foto dello schermo", "files": (_big(app), "foto.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Ecco la foto dello schermo" in html and "non sono stati caricati" in html
    assert TicketMessage.query.filter_by(ticket_id=ticket.id).count() == 1


def test_elsewhere_an_oversized_body_still_answers_413(app, client, login_as):
    login_as("operator")
    response = client.post("/ticket/nuovo", data={"x": "y" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    assert response.status_code == 413


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=2000), boundary=st.text(min_size=0, max_size=80), length=st.integers(-5, 5000))
def test_text_fields_never_fails_on_any_body(body, boundary, length):
    fields = text_fields(io.BytesIO(body), f"multipart/form-data; boundary={boundary}", length)
    assert all(isinstance(v, str) for v in fields.values())


def test_text_fields_reads_fields_and_skips_files():
    body = (
        b'--B\r\nContent-Disposition: form-data; name="subject"\r\n\r\nCiao \xc3\xa8\r\n'
        b'--B\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n' + b"z" * 100_000 + b"\r\n"
        b'--B\r\nContent-Disposition: form-data; name="body"\r\n\r\ndopo\r\n--B--\r\n'
    )
    fields = text_fields(io.BytesIO(body), "multipart/form-data; boundary=B", len(body))
    assert fields.to_dict() == {"subject": "Ciao è", "body": "dopo"}

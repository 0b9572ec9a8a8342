"""Attachments: limits, safe storage, safe download headers."""

from __future__ import annotations

import io
import re

from tickets import services


def csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_upload_and_download_with_safe_headers(client, login, make_user):
    op = login(make_user("operator"))
    t = services.open_ticket(subject="Allegati", description="x", actor=op)
    token = csrf(client, f"/ticket/{t.id}")
    r = client.post(
        f"/ticket/{t.id}/allegati",
        data={"csrf_token": token, "file": (io.BytesIO(b"<html><script>alert(1)</script>"), "../../pagina.txt")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    (att,) = services.attachments_for(t.id, include_internal=True)
    assert att.filename == "pagina.txt"
    path = services.attachment_path(att.sha256)
    assert path.read_bytes().startswith(b"<html>")
    from flask import current_app

    assert str(path).startswith(current_app.config["ATTACHMENTS_DIR"])
    d = client.get(f"/ticket/allegati/{att.id}")
    assert d.status_code == 200
    assert d.headers["Content-Disposition"].startswith("attachment")
    assert d.headers["X-Content-Type-Options"] == "nosniff"
    assert d.data.startswith(b"<html>")


def test_type_and_size_limits(client, login, make_user, app):
    op = login(make_user("operator"))
    t = services.open_ticket(subject="Limiti", actor=op)
    token = csrf(client, f"/ticket/{t.id}")
    r = client.post(
        f"/ticket/{t.id}/allegati",
        data={"csrf_token": token, "file": (io.BytesIO(b"MZ..."), "virus.exe")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "tipo di file non ammesso" in r.get_data(as_text=True)
    app.config["TICKETS_MAX_ATTACHMENT_BYTES"] = 10
    try:
        r = client.post(
            f"/ticket/{t.id}/allegati",
            data={"csrf_token": token, "file": (io.BytesIO(b"x" * 11), "grande.pdf")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert "file troppo grande" in r.get_data(as_text=True)
    finally:
        app.config["TICKETS_MAX_ATTACHMENT_BYTES"] = 10 * 1024 * 1024
    assert services.attachments_for(t.id, include_internal=True) == []


def test_api_upload_limits_answer_422(api_as):
    api = api_as("operator")
    t = api.post("/api/v1/tickets", json={"subject": "Con file"}).get_json()
    bad = api.client.post(
        f"/api/v1/tickets/{t['id']}/attachments",
        data={"file": (io.BytesIO(b"x"), "script.js")},
        headers=api.headers,
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "file" in bad.get_json()["error"]["fields"]
    missing = api.client.post(f"/api/v1/tickets/{t['id']}/attachments", headers=api.headers)
    assert missing.status_code == 422
    ok = api.client.post(
        f"/api/v1/tickets/{t['id']}/attachments",
        data={"file": (io.BytesIO(b"%PDF-1.4"), "verbale.pdf")},
        headers=api.headers,
        content_type="multipart/form-data",
    )
    assert ok.status_code == 201
    body = ok.get_json()
    got = api.get(body["url"])
    assert got.status_code == 200 and got.data == b"%PDF-1.4"
    assert got.headers["X-Content-Type-Options"] == "nosniff"


def test_portal_request_with_attachment(client, login, referente):
    login(referente)
    token = csrf(client, "/portale/nuova")
    r = client.post(
        "/portale/nuova",
        data={
            "csrf_token": token,
            "subject": "Scanner guasto",
            "description": "Lo scanner dell'ufficio protocollo non si accende",
            "priority": "high",
            "service_id": "",
            "files": (io.BytesIO(b"\x89PNG"), "foto.png"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Scanner guasto" in page and "foto.png" in page

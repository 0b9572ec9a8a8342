"""POST /api/v1/tickets/{id}/messages as multipart/form-data (CONTRACT.md): the files belong to the message."""

from __future__ import annotations

import io


def test_a_multipart_reply_carries_its_files(api_as, run_jobs):
    api = api_as("admin")
    ticket = api.post("/api/v1/tickets", json={"subject": "Verbale"}).get_json()
    response = api.client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        data={
            "body": "Ecco i documenti",
            "internal": "false",
            "files": [(io.BytesIO(b"%PDF-1.4 uno"), "uno.pdf"), (io.BytesIO(b"due"), "due.txt")],
        },
        headers=api.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.data
    message = response.get_json()
    assert message["body"] == "Ecco i documenti" and message["internal"] is False
    assert sorted(a["filename"] for a in message["attachments"]) == ["due.txt", "uno.pdf"]
    assert {a["message_id"] for a in message["attachments"]} == {message["id"]}
    url = next(a["url"] for a in message["attachments"] if a["filename"] == "uno.pdf")
    assert api.get(url).data == b"%PDF-1.4 uno"


def test_a_multipart_reply_is_validated_like_json(api_as):
    api = api_as("admin")
    ticket = api.post("/api/v1/tickets", json={"subject": "Verbale"}).get_json()
    response = api.client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        data={"body": "ciao\x00", "internal": "forse"},
        headers=api.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert {"body", "internal"} <= set(response.get_json()["error"]["fields"])


def test_the_document_offers_both_content_types(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    content = spec["paths"]["/api/v1/tickets/{ticket_id}/messages"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    form = content["multipart/form-data"]["schema"]
    name = form["$ref"].rsplit("/", 1)[-1]
    files = spec["components"]["schemas"][name]["properties"]["files"]
    assert files["type"] == "array" and files["items"]["format"] == "binary"

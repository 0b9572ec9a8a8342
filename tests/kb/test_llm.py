"""The optional language model: a real OpenAI-compatible HTTP server started here; unset, nothing is sent."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def llm_server(app):
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "body": body})
            text = (
                "Bozza: annulli la coda di stampa."
                if "articoli" in body["messages"][0]["content"].lower()
                else ("Riassunto: la stampante dell'anagrafe non stampa.")
            )
            answer = json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    old = app.config.get("ASSIST_LLM_URL")
    app.config["ASSIST_LLM_URL"] = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield received
    app.config["ASSIST_LLM_URL"] = old
    server.shutdown()
    server.server_close()


def _ticket(make_org):
    from tickets.services import open_ticket

    return open_ticket(
        subject="La stampante non stampa i certificati",
        description="Allo sportello anagrafe.",
        organization_id=make_org().id,
        notify=False,
    )


def _token(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_summary_and_reply_draft_grounded_in_the_linked_articles(
    client, login, operator, make_org, make_article, llm_server
):
    from kb.services import link_article

    ticket = _ticket(make_org)
    article = make_article()
    link_article(ticket_id=ticket.id, article_id=article.id, actor=operator)
    login(operator)
    page = client.get(f"/ticket/{ticket.id}").get_data(as_text=True)
    assert "Bozza di risposta" in page and "kb-llm" in page
    headers = {"X-CSRFToken": _token(page)}
    summary = client.post(f"/ticket/{ticket.id}/kb/riassunto", headers=headers)
    assert summary.json == {"text": "Riassunto: la stampante dell'anagrafe non stampa."}
    draft = client.post(f"/ticket/{ticket.id}/kb/bozza", headers=headers)
    assert draft.json["text"] == "Bozza: annulli la coda di stampa."
    assert draft.json["articles"] == [{"id": article.id, "title": article.title}]
    assert [r["path"] for r in llm_server] == ["/v1/chat/completions", "/v1/chat/completions"]
    grounding = llm_server[1]["body"]["messages"][1]["content"]
    assert "annulla i documenti in coda" in grounding and "La stampante non stampa i certificati" in grounding


def test_without_the_url_nothing_is_offered_and_nothing_is_sent(client, login, operator, make_org, app):
    assert app.config["ASSIST_LLM_URL"] is None
    ticket = _ticket(make_org)
    login(operator)
    page = client.get(f"/ticket/{ticket.id}").get_data(as_text=True)
    assert "Suggerimenti" in page and "Bozza di risposta" not in page
    answer = client.post(f"/ticket/{ticket.id}/kb/bozza", headers={"X-CSRFToken": _token(page)})
    assert answer.status_code == 503


def test_a_referente_never_reaches_the_model(client, login, referente, make_org, llm_server):
    from tickets.services import open_ticket

    ticket = open_ticket(subject="Stampante", organization_id=referente.organization_id, notify=False)
    login(referente)
    page = client.get("/portale/nuova").get_data(as_text=True)
    answer = client.post(f"/ticket/{ticket.id}/kb/bozza", headers={"X-CSRFToken": _token(page)})
    assert answer.status_code == 403 and llm_server == []


def test_a_broken_model_server_is_a_clean_503(client, login, operator, make_org, app):
    app.config["ASSIST_LLM_URL"] = "http://127.0.0.1:9"  # discard port: nothing listens
    try:
        ticket = _ticket(make_org)
        login(operator)
        page = client.get(f"/ticket/{ticket.id}").get_data(as_text=True)
        answer = client.post(f"/ticket/{ticket.id}/kb/riassunto", headers={"X-CSRFToken": _token(page)})
        assert answer.status_code == 503
    finally:
        app.config["ASSIST_LLM_URL"] = None

"""Optional language model (``ASSIST_LLM_URL``, an OpenAI-compatible endpoint such as a local Ollama).

Unset: nothing here is offered and nothing is ever sent. Set: a ticket summary and a reply draft
grounded in the articles linked to the ticket (or, failing those, the best matching ones).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from flask import current_app

from app.auth.permissions import is_staff
from app.errors import NotFound, ServiceUnavailable
from kb.text import html_to_text


def enabled() -> bool:
    return bool(current_app.config.get("ASSIST_LLM_URL"))


def chat(messages: list[dict[str, str]]) -> str:
    base = (current_app.config.get("ASSIST_LLM_URL") or "").rstrip("/")
    if not base:
        raise ServiceUnavailable("modello linguistico non configurato")
    body = json.dumps(
        {"model": current_app.config.get("ASSIST_LLM_MODEL") or "llama3.1", "messages": messages, "temperature": 0.2}
    ).encode()
    headers = {"Content-Type": "application/json"}
    if current_app.config.get("ASSIST_LLM_API_KEY"):
        headers["Authorization"] = f"Bearer {current_app.config['ASSIST_LLM_API_KEY']}"
    request = urllib.request.Request(f"{base}/chat/completions", data=body, headers=headers, method="POST")  # noqa: S310
    try:
        timeout = float(current_app.config.get("ASSIST_LLM_TIMEOUT", 60))
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            answer = json.loads(response.read().decode("utf-8"))
        return str(answer["choices"][0]["message"]["content"]).strip()
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ServiceUnavailable("il modello linguistico non risponde") from exc


SUMMARY_PROMPT = "Riassumi in italiano, in 3 frasi, la richiesta di assistenza e il suo stato."


def _conversation(ticket: Any) -> str:
    from tickets.services import messages_for

    lines = [f"Oggetto: {ticket.subject}", f"Richiesta: {ticket.description}"]
    for m in messages_for(ticket.id, include_internal=False)[-12:]:
        lines.append(f"{m.author_label or 'Operatore'}: {m.body[:2000]}")
    return "\n".join(lines)[:12000]


def _ticket(user: Any, ticket_id: int) -> Any:
    if not is_staff(user):
        raise NotFound("ticket non trovato")
    from tickets.services import ticket_for

    return ticket_for(user, ticket_id)


def summarize_ticket(*, ticket_id: int, user: Any) -> str:
    ticket = _ticket(user, ticket_id)
    return chat(
        [
            {
                "role": "system",
                "content": "Riassumi in italiano, in 3 frasi, la richiesta di assistenza e il suo stato.",
            },
            {"role": "user", "content": _conversation(ticket)},
        ]
    )


def draft_reply(*, ticket_id: int, user: Any) -> dict[str, Any]:
    from kb.services import linked_articles, search_articles

    ticket = _ticket(user, ticket_id)
    articles = linked_articles(ticket.id) or [
        a for a, _ in search_articles(user, f"{ticket.subject} {ticket.description}", published_only=True, limit=3)
    ]
    sources = "\n\n".join(f"[{a.title}]\n{html_to_text(a.body)[:4000]}" for a in articles) or "(nessun articolo)"
    text = chat(
        [
            {
                "role": "system",
                "content": "Sei un operatore del centro di assistenza. Scrivi in italiano una risposta cortese e "
                "concreta alla richiesta, usando SOLO le informazioni degli articoli forniti. Se non bastano, "
                "dillo e chiedi i dettagli mancanti.",
            },
            {"role": "user", "content": f"Articoli:\n{sources}\n\nRichiesta:\n{_conversation(ticket)}"},
        ]
    )
    return {"text": text, "articles": [{"id": a.id, "title": a.title} for a in articles]}

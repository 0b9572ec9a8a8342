"""Assisted triage trained on resolved tickets: held-out accuracy printed, suggestions with confidence,
similar tickets, one click applies them, newer model versions reloaded."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from app.db import transaction

# Realistic requests per service; each ticket mixes one phrase with a comune and a detail.
CORPUS = {
    "ANPR": [
        "La stampante dell'anagrafe non stampa i certificati",
        "Certificato di residenza ANPR non si genera allo sportello",
        "Errore ANPR nella variazione di residenza",
        "Postazione anagrafe: la smart card ANPR non viene letta",
        "Carta d'identità elettronica: errore nella richiesta al Ministero",
    ],
    "pagoPA": [
        "Avviso pagoPA non riconosciuto dal tabaccaio",
        "Il cittadino ha pagato ma la posizione pagoPA risulta aperta",
        "Riconciliazione dei pagamenti pagoPA della mensa scolastica",
        "Codice avviso pagoPA errato sulla TARI",
        "Attivare un nuovo servizio di pagamento pagoPA per i diritti di segreteria",
    ],
    "SPID": [
        "Il cittadino non riesce ad accedere con SPID al portale dei servizi",
        "Errore SPID durante il login ai servizi online",
        "Accesso con CIE non funziona sul sito del comune",
        "Configurare il pulsante Entra con SPID sul portale istanze",
        "Errore 19 SPID troppi tentativi per i cittadini",
    ],
    "Protocollo": [
        "Non riesco a protocollare una PEC in arrivo",
        "Il registro di protocollo giornaliero non è andato in conservazione",
        "Segnatura di protocollo errata sui documenti in uscita",
        "Assegnare un protocollo all'ufficio tecnico",
        "Annullare una registrazione di protocollo sbagliata",
    ],
}
COMUNI = ["Bitonto", "Molfetta", "Altamura", "Monopoli", "Gioia del Colle", "Corato"]
DETAILS = ["da questa mattina", "da ieri", "urgente per lo sportello", "dopo l'aggiornamento", "a più utenti"]


@pytest.fixture
def history(make_service, make_org, operator):
    """120 resolved tickets over four services (urgent when the sportello is blocked)."""
    from tickets.models import TicketStatus
    from tickets.services import change_status, open_ticket

    services = {name: make_service(name=name) for name in CORPUS}
    org = make_org(name="Comune di Bitonto")
    made = []
    combos = itertools.product(CORPUS.items(), COMUNI, DETAILS)
    for (name, phrases), comune, detail in itertools.islice(combos, 0, None):
        if len(made) >= 120:
            break
        phrase = phrases[len(made) % len(phrases)]
        ticket = open_ticket(
            subject=f"{phrase} - Comune di {comune}",
            description=f"{phrase} {detail}. Grazie.",
            organization_id=org.id,
            service_id=services[name].id,
            priority="urgent" if "sportello" in detail else "normal",
            channel="email",
            notify=False,
            actor=operator,
        )
        change_status(ticket_id=ticket.id, status=TicketStatus.RESOLVED, actor=operator)
        made.append(ticket)
    return services, org, made


def test_train_prints_held_out_accuracy_and_suggests(app, history, operator, api_as, make_article):
    services, org, made = history
    result = app.test_cli_runner().invoke(args=["assist", "train"])
    assert result.exit_code == 0, result.output
    assert "service accuracy on the held-out split:" in result.output
    accuracy = float(result.output.split("service accuracy on the held-out split: ")[1].split("%")[0])
    assert accuracy >= 80.0

    from tickets.services import open_ticket

    new = open_ticket(
        subject="La stampante non stampa più i certificati di residenza",
        description="Allo sportello anagrafe la stampante non stampa i certificati.",
        organization_id=org.id,
        channel="portal",
        notify=False,
    )
    printer = make_article()
    answer = api_as("operator").get(f"/api/v1/tickets/{new.id}/suggestions")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["service"]["id"] == services["ANPR"].id and 0 < body["service"]["confidence"] <= 1
    assert body["priority"]["value"] in ("normal", "urgent")
    assert body["similar"] and body["similar"][0]["subject"].startswith("La stampante")
    assert {"id", "number", "subject", "score"} <= set(body["similar"][0])
    assert body["articles"][0]["id"] == printer.id
    assert api_as("referente").get(f"/api/v1/tickets/{new.id}/suggestions").status_code == 403
    assert api_as("operator").get("/api/v1/tickets/999999999999/suggestions").status_code == 404


def test_one_click_applies_service_and_priority_through_the_ticket_services(app, client, history, login, operator, db):
    from kb.assist import train
    from tickets.models import Ticket
    from tickets.services import open_ticket

    services, org, _ = history
    train()
    new = open_ticket(
        subject="Avviso pagoPA non riconosciuto in tabaccheria",
        description="Il codice avviso pagoPA della TARI non viene riconosciuto.",
        organization_id=org.id,
        channel="email",
        notify=False,
    )
    login(operator)
    page = client.get(f"/ticket/{new.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "kb-suggested-service" in html and "pagoPA" in html
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    applied = client.post(
        f"/ticket/{new.id}/kb/applica", data={"csrf_token": token, "service_id": services["pagoPA"].id}
    )
    assert applied.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, new.id).service_id == services["pagoPA"].id


def test_without_a_model_there_are_no_guesses_but_articles_still_come(api_as, make_article, make_org):
    from tickets.services import open_ticket

    printer = make_article()
    new = open_ticket(subject="La stampante non stampa", organization_id=make_org().id, notify=False)
    body = api_as("operator").get(f"/api/v1/tickets/{new.id}/suggestions").json
    assert body["service"] is None and body["priority"] is None and body["similar"] == []
    assert [a["id"] for a in body["articles"]] == [printer.id]


def test_too_few_tickets_is_a_clear_error_and_the_nightly_job_skips(app):
    from app.jobs import JOBS, PERIODIC

    result = app.test_cli_runner().invoke(args=["assist", "train"])
    assert result.exit_code == 1 and "almeno 20" in result.output
    assert PERIODIC["assist.train"] == 86400
    assert JOBS["assist.train"]() is None


def test_workers_reload_a_newer_model_version(app, history):
    from kb import assist
    from kb.models import AssistModel

    first = assist.train()
    version, payload = assist.current_model()
    assert version == first["version"] and payload is not None
    second = assist.train(limit=60)
    assert second["version"] > first["version"]
    assert assist.current_model()[0] == second["version"]
    from app.extensions import db

    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssistModel)) == 2
    with transaction():
        pass


def test_triage_page_shows_guesses_with_confidence_and_applies_in_one_click(
    client, history, login, operator, referente, db
):
    from kb.assist import train
    from tickets.models import Ticket
    from tickets.services import open_ticket

    services, org, _ = history
    train()
    new = open_ticket(
        subject="Errore SPID durante il login",
        description="Il cittadino non riesce ad accedere con SPID.",
        organization_id=org.id,
        channel="email",
        notify=False,
    )
    login(operator)
    page = client.get("/kb/smistamento")
    html = page.get_data(as_text=True)
    row = html.split(new.number)[1].split("</tr>")[0]
    assert page.status_code == 200 and "SPID" in row and "%)" in row
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    applied = client.post(
        f"/ticket/{new.id}/kb/applica",
        data={"csrf_token": token, "service_id": services["SPID"].id, "priority": "high", "ritorno": "smistamento"},
    )
    assert applied.status_code == 302 and applied.headers["Location"].endswith("/kb/smistamento")
    db.session.expire_all()
    ticket = db.session.get(Ticket, new.id)
    assert (ticket.service_id, ticket.priority.value) == (services["SPID"].id, "high")
    from app.errors import NotFound
    from kb.triage import triage_queue

    with pytest.raises(NotFound):
        triage_queue(user=referente)

"""Demo data of the ticket module: teams, canned responses and realistic requests of the Bari comuni.

Idempotent: teams and canned responses are looked up by name; tickets are created only when there are
none yet. Works without the CRM's demo too (tickets then have no ente).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.extensions import db
from tickets import services
from tickets.models import CannedResponse, Macro, MacroAssign, Team, Ticket, TicketStatus

TEAMS = [
    ("Primo livello", "primolivello@presidio.example.it"),
    ("Reti e sistemi", "sistemi@presidio.example.it"),
    ("Servizi digitali", "servizi@presidio.example.it"),
]

CANNED = [
    (
        "Presa in carico",
        "Gentile {richiedente},\nabbiamo preso in carico la richiesta {numero} ({oggetto}). "
        "La aggiorneremo appena possibile.\n\n{operatore}",
    ),
    (
        "Richiesta informazioni",
        "Gentile {richiedente},\nper procedere ci servono alcune informazioni: può indicarci da quando si "
        "presenta il problema e inviarci una schermata dell'errore?\n\n{operatore}",
    ),
    (
        "Risolto",
        "Gentile {richiedente},\nil problema segnalato con la richiesta {numero} è stato risolto. "
        "Se dovesse ripresentarsi, risponda pure a questo messaggio.\n\n{operatore}",
    ),
    (
        "Intervento programmato",
        "Gentile {richiedente},\nabbiamo programmato un intervento presso {ente}: la contatteremo per "
        "concordare data e ora.\n\n{operatore}",
    ),
    (
        "Credenziali SPID",
        "Gentile {richiedente},\nper i problemi di accesso con SPID verifichi prima che l'identità sia "
        "attiva sul sito del suo gestore; se l'errore persiste ci invii il codice che compare a video.",
    ),
]

# (subject, description, service code, priority, channel, team, tags)
REQUESTS = [
    (
        "Stampante dell'anagrafe non stampa i certificati",
        "Dalle 9 la stampante dell'ufficio anagrafe "
        "segnala carta inceppata ma non c'è carta bloccata. Gli sportelli sono fermi.",
        "anpr",
        "high",
        "phone",
        "Reti e sistemi",
        "stampanti",
    ),
    (
        "Cittadini non riescono ad accedere con SPID",
        "Diversi cittadini segnalano errore 19 all'accesso con SPID sul portale dei servizi online.",
        "spid-cie",
        "urgent",
        "email",
        "Servizi digitali",
        "spid",
    ),
    (
        "Avviso pagoPA non riconciliato",
        "Il pagamento della TARI di un cittadino risulta pagato sul portale pagoPA ma non nel gestionale tributi.",
        "pagopa",
        "normal",
        "pec",
        "Servizi digitali",
        "pagopa",
    ),
    (
        "Casella PEC del protocollo piena",
        "La PEC istituzionale rifiuta i messaggi in arrivo: spazio esaurito.",
        "pec",
        "urgent",
        "phone",
        "Primo livello",
        "pec",
    ),
    (
        "Richiesta nuovo servizio su App IO",
        "Vorremmo pubblicare su IO il servizio di prenotazione della mensa scolastica.",
        "app-io",
        "low",
        "portal",
        "Servizi digitali",
        "app-io",
    ),
    (
        "Sito istituzionale lento",
        "Le pagine dell'albo pretorio impiegano molti secondi a caricarsi.",
        "sito",
        "normal",
        "email",
        "Reti e sistemi",
        "sito",
    ),
    (
        "Wi-Fi della biblioteca comunale non funziona",
        "Gli utenti della biblioteca non riescono a collegarsi alla rete Wi-Fi pubblica da lunedì.",
        "reti",
        "normal",
        "phone",
        "Reti e sistemi",
        "wifi",
    ),
    (
        "Scanner del protocollo non acquisisce",
        "Lo scanner collegato alla postazione del protocollo non viene più visto dal programma di acquisizione.",
        "protocollo",
        "high",
        "portal",
        "Primo livello",
        "scanner",
    ),
    (
        "Subentro ANPR: errore nella rettifica anagrafica",
        "La rettifica di un indirizzo restituisce errore EN122 su ANPR.",
        "anpr",
        "high",
        "email",
        "Servizi digitali",
        "anpr",
    ),
    (
        "Backup del server non completato",
        "La notifica notturna segnala il backup del server dei servizi demografici come fallito.",
        "sicurezza",
        "urgent",
        "email",
        "Reti e sistemi",
        "backup",
    ),
    (
        "Corso sul nuovo protocollo per gli uffici",
        "Chiediamo una giornata di formazione per i dipendenti sul nuovo protocollo informatico.",
        "formazione",
        "low",
        "portal",
        "Primo livello",
        "formazione",
    ),
    (
        "Certificati online non scaricabili",
        "Dal portale dei servizi i cittadini non riescono a scaricare il certificato di residenza: pagina bianca.",
        "anpr",
        "high",
        "portal",
        "Servizi digitali",
        "certificati",
    ),
    (
        "Posta elettronica: messaggi finiti nello spam",
        "Le email inviate agli uffici da un fornitore finiscono nello spam.",
        "pec",
        "low",
        "email",
        "Primo livello",
        "posta",
    ),
    (
        "VPN per lo smart working non si collega",
        "Due dipendenti dell'ufficio tecnico non riescono ad avviare la VPN da casa.",
        "reti",
        "normal",
        "phone",
        "Reti e sistemi",
        "vpn",
    ),
    (
        "Macchina virtuale del gestionale tributi al 100% di CPU",
        "Il gestionale tributi è lentissimo, la VM risulta sempre al massimo.",
        "cloud",
        "high",
        "email",
        "Reti e sistemi",
        "cloud",
    ),
]

REPLIES = [
    "Abbiamo preso in carico la segnalazione, la aggiorniamo entro la giornata.",
    "Ci può inviare una schermata dell'errore e l'orario in cui si è presentato?",
    "Abbiamo eseguito un intervento da remoto: può verificare ora?",
    "Il fornitore ha confermato il problema e sta rilasciando una correzione.",
]
REQUESTER_REPLIES = [
    "Grazie, ecco la schermata richiesta. Il problema si presenta dalle 9:15.",
    "Verificato: adesso funziona. Grazie!",
    "Il problema si è ripresentato stamattina.",
]
NOTES = [
    "Chiamato il referente: l'ufficio è aperto fino alle 13.",
    "Verificare con il fornitore del gestionale prima di rispondere.",
]


# Macros: name, the canned response they post, their other actions.
MACROS: list[tuple[str, str, dict[str, Any]]] = [
    ("Prendi in carico", "Presa in carico", {"assign": MacroAssign.ME, "status": TicketStatus.OPEN}),
    (
        "Chiedi informazioni al comune",
        "Richiesta informazioni",
        {"status": TicketStatus.PENDING, "add_tags": "attesa-comune"},
    ),
]


def load(ctx: dict[str, Any]) -> None:
    from tickets.sla import demo as sla_demo

    sla_demo.load(ctx)  # calendar and SLA policies first, so the demo tickets get their due times
    with transaction():
        for name, email in TEAMS:
            if db.session.scalar(sa.select(Team).where(Team.name == name)) is None:
                db.session.add(Team(name=name, email=email, active=True))
        for title, body in CANNED:
            if db.session.scalar(sa.select(CannedResponse).where(CannedResponse.title == title)) is None:
                db.session.add(CannedResponse(title=title, body=body, active=True))
        db.session.flush()
        for name, canned_title, values in MACROS:
            if db.session.scalar(sa.select(Macro).where(Macro.name == name)) is None:
                canned_id = db.session.scalar(sa.select(CannedResponse.id).where(CannedResponse.title == canned_title))
                db.session.add(Macro(name=name, active=True, canned_id=canned_id, **values))
    ctx.setdefault("summary", {})["tickets_setup"] = {"teams": len(TEAMS), "canned": len(CANNED)}


def after_users(ctx: dict[str, Any]) -> None:
    # Idempotent by its own first request (other modules' demos may have opened tickets already).
    if db.session.scalar(sa.select(Ticket.id).where(Ticket.subject == REQUESTS[0][0]).limit(1)):
        return
    from app.auth.models import Role, User

    try:
        from crm.models import Contact, Organization, Service
    except ImportError:  # pragma: no cover - the CRM is always installed
        return
    operators = list(
        db.session.scalars(sa.select(User).where(User.role.in_((Role.OPERATOR, Role.ADMIN))).order_by(User.id))
    )
    operator = next((u for u in operators if u.role == Role.OPERATOR), operators[0] if operators else None)
    referente = db.session.scalar(sa.select(User).where(User.email == "referente@presidio.example.it"))
    orgs = list(
        db.session.scalars(sa.select(Organization).where(Organization.province == "BA").order_by(Organization.id))
    )
    services_by_code = {s.code: s.id for s in db.session.scalars(sa.select(Service))}
    teams = {t.name: t.id for t in services.list_teams()}
    rng = random.Random(4)
    now = utcnow()
    made: list[Ticket] = []
    for i in range(40):
        subject, description, srv, priority, channel, team, tag = REQUESTS[i % len(REQUESTS)]
        org = orgs[(i * 7) % len(orgs)] if orgs else None
        if referente is not None and i % 6 == 0:
            org = db.session.get(Organization, referente.organization_id)
        contact = None
        if org is not None:
            contact = db.session.scalar(
                sa.select(Contact).where(Contact.organization_id == org.id, Contact.email.is_not(None)).limit(1)
            )
        created = now - dt.timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
        actor = (
            referente
            if (referente is not None and org is not None and org.id == referente.organization_id)
            else operator
        )
        by_referente = referente is not None and actor is referente
        ticket = services.open_ticket(
            subject=subject,
            description=description,
            organization_id=org.id if org else None,
            requester_contact_id=(referente.contact_id if by_referente and referente is not None else None)
            or (contact.id if contact else None),
            service_id=services_by_code.get(srv),
            priority=priority,
            channel="portal" if by_referente else channel,
            # A referente never assigns: the operator does it just after (below).
            team_id=None if by_referente else teams.get(team),
            assignee_id=operator.id if operator is not None and i % 3 and not by_referente else None,
            tags=tag,
            actor=actor,
            created_at=created,
            notify=False,
        )
        made.append(ticket)
        if operator is None:
            continue
        if by_referente and (teams.get(team) or i % 3):
            services.assign(
                ticket_id=ticket.id,
                assignee_id=operator.id if i % 3 else None,
                team_id=teams.get(team),
                actor=operator,
            )
        at = created + dt.timedelta(hours=2)
        stage = i % 5
        if stage >= 1 and at < now:
            services.add_message(
                ticket_id=ticket.id,
                body=rng.choice(REPLIES),
                actor=operator,
                notify=False,
                now=at,
                channel="web",
            )
        if i % 4 == 0 and at < now:
            services.add_message(
                ticket_id=ticket.id,
                body=rng.choice(NOTES),
                internal=True,
                actor=operator,
                notify=False,
                now=at,
                channel="web",
            )
        later = created + dt.timedelta(days=1)
        if stage == 2 and later < now:
            services.change_status(ticket_id=ticket.id, status="pending", actor=operator, now=later, notify=False)
        if stage >= 3 and later < now:
            services.add_message(
                ticket_id=ticket.id,
                body=REQUESTER_REPLIES[0],
                author_contact_id=ticket.requester_contact_id,
                channel="email",
                author_label="Referente dell'ente",
                notify=False,
                now=later,
            )
            services.change_status(
                ticket_id=ticket.id, status="resolved", actor=operator, now=later + dt.timedelta(hours=3), notify=False
            )
            if stage == 4 and created < now - dt.timedelta(days=10):
                services.change_status(ticket_id=ticket.id, status="closed", now=later + dt.timedelta(days=7))
            if i % 2 == 0:
                services.rate_ticket(
                    ticket_id=ticket.id, rating=rng.choice([3, 4, 5, 5]), comment="Assistenza rapida e cortese."
                )
    # a duplicate merged into its original, and two related tickets linked
    if operator is not None and len(made) > 20:
        dup = services.open_ticket(
            subject=made[1].subject,
            description="Stesso problema segnalato anche dal vicesindaco.",
            organization_id=made[1].organization_id,
            channel="email",
            actor=operator,
            notify=False,
        )
        if made[1].status not in ("closed",):
            services.merge_tickets(source_id=dup.id, target_id=made[1].id, actor=operator)
        services.link_tickets(ticket_id=made[2].id, other_id=made[17].id, actor=operator)
    ctx.setdefault("summary", {})["tickets"] = len(made)
    from tickets.sla import demo as sla_demo

    sla_demo.after_users(ctx)  # time logged on the demo tickets

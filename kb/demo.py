"""Demo articles: what the comuni of the Bari area ask again and again. Idempotent (by slug)."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from app.errors import Invalid
from app.extensions import db

log = logging.getLogger("presidio.demo")

# (slug, service code, visibility, language, status, title, summary, body, tags, translation of slug)
ARTICLES: list[tuple[str, str | None, str, str, str, str, str, str, list[str], str | None]] = [
    (
        "stampante-anagrafe-non-stampa-certificati",
        "anpr",
        "public",
        "it",
        "published",
        "La stampante dell'anagrafe non stampa i certificati",
        "Il certificato ANPR resta in coda o esce bianco: come sbloccare la stampante dello sportello.",
        "<p>Quando la stampante dello sportello anagrafe non stampa i certificati emessi da ANPR, "
        "quasi sempre il problema è la coda di stampa del browser o il driver della stampante.</p>"
        "<ol><li>Chiudi e riapri il browser, poi rientra in ANPR con la smart card.</li>"
        "<li>Apri <strong>Impostazioni &gt; Stampanti</strong> e annulla i documenti in coda.</li>"
        "<li>Verifica che la stampante predefinita sia quella dello sportello e che non sia in pausa.</li>"
        "<li>Stampa il certificato in PDF e poi il PDF: se esce, il problema è il plugin di stampa del browser.</li>"
        "<li>Se la stampante segnala carta inceppata o toner esaurito, spegnila e riaccendila "
        "dopo averlo sostituito.</li></ol>"
        "<p>Se dopo questi passi la stampa non parte ancora, apri una richiesta indicando modello della "
        "stampante e messaggio di errore.</p>",
        ["stampante", "anpr", "certificati", "anagrafe"],
        None,
    ),
    (
        "accedere-servizi-online-con-spid",
        "spid-cie",
        "public",
        "it",
        "published",
        "Come accedere ai servizi online del comune con SPID o CIE",
        "I passi per il cittadino: scegliere il gestore SPID, usare la CIE con l'app CieID, "
        "cosa fare se l'accesso fallisce.",
        "<p>Per accedere ai servizi online del comune (certificati, pagamenti, istanze) serve SPID o la "
        "Carta d'Identità Elettronica.</p><h2>Con SPID</h2><ol><li>Premi <em>Entra con SPID</em> e scegli il tuo "
        "gestore d'identità.</li><li>Inserisci nome utente e password e conferma con l'app o l'SMS.</li></ol>"
        "<h2>Con la CIE</h2><p>Installa l'app CieID, registra la carta con il PIN e inquadra il QR code.</p>"
        "<h2>Se l'accesso non riesce</h2><ul><li>Errore 19 o 20: troppi tentativi, attendi e riprova.</li>"
        "<li>Credenziali sospese: contatta il tuo gestore SPID, non il comune.</li>"
        "<li>PIN della CIE dimenticato: usa il PUK o rivolgiti all'anagrafe.</li></ul>",
        ["spid", "cie", "cittadini", "accesso"],
        None,
    ),
    (
        "access-online-services-with-spid",
        "spid-cie",
        "public",
        "en",
        "published",
        "How to access the municipality's online services with SPID or CIE",
        "Steps for citizens: choose a SPID provider, use the CIE with the CieID app, what to do when login fails.",
        "<p>To use the municipality's online services (certificates, payments, applications) you need SPID "
        "or the Electronic Identity Card.</p><ol><li>Press <em>Entra con SPID</em> and choose your provider.</li>"
        "<li>Enter your credentials and confirm with the app or the SMS.</li></ol>"
        "<p>With the CIE: install the CieID app, register the card with its PIN and scan the QR code.</p>",
        ["spid", "cie", "citizens"],
        "accedere-servizi-online-con-spid",
    ),
    (
        "avviso-pagopa-codice-non-riconosciuto",
        "pagopa",
        "public",
        "it",
        "published",
        "Avviso pagoPA: come pagare e cosa fare se il codice avviso non viene riconosciuto",
        "Dove pagare un avviso pagoPA del comune e perché la banca o il tabaccaio possono dire "
        "che il codice non esiste.",
        "<p>Un avviso pagoPA si paga online (sito del comune, app IO, home banking con CBILL) o presso "
        "tabaccherie, uffici postali e sportelli bancari aderenti.</p><h2>Codice avviso non riconosciuto</h2>"
        "<ul><li>Controlla di aver inserito i 18 cifre del codice avviso e il codice fiscale dell'ente creditore.</li>"
        "<li>L'avviso potrebbe essere già pagato o annullato: verifica sull'app IO.</li>"
        "<li>Se l'avviso è appena stato emesso, attendi qualche ora che sia disponibile sul nodo pagoPA.</li></ul>"
        "<p>Gli uffici del comune possono verificare lo stato della posizione debitoria "
        "nel gestionale dei pagamenti.</p>",
        ["pagopa", "avviso", "pagamenti"],
        None,
    ),
    (
        "protocollo-registrare-pec-in-arrivo",
        "protocollo",
        "referenti",
        "it",
        "published",
        "Protocollo informatico: registrare una PEC in arrivo e assegnarla all'ufficio",
        "La PEC arriva nella casella istituzionale: come protocollarla, assegnarla e inviarla in conservazione.",
        "<ol><li>Apri la scrivania del protocollo e la cartella <strong>PEC da protocollare</strong>.</li>"
        "<li>Controlla mittente, oggetto e allegati; scegli il titolario e la classe.</li>"
        "<li>Premi <em>Protocolla</em>: il numero e la segnatura sono assegnati subito.</li>"
        "<li>Assegna il documento all'ufficio competente; il responsabile riceve la notifica.</li></ol>"
        "<p>Le ricevute di accettazione e consegna restano collegate al protocollo e vanno in conservazione "
        "con il pacchetto giornaliero.</p>",
        ["protocollo", "pec", "conservazione"],
        None,
    ),
    (
        "procedura-rinnovo-certificato-postazione-anpr",
        "anpr",
        "internal",
        "it",
        "published",
        "Procedura interna: rinnovo del certificato della postazione ANPR",
        "Per gli operatori: come guidare l'ufficio anagrafe nel rinnovo del certificato di postazione.",
        "<p>Verificare la scadenza nella console, chiedere all'ufficio il codice della postazione e seguire "
        "la procedura del Ministero. Annotare nel ticket la nuova scadenza.</p>",
        ["anpr", "procedura"],
        None,
    ),
    (
        "bozza-nuovo-indirizzo-pec-centro",
        "pec",
        "public",
        "it",
        "draft",
        "Nuovo indirizzo PEC del centro di assistenza",
        "Bozza in preparazione.",
        "<p>Da completare quando il nuovo indirizzo sarà attivo.</p>",
        ["pec"],
        None,
    ),
]


def load(ctx: dict[str, Any]) -> None:
    """Nothing before the users: the articles need an operator as their author."""


def after_users(ctx: dict[str, Any]) -> None:
    from app.auth.models import Role, User
    from crm.models import Service
    from kb.models import Article
    from kb.services import create_article

    author = db.session.scalar(
        sa.select(User).where(User.role.in_((Role.OPERATOR, Role.ADMIN))).order_by(User.role.desc(), User.id).limit(1)
    )
    if author is None:
        return
    services = {code: sid for code, sid in db.session.execute(sa.select(Service.code, Service.id))}
    made = 0
    for slug, service, visibility, language, status, title, summary, body, tags, original in ARTICLES:
        if db.session.scalar(sa.select(Article.id).where(Article.slug == slug)) is not None:
            continue
        original_id = db.session.scalar(sa.select(Article.id).where(Article.slug == original)) if original else None
        create_article(
            actor=author,
            slug=slug,
            title=title,
            summary=summary,
            body=body,
            service_id=services.get(service) if service else None,
            tags=tags,
            status=status,
            visibility=visibility,
            language=language,
            translation_of_id=original_id,
        )
        made += 1
    ctx.setdefault("summary", {})["kb_articles"] = made
    from kb.assist import train

    try:
        result = train()
        ctx["summary"]["assist_model"] = result["version"]
    except Invalid:
        log.info("demo: too few resolved tickets to train the suggestion model")

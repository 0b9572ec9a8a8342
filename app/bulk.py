"""`seed bulk`: realistic generated volume for benchmarks, loaded with PostgreSQL COPY.

Enti (comuni, unioni) with contacts and convenzioni, and tickets spread over several years with
3–8 Italian messages each, their status history, time entries, audit entries and a triage inbox.
Rows are generated in Python from a seeded random generator (the same arguments give the same
data) and streamed with ``COPY … FROM STDIN`` through psycopg 3. The plain indexes of the big
tables are dropped and rebuilt inside the same transaction (one pass instead of millions of
inserts into each b-tree or GIN index), and foreign keys are not re-checked row by row when the
table has no trigger of its own (the generator only writes ids it has just written).

The load is additive: ids continue after what is already there, so it can run on top of the demo.
1,000,000 tickets take a few minutes on a small machine. PostgreSQL only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import json
import random
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.extensions import db

# --- Italian vocabulary ---------------------------------------------------------------------------

FIRST_NAMES = [
    "Giuseppe",
    "Maria",
    "Antonio",
    "Anna",
    "Francesco",
    "Giovanna",
    "Vito",
    "Rosa",
    "Nicola",
    "Angela",
    "Michele",
    "Lucia",
    "Domenico",
    "Teresa",
    "Giovanni",
    "Carmela",
    "Pasquale",
    "Francesca",
    "Vincenzo",
    "Caterina",
    "Luigi",
    "Paola",
    "Salvatore",
    "Elena",
    "Marco",
    "Chiara",
    "Roberto",
    "Valentina",
    "Stefano",
    "Federica",
    "Alessandro",
    "Sara",
    "Andrea",
    "Giulia",
    "Luca",
    "Martina",
    "Davide",
    "Ilaria",
    "Pietro",
    "Simona",
    "Raffaele",
    "Donatella",
    "Cosimo",
    "Grazia",
    "Onofrio",
    "Addolorata",
    "Leonardo",
    "Marianna",
    "Savino",
    "Isabella",
]
LAST_NAMES = [
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De_Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzi",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Lombardo",
    "Serra",
    "Coppola",
    "De_Santis",
    "D'Angelo",
    "Marchetti",
    "Parisi",
    "Villa",
    "Conte",
    "Ferraro",
    "Fabbri",
    "Bianco",
    "Marini",
    "Grasso",
    "Valentini",
    "Messina",
    "Sala",
    "Lorusso",
    "De_Palma",
    "Lattanzio",
    "Colella",
    "Ranieri",
    "Lopopolo",
    "Sasso",
    "Di_Bari",
    "Capriati",
    "Laterza",
    "Stasi",
    "Amoruso",
]
TOWN_HEADS = [
    "San",
    "Santa",
    "Castel",
    "Monte",
    "Villa",
    "Torre",
    "Borgo",
    "Rocca",
    "Casal",
    "Poggio",
    "Pieve",
    "Acqua",
    "Castelnuovo",
    "Sant'Andrea",
    "Roccaforte",
    "Montalto",
    "Valle",
    "Porto",
    "Serra",
    "Colle",
    "Pietra",
    "Terra",
    "Fonte",
    "Ripa",
    "Bosco",
    "Campo",
    "Ponte",
    "Palazzo",
]
TOWN_TAILS = [
    "Vito",
    "Nicandro",
    "Marco",
    "Michele",
    "Severo",
    "Giorgio",
    "Lorenzo",
    "Pietro",
    "Donato",
    "Cesareo",
    "Ferdinando",
    "Paolo",
    "Biagio",
    "del Colle",
    "di Puglia",
    "al Monte",
    "sul Mare",
    "dei Normanni",
    "di Bari",
    "in Valle",
    "Vecchio",
    "Nuovo",
    "Superiore",
    "Inferiore",
    "Alto",
    "Basso",
    "d'Otranto",
    "delle Grotte",
    "Lucano",
    "Irpino",
    "Salentino",
    "Garganico",
    "Murgiano",
    "Calabro",
    "Sabino",
    "Marsicano",
    "Cilento",
    "Aurunco",
    "Ciociaro",
    "Euganeo",
    "Berico",
    "Canavese",
    "Monferrato",
    "Langhe",
    "Brianza",
]
PROVINCES = [
    "BA",
    "BT",
    "BR",
    "FG",
    "LE",
    "TA",
    "MT",
    "PZ",
    "CS",
    "CZ",
    "RC",
    "KR",
    "VV",
    "NA",
    "SA",
    "AV",
    "BN",
    "CE",
    "RM",
    "LT",
    "FR",
    "RI",
    "VT",
    "AQ",
    "TE",
    "PE",
    "CH",
    "CB",
    "IS",
    "PG",
    "TR",
    "AN",
    "PU",
    "MC",
    "FM",
    "AP",
    "FI",
    "PI",
    "LU",
    "LI",
    "GR",
    "SI",
    "AR",
    "PT",
    "PO",
    "MS",
    "BO",
    "MO",
    "RE",
    "PR",
    "PC",
    "FE",
    "RA",
    "FC",
    "RN",
    "TO",
    "CN",
    "AT",
    "AL",
    "NO",
    "VC",
    "BI",
    "VB",
    "MI",
    "BG",
    "BS",
    "CO",
    "CR",
    "LC",
    "LO",
    "MN",
    "PV",
    "SO",
    "VA",
    "MB",
    "VE",
    "VR",
    "VI",
    "PD",
    "TV",
    "BL",
    "RO",
    "UD",
    "PN",
    "GO",
    "TS",
    "TN",
    "BZ",
    "GE",
    "SP",
    "SV",
    "IM",
    "AO",
    "PA",
    "CT",
    "ME",
    "AG",
    "CL",
    "EN",
    "RG",
    "SR",
    "TP",
    "CA",
    "SS",
    "NU",
    "OR",
    "SU",
]
SERVICES = [
    ("PEC", "Posta elettronica certificata"),
    ("EMAIL", "Posta elettronica istituzionale"),
    ("SPID", "Accesso con SPID e CIE"),
    ("PAGOPA", "Pagamenti pagoPA"),
    ("ANPR", "Anagrafe nazionale (ANPR)"),
    ("APPIO", "App IO"),
    ("SITO", "Sito web istituzionale"),
    ("RETI", "Reti e connettività"),
    ("HOSTING", "Hosting e cloud"),
    ("PROTOCOLLO", "Protocollo informatico e gestione documentale"),
    ("SICUREZZA", "Sicurezza informatica"),
    ("FORMAZIONE", "Formazione del personale"),
]
TEAMS = ["Primo livello", "Reti e sistemi", "Piattaforme nazionali", "Applicativi e documentale"]
PROBLEMS = {
    "PEC": [
        "La casella PEC del protocollo non riceve messaggi",
        "Ricevuta di mancata consegna su invio PEC",
        "Casella PEC piena: impossibile inviare",
        "Password PEC scaduta per l'ufficio tributi",
        "Configurazione della PEC sul nuovo client di posta",
    ],
    "EMAIL": [
        "Posta istituzionale finisce nello spam",
        "Creazione casella email per nuovo dipendente",
        "Impossibile inviare allegati di grandi dimensioni",
        "Inoltro automatico della posta dell'ufficio tecnico",
    ],
    "SPID": [
        "Errore di accesso con SPID ai servizi online",
        "Integrazione CIE sul portale dei servizi",
        "I cittadini non riescono ad autenticarsi con SPID",
        "Rinnovo metadati SPID del comune",
    ],
    "PAGOPA": [
        "Pagamento TARI non risulta riconciliato su pagoPA",
        "Avviso di pagamento pagoPA con importo errato",
        "Configurazione nuovo servizio di incasso pagoPA",
        "Flusso di rendicontazione pagoPA non scaricato",
    ],
    "ANPR": [
        "Errore di allineamento con ANPR nelle variazioni anagrafiche",
        "Certificato anagrafico non emesso da ANPR",
        "Cambio di residenza bloccato in ANPR",
    ],
    "APPIO": [
        "Messaggi App IO non recapitati ai cittadini",
        "Attivazione del servizio scadenze su App IO",
    ],
    "SITO": [
        "Aggiornamento della sezione Amministrazione trasparente",
        "Il sito istituzionale è lento o non raggiungibile",
        "Pubblicazione all'albo pretorio non visibile",
        "Certificato HTTPS del sito scaduto",
    ],
    "RETI": [
        "Connessione internet assente negli uffici comunali",
        "VPN con il centro servizi non si collega",
        "Rete Wi-Fi della biblioteca non funziona",
        "Linea lenta nella sede distaccata dei servizi sociali",
    ],
    "HOSTING": [
        "Spazio disco esaurito sulla macchina virtuale del gestionale",
        "Richiesta di ripristino backup del server",
        "Macchina virtuale non raggiungibile dopo il riavvio",
    ],
    "PROTOCOLLO": [
        "Errore nella segnatura di protocollo",
        "Documento protocollato senza allegati",
        "Conservazione sostitutiva: pacchetto di versamento rifiutato",
        "Abilitazione al protocollo per il nuovo responsabile",
    ],
    "SICUREZZA": [
        "Email sospetta di phishing ricevuta dall'ufficio ragioneria",
        "Antivirus segnala un file infetto sul PC dell'anagrafe",
        "Richiesta di reset della password di dominio",
        "Sospetto accesso non autorizzato alla posta",
    ],
    "FORMAZIONE": [
        "Richiesta corso sul nuovo gestionale del protocollo",
        "Iscrizione al webinar su pagoPA e App IO",
        "Formazione del personale sulla sicurezza informatica",
    ],
}
OPENINGS = [
    "Buongiorno,",
    "Gentili colleghi,",
    "Salve,",
    "Buonasera,",
    "Spettabile Centro Servizi,",
    "Con la presente si segnala quanto segue.",
]
DETAILS = [
    "Da questa mattina l'ufficio {ufficio} non riesce a lavorare.",
    "Il problema si presenta su tutti i computer dell'ufficio {ufficio}.",
    "Abbiamo già provato a riavviare il computer senza risultato.",
    "L'errore compare dopo l'aggiornamento di ieri sera.",
    "Il messaggio di errore dice che il servizio non è disponibile.",
    "La scadenza per i cittadini è fissata per la fine del mese, quindi la questione è urgente.",
    "Vi allego la schermata dell'errore.",
    "Il collega dell'ufficio {ufficio} segnala lo stesso comportamento.",
    "Non riusciamo a completare le pratiche dei cittadini allo sportello.",
    "La segnalazione riguarda anche la sede distaccata.",
    "Vi chiediamo di intervenire il prima possibile.",
    "Il sindaco ha chiesto aggiornamenti entro la giornata.",
    "Il tecnico della ditta esterna dice che il problema non dipende da loro.",
    "Il servizio funzionava correttamente fino alla settimana scorsa.",
]
UFFICI = [
    "anagrafe",
    "protocollo",
    "ragioneria",
    "tributi",
    "tecnico",
    "servizi sociali",
    "polizia locale",
    "segreteria",
    "stato civile",
    "personale",
]
CLOSINGS = ["Cordiali saluti.", "Grazie per la collaborazione.", "Restiamo in attesa di riscontro.", "Saluti."]
REPLIES = [
    "Abbiamo preso in carico la segnalazione e la stiamo analizzando.",
    "Potete indicarci il numero di telefono del referente per un contatto diretto?",
    "Abbiamo verificato la configurazione e corretto un parametro del server di posta.",
    "Il servizio è stato ripristinato: potete verificare che tutto funzioni?",
    "Abbiamo riavviato il servizio e svuotato la coda dei messaggi.",
    "La richiesta è stata inoltrata al fornitore della piattaforma nazionale.",
    "Vi inviamo le istruzioni aggiornate per la configurazione.",
    "Il certificato è stato rinnovato e installato.",
    "L'utenza è stata abilitata con i permessi richiesti.",
    "Abbiamo programmato un intervento in sede per domani mattina.",
]
FOLLOW_UPS = [
    "Confermiamo che adesso funziona, grazie.",
    "Il problema si ripresenta solo su un computer.",
    "Vi mandiamo il numero: 080 555 1234, chiedere dell'ufficio {ufficio}.",
    "Abbiamo provato ma l'errore è ancora presente.",
    "Grazie, tutto risolto. Potete chiudere la richiesta.",
]
NOTES = [
    "Nota interna: verificato sul pannello del provider, casella al 98%.",
    "Nota interna: coinvolgere il secondo livello se non si risolve entro domani.",
    "Nota interna: stesso problema segnalato da altri enti questa settimana.",
    "Nota interna: in attesa di risposta del fornitore.",
]
TIME_NOTES = [
    "Analisi e risoluzione da remoto",
    "Intervento in sede",
    "Configurazione e test",
    "Assistenza telefonica",
    "Verifica con il fornitore",
]

CHANNELS = ("email", "pec", "phone", "portal", "web", "sms", "api")
CHANNEL_WEIGHTS = (35, 15, 20, 20, 5, 2, 3)
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_WEIGHTS = (20, 60, 15, 5)
ROLES = ("rtd", "ragioneria", "responsabile_si", "segretario")


# --- helpers ----------------------------------------------------------------------------------


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in text.lower() if c.isalnum())


def _luhn_it(digits10: str) -> str:
    """Codice fiscale / partita IVA check digit (shared/DOMAIN.md)."""
    total = 0
    for i, ch in enumerate(digits10):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits10 + str((10 - total % 10) % 10)


@dataclass
class _Ticket:
    id: int
    created: dt.datetime
    org: int
    contact: int
    channel: str
    status: str
    first_response: dt.datetime | None
    resolved: dt.datetime | None
    closed: dt.datetime | None
    assignee: int | None
    service: int


@dataclass
class BulkResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [f"{k}={v:,}" for k, v in self.counts.items()]
        return "bulk load: " + ", ".join(parts) + f" in {sum(self.seconds.values()):.0f}s"


class _Loader:
    def __init__(self, conn: Any, echo: Callable[[str], None]):
        self.conn = conn  # a psycopg 3 connection
        self.echo = echo
        self.meta = db.metadata
        self.superuser = bool(self.scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            row = cur.fetchone()
            return row[0] if row else None

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())

    def next_id(self, table: str) -> int:
        return int(self.scalar(f"SELECT coalesce(max(id), 0) + 1 FROM {table}"))  # noqa: S608

    def _enum_names(self, table: str, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
        """The generator writes enum values; SQLAlchemy's ``Enum`` columns store the member names."""
        model_table = self.meta.tables.get(table)
        out: list[tuple[int, dict[str, str]]] = []
        if model_table is None:
            return out
        for i, name in enumerate(columns):
            col = model_table.columns.get(name)
            enum_class = getattr(getattr(col, "type", None), "enum_class", None)
            if enum_class is not None:
                out.append((i, {m.value: m.name for m in enum_class}))
        return out

    def _constant_defaults(self, table: str, given: Sequence[str]) -> dict[str, Any]:
        """Values for NOT NULL columns the generator does not know (added by a module later)."""
        out: dict[str, Any] = {}
        model_table = self.meta.tables.get(table)
        if model_table is None:
            return out
        for col in model_table.columns:
            if col.name in given or col.primary_key or col.server_default is not None or col.nullable:
                continue
            default: Any = col.default
            if default is None:
                continue
            if getattr(default, "is_scalar", False):
                value = default.arg
            elif getattr(default, "is_callable", False):
                try:
                    value = default.arg(None)
                except TypeError:
                    value = default.arg()
            else:
                continue
            if isinstance(value, enum.Enum):
                value = value.name  # SQLAlchemy stores an enum's name
            if isinstance(value, dict | list):
                value = json.dumps(value)
            out[col.name] = value
        return out

    def copy(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        rebuild: bool = False,
        disable_triggers: bool = False,
        finish: Callable[[Any, str, list[str]], None] | None = None,
    ) -> int:
        """COPY ``rows`` into ``table`` in one transaction.

        ``rebuild``: drop the plain indexes first and build them again at the end (much faster than
        updating them row by row). ``disable_triggers``: the table's own triggers do not fire (the
        caller computes what they would have maintained). ``finish(cursor, table, columns)``: rows go
        to a temporary copy of the table instead, and ``finish`` moves them in (e.g. with a computed
        column); it runs before the indexes are built.
        """
        extra = self._constant_defaults(table, columns)
        cols = list(columns) + list(extra)
        tail = tuple(extra.values())
        enums = self._enum_names(table, columns)
        started = time.monotonic()
        n = 0
        with self.conn.transaction(), self.conn.cursor() as cur:
            indexes: list[tuple[str, str]] = []
            user_triggers = self.scalar(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", (table,)
            )
            cur.execute("SET LOCAL lock_timeout = '60s'")  # fail clearly if a transaction holds the table
            if user_triggers and disable_triggers:
                cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            if (not user_triggers or disable_triggers) and self.superuser:
                cur.execute("SET LOCAL session_replication_role = replica")  # no per-row FK checks
            if rebuild:
                cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
                indexes = self.rows(
                    """SELECT i.relname, pg_get_indexdef(i.oid)
                       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                       WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
                         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""",
                    (table,),
                )
                for name, _ in indexes:
                    cur.execute(f'DROP INDEX "{name}"')
            target = table
            if finish is not None:
                target = f"bulk_{table}"
                cur.execute(f"CREATE TEMP TABLE {target} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
            with cur.copy(f"COPY {target} ({', '.join(cols)}) FROM STDIN") as cp:
                for row in rows:
                    if enums:
                        row = list(row)
                        for i, names in enums:
                            if row[i] is not None:
                                row[i] = names[row[i]]
                    cp.write_row(tuple(row) + tail if tail else row)
                    n += 1
            if finish is not None:
                finish(cur, target, cols)
            for _, ddl in indexes:
                cur.execute(ddl)
            if user_triggers and disable_triggers:
                cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        self.echo(f"  {table}: {n:,} rows in {time.monotonic() - started:.1f}s")
        return n

    def fix_sequence(self, table: str) -> None:
        self.scalar(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"  # noqa: S608
        )
        self.conn.commit()


def _number_sequences(loader: _Loader) -> list[tuple[int, str]]:
    """(year, name) of the per-year ticket number sequences that exist (PostgreSQL)."""
    rows = loader.rows(
        "SELECT relname FROM pg_class WHERE relkind = 'S' AND relname ~ '^ticket_number_[0-9]+$' "
        "AND relnamespace = 'public'::regnamespace"
    )
    return [(int(name.rsplit("_", 1)[1]), name) for (name,) in rows]


def _has_column(loader: _Loader, table: str, column: str) -> bool:
    return bool(
        loader.scalar(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            (table, column),
        )
    )


def _with_search_document(cur: Any, staging: str, cols: list[str]) -> None:
    """Move the staged tickets in with their full-text document (subject A, description B, public
    messages C: what the tickets module's triggers maintain), computed in one set-based pass."""
    names = ", ".join(cols)
    staged = ", ".join(f"s.{c}" for c in cols)
    cur.execute(
        f"""INSERT INTO tickets ({names}, search_vector)
        SELECT {staged},
               setweight(to_tsvector('italian', coalesce(s.subject, '')), 'A')
            || setweight(to_tsvector('italian', coalesce(s.description, '')), 'B')
            || setweight(to_tsvector('italian', coalesce(m.doc, '')), 'C')
        FROM {staging} s
        LEFT JOIN (SELECT ticket_id, string_agg(body, ' ' ORDER BY id) AS doc
                   FROM ticket_messages
                   WHERE NOT internal AND ticket_id >= (SELECT min(id) FROM {staging})
                   GROUP BY ticket_id) m ON m.ticket_id = s.id"""  # noqa: S608
    )


def _has_table(loader: _Loader, table: str) -> bool:
    return bool(loader.scalar("SELECT to_regclass(%s) IS NOT NULL", (table,)))


def load_bulk(
    *,
    tickets: int,
    orgs: int | None = None,
    years: int = 5,
    seed: int = 2026,
    now: dt.datetime | None = None,
    echo: Callable[[str], None] = print,
) -> BulkResult:
    """Generate and COPY ``tickets`` tickets (and ``orgs`` enti, default one per 125 tickets)."""
    if db.engine.dialect.name != "postgresql":
        raise RuntimeError("seed bulk needs PostgreSQL (DATABASE_URL=postgresql+psycopg://…)")
    if tickets < 0:
        raise ValueError("--tickets must be positive")
    orgs = orgs if orgs is not None else max(10, min(8000, tickets // 125))
    if orgs < 1:
        raise ValueError("--orgs must be at least 1")
    rnd = random.Random(seed)
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    result = BulkResult()
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.autocommit = False
        loader = _Loader(conn, echo)
        t0 = time.monotonic()
        org_ids, org_weights, contacts_by_org = _load_crm(loader, rnd, orgs, now, result)
        result.seconds["crm"] = time.monotonic() - t0
        t0 = time.monotonic()
        operator_ids = _ensure_operators(loader, now)
        team_ids = _ensure_teams(loader, now)
        service_ids = [r[0] for r in loader.rows("SELECT id FROM services ORDER BY id")]
        tks = _plan_tickets(
            loader, rnd, tickets, years, now, org_ids, org_weights, contacts_by_org, operator_ids, service_ids
        )
        _load_tickets(loader, rnd, tks, team_ids, now, result)
        result.seconds["tickets"] = time.monotonic() - t0
        conn.commit()
        with conn.cursor() as cur:
            conn.autocommit = True
            for table in (
                "organizations",
                "contacts",
                "agreements",
                "tickets",
                "ticket_messages",
                "ticket_status_changes",
                "time_entries",
                "audit_entries",
                "inbound_items",
            ):
                if _has_table(loader, table):
                    # sets the visibility map too (index-only scans), as autovacuum would later
                    cur.execute(f"VACUUM (ANALYZE) {table}")
    finally:
        with contextlib.suppress(Exception):
            conn.rollback()
            conn.autocommit = False  # the connection goes back to the app's pool
        raw.close()
    return result


# --- CRM --------------------------------------------------------------------------------------------


def _load_crm(
    loader: _Loader, rnd: random.Random, n_orgs: int, now: dt.datetime, result: BulkResult
) -> tuple[list[int], list[float], dict[int, list[int]]]:
    existing = loader.rows("SELECT istat_code, belfiore_code, ipa_code, name FROM organizations")
    used_istat = {r[0] for r in existing if r[0]}
    used_belfiore = {r[1] for r in existing if r[1]}
    used_ipa = {r[2] for r in existing if r[2]}
    used_names = {r[3] for r in existing}
    start = loader.next_id("organizations")
    org_rows = []
    org_ids: list[int] = []
    weights: list[float] = []
    populations: dict[int, int] = {}
    istat_seq = 0
    bel_seq = 0
    created = now - dt.timedelta(days=365 * 6)
    for i in range(n_orgs):
        oid = start + i
        kind = "comune" if rnd.random() < 0.93 else rnd.choice(["unione_comuni", "unione_montana"])
        while True:
            town = f"{rnd.choice(TOWN_HEADS)} {rnd.choice(TOWN_TAILS)}"
            name = (
                f"Comune di {town}"
                if kind == "comune"
                else ("Unione dei Comuni " if kind == "unione_comuni" else "Unione Montana ") + town
            )
            if name not in used_names:
                break
            town = f"{town} {rnd.choice(TOWN_TAILS)}"
            name = f"{name} {rnd.choice(TOWN_TAILS)}"
            if name not in used_names:
                break
        used_names.add(name)
        prov = PROVINCES[(i * 7) % len(PROVINCES)]
        istat = belfiore = ipa = None
        if kind == "comune":
            while True:
                istat_seq += 1
                istat = f"{1 + istat_seq // 999:03d}{istat_seq % 999 + 1:03d}"
                if istat not in used_istat:
                    break
            while bel_seq < 26 * 999:
                bel_seq += 1
                cand = f"{chr(65 + bel_seq % 26)}{bel_seq // 26 % 1000:03d}"
                if cand not in used_belfiore:
                    belfiore = cand
                    break
            ipa = f"c_{belfiore.lower()}" if belfiore else f"c_bulk{oid}"
        else:
            ipa = f"u_bulk{oid}"
        if ipa in used_ipa:
            ipa = f"bulk_{oid}"
        used_istat.add(istat)
        used_belfiore.add(belfiore)
        used_ipa.add(ipa)
        pop = int(min(300_000, max(300, rnd.lognormvariate(8.3, 1.1))))
        populations[oid] = pop
        slug = _slug(town)[:30]
        cf = _luhn_it(f"8{oid % 10**9:09d}")
        org_rows.append(
            (
                oid, kind, name, istat, belfiore, cf, cf, ipa,
                f"UF{oid % 10000:04d}"[:6], f"protocollo@pec.comune.{slug}.{prov.lower()}.it",
                f"info@comune.{slug}.{prov.lower()}.it", f"+39080{rnd.randint(1000000, 9999999)}",
                f"Piazza Municipio {rnd.randint(1, 40)}", f"{rnd.randint(10, 98)}0{rnd.randint(10, 99)}",
                town, prov, "Puglia" if prov in ("BA", "BT", "BR", "FG", "LE", "TA") else "",
                pop, 2023, f"{oid % 90 + 10:02d}", True, "", created, created,
            )
        )  # fmt: skip
        org_ids.append(oid)
        weights.append(pop**0.6)
    result.counts["organizations"] = loader.copy(
        "organizations",
        [
            "id",
            "kind",
            "name",
            "istat_code",
            "belfiore_code",
            "fiscal_code",
            "vat_number",
            "ipa_code",
            "sdi_code",
            "pec",
            "email",
            "phone",
            "address",
            "zip_code",
            "city",
            "province",
            "region",
            "population",
            "population_year",
            "pagopa_segregation_code",
            "active",
            "notes",
            "created_at",
            "updated_at",
        ],
        org_rows,
    )
    loader.fix_sequence("organizations")

    cstart = loader.next_id("contacts")
    contact_rows = []
    contacts_by_org: dict[int, list[int]] = {}
    cid = cstart
    for oid, row in zip(org_ids, org_rows, strict=True):
        domain = row[10].split("@", 1)[1]
        ids = []
        for role in ROLES[: rnd.randint(2, 4)]:
            first, last = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES).replace("_", " ")
            email = f"{_slug(first)}.{_slug(last)}.{cid}@{domain}"
            contact_rows.append(
                (cid, oid, f"{first} {last}", role, email, f"+39080{rnd.randint(1000000, 9999999)}",
                 False, True, created, False, False, True, "", created, created)
            )  # fmt: skip
            ids.append(cid)
            cid += 1
        contacts_by_org[oid] = ids
    result.counts["contacts"] = loader.copy(
        "contacts",
        [
            "id",
            "organization_id",
            "name",
            "role",
            "email",
            "phone",
            "only_own_requests",
            "consent",
            "consent_at",
            "email_failing",
            "sms_notifications",
            "active",
            "notes",
            "created_at",
            "updated_at",
        ],
        contact_rows,
    )
    loader.fix_sequence("contacts")

    have = {r[0] for r in loader.rows("SELECT code FROM services")}
    sstart = loader.next_id("services")
    new_services = [
        (sstart + i, code, name, "", True, created, created)
        for i, (code, name) in enumerate((c, n) for c, n in SERVICES if c not in have)
    ]
    if new_services:
        loader.copy(
            "services", ["id", "code", "name", "description", "active", "created_at", "updated_at"], new_services
        )
        loader.fix_sequence("services")
    service_ids = [r[0] for r in loader.rows("SELECT id FROM services ORDER BY id")]

    astart = loader.next_id("agreements")
    agreement_rows = []
    links = []
    for i, oid in enumerate(org_ids):
        aid = astart + i
        start_year = rnd.choice([2021, 2022, 2023, 2024])
        pop = populations[oid]
        agreement_rows.append(
            (aid, oid, f"CONV-B{aid:07d}", f"{rnd.randint(1, 9999)}/{start_year}",
             f"Convenzione per i servizi digitali {start_year}-{start_year + 4}",
             dt.date(start_year, 1, 1), dt.date(start_year + 4, 12, 31), "active",
             "fattura" if rnd.random() < 0.35 else "richiesta_pagamento",
             Decimal(rnd.choice([300, 500, 800, 1200, 2000])) if pop > 1000 else Decimal(300),
             Decimal(rnd.choice(["0.10", "0.15", "0.20", "0.25"])), Decimal(rnd.choice([10, 20, 40])),
             Decimal("45.00"), rnd.choice(["standard", "standard", "premium"]), None, None, "", created, created)
        )  # fmt: skip
        for sid in rnd.sample(service_ids, k=min(len(service_ids), rnd.randint(3, 7))):
            links.append((aid, sid))
    result.counts["agreements"] = loader.copy(
        "agreements",
        [
            "id",
            "organization_id",
            "code",
            "protocol_number",
            "title",
            "start_date",
            "end_date",
            "status",
            "billing_document",
            "annual_fee_fixed",
            "fee_per_inhabitant",
            "included_hours",
            "hourly_rate",
            "sla_tier",
            "cig",
            "cup",
            "notes",
            "created_at",
            "updated_at",
        ],
        agreement_rows,
    )
    loader.copy("agreement_services", ["agreement_id", "service_id"], links)
    loader.fix_sequence("agreements")
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    return org_ids, cum, contacts_by_org


def _ensure_operators(loader: _Loader, now: dt.datetime) -> list[int]:
    existing = {r[0] for r in loader.rows("SELECT email FROM users WHERE email LIKE 'operatore.bulk%%'")}
    start = loader.next_id("users")
    rows: list[tuple] = []
    for i in range(1, 31):
        email = f"operatore.bulk{i:02d}@presidio.local"
        if email not in existing:
            first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i * 7) % len(LAST_NAMES)].replace("_", " ")
            rows.append((start + len(rows), email, f"{first} {last}", None, "operator", True, now, now))
    if rows:
        loader.copy(
            "users", ["id", "email", "name", "password_hash", "role", "active", "created_at", "updated_at"], rows
        )
        loader.fix_sequence("users")
    return [r[0] for r in loader.rows("SELECT id FROM users WHERE email LIKE 'operatore.bulk%%' ORDER BY id")]


def _ensure_teams(loader: _Loader, now: dt.datetime) -> list[int]:
    have = {r[0] for r in loader.rows("SELECT name FROM teams")}
    start = loader.next_id("teams")
    rows = [(start + i, n, None, True, now, now) for i, n in enumerate(t for t in TEAMS if t not in have)]
    if rows:
        loader.copy("teams", ["id", "name", "email", "active", "created_at", "updated_at"], rows)
        loader.fix_sequence("teams")
    return [r[0] for r in loader.rows("SELECT id FROM teams ORDER BY id")]


# --- tickets ----------------------------------------------------------------------------------------


def _plan_tickets(
    loader: _Loader,
    rnd: random.Random,
    n: int,
    years: int,
    now: dt.datetime,
    org_ids: list[int],
    org_cum: list[float],
    contacts_by_org: dict[int, list[int]],
    operators: list[int],
    services: list[int],
) -> list[_Ticket]:
    span = years * 365 * 86400
    # Volume grows over the years (more enti join): draw with a density rising towards today.
    offsets = sorted(int(span * (rnd.random() ** 0.8)) for _ in range(n))
    start_ts = now - dt.timedelta(seconds=span)
    first_id = loader.next_id("tickets")
    orgs = rnd.choices(org_ids, cum_weights=org_cum, k=n)
    channels = rnd.choices(CHANNELS, weights=CHANNEL_WEIGHTS, k=n)
    out = []
    for i in range(n):
        created = start_ts + dt.timedelta(seconds=offsets[i])
        age_days = (now - created).days
        r = rnd.random()
        if age_days > 30:
            status = "closed" if r < 0.93 else ("resolved" if r < 0.97 else "pending")
        elif age_days > 3:
            status = "closed" if r < 0.5 else "resolved" if r < 0.7 else "pending" if r < 0.82 else "open"
        else:
            status = "new" if r < 0.35 else "open" if r < 0.75 else "pending" if r < 0.9 else "resolved"
        first_response = created + dt.timedelta(minutes=rnd.randint(5, 600)) if status != "new" else None
        resolved: dt.datetime | None = None
        closed: dt.datetime | None = None
        if first_response is not None and status in ("resolved", "closed"):
            resolved = min(first_response + dt.timedelta(minutes=rnd.randint(30, 60 * 24 * 6)), now)
            if status == "closed":
                closed = min(resolved + dt.timedelta(days=rnd.randint(1, 10)), now)
        org = orgs[i]
        out.append(
            _Ticket(
                id=first_id + i,
                created=created,
                org=org,
                contact=rnd.choice(contacts_by_org[org]),
                channel=channels[i],
                status=status,
                first_response=first_response,
                resolved=resolved,
                closed=closed,
                assignee=rnd.choice(operators) if status != "new" else None,
                service=rnd.choice(services),
            )
        )
    return out


def _request_text(rnd: random.Random, problem: str) -> str:
    ufficio = rnd.choice(UFFICI)
    details = " ".join(d.format(ufficio=ufficio) for d in rnd.sample(DETAILS, k=rnd.randint(2, 4)))
    return f"{rnd.choice(OPENINGS)}\n{problem}. {details}\n{rnd.choice(CLOSINGS)}"


def _load_tickets(
    loader: _Loader, rnd: random.Random, tks: list[_Ticket], team_ids: list[int], now: dt.datetime, result: BulkResult
) -> None:
    if not tks:
        return
    service_codes = dict(loader.rows("SELECT id, code FROM services"))
    contact_names = dict(loader.rows("SELECT id, name FROM contacts"))
    user_names = dict(loader.rows("SELECT id, name FROM users"))
    counters: dict[int, int] = dict(loader.rows("SELECT year, last FROM ticket_counters"))
    for year, seq in _number_sequences(loader):  # numbers the app gave out since (tickets.models NUMBER_DDL)
        last_value, is_called = loader.rows(f'SELECT last_value, is_called FROM "{seq}"')[0]  # noqa: S608
        counters[year] = max(counters.get(year, 0), int(last_value) if is_called else int(last_value) - 1)
    subjects: list[str] = []
    descriptions: list[str] = []
    for t in tks:
        code = service_codes.get(t.service, "")
        problem = rnd.choice(PROBLEMS.get(code) or PROBLEMS["RETI"])
        subjects.append(problem)
        descriptions.append(_request_text(rnd, problem))

    def ticket_rows() -> Iterable[tuple]:
        for t, subject, desc in zip(tks, subjects, descriptions, strict=True):
            year = t.created.year
            counters[year] = counters.get(year, 0) + 1
            prio = rnd.choices(PRIORITIES, weights=PRIORITY_WEIGHTS)[0]
            frd = t.created + dt.timedelta(hours=4)
            rsd = t.created + dt.timedelta(days=3)
            if t.status in ("resolved", "closed"):
                sla = "met" if (t.resolved and t.resolved <= rsd) else "breached"
            elif t.status == "pending":
                sla = "paused"
            else:
                sla = "breached" if now > rsd else ("at_risk" if now > rsd - dt.timedelta(hours=8) else "ok")
            updated = t.closed or t.resolved or t.first_response or t.created
            yield (
                t.id, f"AST-{year}-{counters[year]:06d}", subject, desc, t.status, prio, t.channel, t.org,
                t.contact, t.service, t.assignee, team_ids[t.id % len(team_ids)] if team_ids else None,
                frd, rsd, t.first_response, t.resolved, t.closed, sla, t.created, updated,
            )  # fmt: skip

    msg_start = loader.next_id("ticket_messages")

    def message_rows() -> Iterable[tuple]:
        mid = msg_start
        for t, desc in zip(tks, descriptions, strict=True):
            k = rnd.randint(3, 8)
            end = t.resolved or t.first_response or t.created + dt.timedelta(hours=1)
            if end > now:
                end = now
            step = max(60.0, (end - t.created).total_seconds() / k)
            requester = contact_names.get(t.contact, "")
            operator = user_names.get(t.assignee, "") if t.assignee else ""
            ufficio = rnd.choice(UFFICI)
            for j in range(k):
                at = t.created + dt.timedelta(seconds=int(step * j))
                if j == 0:
                    yield (mid, t.id, desc, False, None, t.contact, requester, t.channel, None, at)
                elif t.assignee and j % 2 == 1:
                    if rnd.random() < 0.15:
                        yield (mid, t.id, rnd.choice(NOTES), True, t.assignee, None, operator, "portal", None, at)
                    else:
                        body = f"Gentile {requester},\n{rnd.choice(REPLIES)}\nCordiali saluti,\n{operator}"
                        yield (mid, t.id, body, False, t.assignee, None, operator, "portal", None, at)
                else:
                    body = rnd.choice(FOLLOW_UPS).format(ufficio=ufficio)
                    yield (mid, t.id, body, False, None, t.contact, requester, t.channel, None, at)
                mid += 1

    result.counts["ticket_messages"] = loader.copy(
        "ticket_messages",
        [
            "id",
            "ticket_id",
            "body",
            "internal",
            "author_user_id",
            "author_contact_id",
            "author_label",
            "channel",
            "external_ref",
            "created_at",
        ],
        message_rows(),
        rebuild=True,
        disable_triggers=True,
    )
    loader.fix_sequence("ticket_messages")

    result.counts["tickets"] = loader.copy(
        "tickets",
        [
            "id",
            "number",
            "subject",
            "description",
            "status",
            "priority",
            "channel",
            "organization_id",
            "requester_contact_id",
            "service_id",
            "assignee_id",
            "team_id",
            "first_response_due",
            "resolution_due",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "sla_state",
            "created_at",
            "updated_at",
        ],
        ticket_rows(),
        rebuild=True,
        disable_triggers=True,
        finish=_with_search_document if _has_column(loader, "tickets", "search_vector") else None,
    )
    loader.fix_sequence("tickets")
    with loader.conn.cursor() as cur:
        for year, last in counters.items():
            cur.execute(
                "INSERT INTO ticket_counters (year, last) VALUES (%s, %s) "
                "ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last",
                (year, last),
            )
        for year, seq in _number_sequences(loader):
            if counters.get(year):
                cur.execute("SELECT setval(%s::regclass, %s)", (seq, counters[year]))
    loader.conn.commit()

    sc_start = loader.next_id("ticket_status_changes")

    def status_rows() -> Iterable[tuple]:
        sid = sc_start
        for t in tks:
            steps: list[tuple[str | None, str, dt.datetime, int | None]] = [(None, "new", t.created, None)]
            if t.first_response:
                steps.append(("new", "open", t.first_response, t.assignee))
            if t.status == "pending":
                steps.append(("open", "pending", t.first_response or t.created, t.assignee))
            if t.resolved:
                steps.append(("open", "resolved", t.resolved, t.assignee))
            if t.closed:
                steps.append(("resolved", "closed", t.closed, None))
            for frm, to, at, actor in steps:
                yield (sid, t.id, frm, to, at, actor)
                sid += 1

    result.counts["ticket_status_changes"] = loader.copy(
        "ticket_status_changes",
        ["id", "ticket_id", "from_status", "to_status", "at", "actor_id"],
        status_rows(),
        rebuild=True,
    )
    loader.fix_sequence("ticket_status_changes")

    te_start = loader.next_id("time_entries")

    def time_rows() -> Iterable[tuple]:
        tid = te_start
        for t in tks:
            if t.assignee is None or rnd.random() > 0.4:
                continue
            for _ in range(rnd.randint(1, 2)):
                work = (t.resolved or t.first_response or t.created).date()
                yield (tid, t.id, t.org, t.assignee, rnd.choice([15, 30, 30, 45, 60, 90, 120]),
                       rnd.random() < 0.7, rnd.choice(TIME_NOTES), work, t.resolved or t.created)  # fmt: skip
                tid += 1

    result.counts["time_entries"] = loader.copy(
        "time_entries",
        ["id", "ticket_id", "organization_id", "user_id", "minutes", "billable", "note", "work_date", "created_at"],
        time_rows(),
        rebuild=True,
    )
    loader.fix_sequence("time_entries")

    au_start = loader.next_id("audit_entries")

    def audit_rows() -> Iterable[tuple]:
        aid = au_start
        for t, subject in zip(tks, subjects, strict=True):
            changes = json.dumps(
                {"subject": [None, subject], "status": [None, "new"], "organization_id": [None, t.org]},
                ensure_ascii=False,
            )
            yield (aid, t.created, None, None, "tickets", str(t.id), t.org, "create", changes)
            aid += 1
            if t.closed:
                yield (aid, t.closed, t.assignee, None, "tickets", str(t.id), t.org, "update",
                       json.dumps({"status": ["resolved", "closed"]}))  # fmt: skip
                aid += 1

    result.counts["audit_entries"] = loader.copy(
        "audit_entries",
        ["id", "at", "actor_id", "request_id", "object_type", "object_id", "organization_id", "action", "changes"],
        audit_rows(),
        rebuild=True,
    )
    loader.fix_sequence("audit_entries")

    if _has_table(loader, "inbound_items"):
        _load_inbound(loader, rnd, tks, subjects, descriptions, contact_names, now, result)


def _load_inbound(
    loader: _Loader,
    rnd: random.Random,
    tks: list[_Ticket],
    subjects: list[str],
    descriptions: list[str],
    contact_names: dict[int, str],
    now: dt.datetime,
    result: BulkResult,
) -> None:
    """Email and PEC tickets of the last 90 days came through the triage inbox; a few still wait there."""
    emails = dict(loader.rows("SELECT id, email FROM contacts"))
    start = loader.next_id("inbound_items")
    recent = now - dt.timedelta(days=90)

    def rows() -> Iterable[tuple]:
        iid = start
        for t, subject, desc in zip(tks, subjects, descriptions, strict=True):
            if t.created < recent or t.channel not in ("email", "pec"):
                continue
            yield (iid, t.channel, "ticketed", f"<bulk-{t.id}@bulk.presidio.local>", t.created,
                   contact_names.get(t.contact, ""), emails.get(t.contact), None, subject, desc, None, t.org,
                   t.contact, "known", t.id, None, None, "{}", t.assignee, t.first_response)  # fmt: skip
            iid += 1
        waiting = tks[-min(len(tks), 400) :]
        for t in waiting:
            yield (iid, "email", "new", f"<bulk-new-{iid}@bulk.presidio.local>", t.created,
                   contact_names.get(t.contact, ""), emails.get(t.contact), None,
                   "Re: " + subjects[t.id - tks[0].id], descriptions[t.id - tks[0].id], None, t.org, t.contact,
                   "probable", None, None, None, "{}", None, None)  # fmt: skip
            iid += 1

    result.counts["inbound_items"] = loader.copy(
        "inbound_items",
        [
            "id",
            "channel",
            "status",
            "dedupe_key",
            "received_at",
            "sender_name",
            "sender_email",
            "sender_phone",
            "subject",
            "body_text",
            "body_html",
            "organization_id",
            "contact_id",
            "match_confidence",
            "ticket_id",
            "ticket_message_id",
            "reason",
            "meta",
            "handled_by_id",
            "handled_at",
        ],
        rows(),
        rebuild=True,
    )
    loader.fix_sequence("inbound_items")

"""Tickets: the assistance requests of the comuni, their conversation and the time spent on them."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.db import TimestampMixin, UTCDateTime, register_ddl, utcnow
from app.extensions import Model
from app.labels import enum_labels


class TicketStatus(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Channel(enum.StrEnum):
    PORTAL = "portal"
    EMAIL = "email"
    PEC = "pec"
    PHONE = "phone"
    SMS = "sms"
    WEB = "web"
    API = "api"


class SlaState(enum.StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"


enum_labels(
    TicketStatus,
    {
        "new": _l("Nuovo"),
        "open": _l("Aperto"),
        "pending": _l("In attesa"),
        "resolved": _l("Risolto"),
        "closed": _l("Chiuso"),
    },
)
enum_labels(Priority, {"low": _l("Bassa"), "normal": _l("Normale"), "high": _l("Alta"), "urgent": _l("Urgente")})
enum_labels(
    Channel,
    {
        "portal": _l("Portale"),
        "email": _l("Email"),
        "pec": _l("PEC"),
        "phone": _l("Telefono"),
        "sms": _l("SMS"),
        "web": _l("Web"),
        "api": _l("API"),
    },
    name="TicketChannel",
)
enum_labels(
    SlaState,
    {
        "ok": _l("In regola"),
        "at_risk": _l("A rischio"),
        "breached": _l("Scaduto"),
        "paused": _l("In pausa"),
        "met": _l("Rispettato"),
    },
)


class Team(TimestampMixin, Model):
    """A group of operators (e.g. "Primo livello", "Reti e sistemi") that tickets can be routed to."""

    __tablename__ = "teams"
    __audit__ = True
    __audit_label__ = _l("Gruppo")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True, nullable=False)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)


class TicketCounter(Model):
    """Per-year counter behind the human ticket number (AST-2026-000123)."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class Ticket(TimestampMixin, Model):
    __tablename__ = "tickets"
    __audit__ = True
    __audit_label__ = _l("Richiesta")
    __audit_exclude__ = ("search_vector",)
    __table_args__ = (
        sa.Index("ix_tickets_status_id", "status", "id"),
        sa.Index("ix_tickets_org_id", "organization_id", "id"),
        sa.Index("ix_tickets_assignee_status", "assignee_id", "status"),
        sa.Index("ix_tickets_resolution_due", "resolution_due"),
        sa.Index("ix_tickets_service", "service_id"),
        sa.Index("ix_tickets_created_at", "created_at"),
        sa.Index("ix_tickets_channel", "channel"),
        sa.Index("ix_tickets_sla_state", "sla_state"),
        sa.Index("ix_tickets_priority", "priority"),
        sa.Index("ix_tickets_resolved_at", "status", "resolved_at"),
        sa.Index("ix_tickets_merged_into", "merged_into_id"),
        sa.Index("ix_tickets_follow_up_of", "follow_up_of_id"),
        sa.Index("ix_tickets_search", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True, nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    status: Mapped[TicketStatus] = mapped_column(
        sa.Enum(TicketStatus, native_enum=False, length=10), nullable=False, default=TicketStatus.NEW
    )
    priority: Mapped[Priority] = mapped_column(
        sa.Enum(Priority, native_enum=False, length=10), nullable=False, default=Priority.NORMAL
    )
    channel: Mapped[Channel] = mapped_column(
        sa.Enum(Channel, native_enum=False, length=10), nullable=False, default=Channel.PORTAL
    )
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id", ondelete="RESTRICT"))
    requester_contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("services.id", ondelete="RESTRICT"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    first_response_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolution_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    first_responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sla_state: Mapped[SlaState] = mapped_column(
        sa.Enum(SlaState, native_enum=False, length=10), nullable=False, default=SlaState.OK
    )
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"))
    follow_up_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"))
    # Satisfaction survey after resolution (1–5 and a comment).
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(sa.Text)
    rated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # PostgreSQL full-text document (subject, description, public messages; `italian` configuration),
    # kept by triggers (see FTS_DDL below). Unused text column on SQLite, which searches with LIKE.
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR().with_variant(sa.Text(), "sqlite"), deferred=True, nullable=True
    )


class TicketMessage(Model):
    __tablename__ = "ticket_messages"
    __audit__ = True
    __audit_label__ = _l("Messaggio di richiesta")
    __audit_exclude__ = ("body",)
    __table_args__ = (sa.Index("ix_ticket_messages_ticket_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    internal: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    author_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    author_contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    channel: Mapped[Channel] = mapped_column(
        sa.Enum(Channel, native_enum=False, length=10), nullable=False, default=Channel.PORTAL
    )
    # The channel's own id of this message (an email's Message-ID, a Twilio MessageSid): threading
    # and idempotency for the contact center.
    external_ref: Mapped[str | None] = mapped_column(sa.String(300), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class TicketStatusChange(Model):
    """Every status a ticket went through, with when and who: the SLA clock reads its pauses from here."""

    __tablename__ = "ticket_status_changes"
    __table_args__ = (sa.Index("ix_ticket_status_changes_ticket", "ticket_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    from_status: Mapped[TicketStatus | None] = mapped_column(sa.Enum(TicketStatus, native_enum=False, length=10))
    to_status: Mapped[TicketStatus] = mapped_column(sa.Enum(TicketStatus, native_enum=False, length=10), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class TicketAttachment(Model):
    """A file on a ticket (or on one of its messages), stored outside the web root by content hash."""

    __tablename__ = "ticket_attachments"
    __audit__ = True
    __audit_label__ = _l("Allegato di richiesta")
    __table_args__ = (sa.Index("ix_ticket_attachments_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket_messages.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(127), nullable=False, default="application/octet-stream")
    size: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    content_id: Mapped[str | None] = mapped_column(sa.String(250))  # inline image in an email (cid:)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class TimeEntry(Model):
    __tablename__ = "time_entries"
    __audit__ = True
    __audit_label__ = _l("Tempo registrato")
    __table_args__ = (
        sa.Index("ix_time_entries_ticket", "ticket_id"),
        sa.Index("ix_time_entries_org_date", "organization_id", "work_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    minutes: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    billable: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    work_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class TicketTag(Model):
    """A free label on a ticket ("stampanti", "pagoPA", "urgente-sindaco")."""

    __tablename__ = "ticket_tags"
    __table_args__ = (sa.Index("ix_ticket_tags_tag", "tag", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(sa.String(50), primary_key=True)


class TicketLink(Model):
    """Two related tickets (both directions are stored)."""

    __tablename__ = "ticket_links"
    __table_args__ = (sa.Index("ix_ticket_links_other", "other_id"),)

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    other_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class TicketCc(Model):
    """A contact copied on a ticket: it follows it even when it may see only its own requests."""

    __tablename__ = "ticket_ccs"
    __table_args__ = (sa.Index("ix_ticket_ccs_contact", "contact_id"),)

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)


class CannedResponse(TimestampMixin, Model):
    """A ready answer with placeholders ({numero}, {oggetto}, {richiedente}, {ente}, {operatore})."""

    __tablename__ = "canned_responses"
    __audit__ = True
    __audit_label__ = _l("Risposta predefinita")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(150), unique=True, nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)


class MacroAssign(enum.StrEnum):
    """What a macro does to the assignee: nothing, the operator applying it, a named operator, nobody."""

    KEEP = "keep"
    ME = "me"
    USER = "user"
    NOBODY = "nobody"


enum_labels(
    MacroAssign,
    {
        "keep": _l("non cambiare"),
        "me": _l("a chi applica la macro"),
        "user": _l("all'operatore indicato"),
        "nobody": _l("a nessuno (togli l'assegnazione)"),
    },
)


class Macro(TimestampMixin, Model):
    """A named set of actions an operator applies to a ticket in one go (status, priority, assignment,
    a canned reply or note, tags). Applied through the ticket services, so rules, audit, SLA and
    notifications are those of the same changes made by hand."""

    __tablename__ = "ticket_macros"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True, nullable=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    status: Mapped[TicketStatus | None] = mapped_column(sa.Enum(TicketStatus, native_enum=False, length=20))
    priority: Mapped[Priority | None] = mapped_column(sa.Enum(Priority, native_enum=False, length=20))
    assign: Mapped[MacroAssign] = mapped_column(
        sa.Enum(MacroAssign, native_enum=False, length=10), nullable=False, default=MacroAssign.KEEP
    )
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"))
    canned_id: Mapped[int | None] = mapped_column(sa.ForeignKey("canned_responses.id", ondelete="SET NULL"))
    canned_internal: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    add_tags: Mapped[str] = mapped_column(sa.String(1100), nullable=False, default="")
    remove_tags: Mapped[str] = mapped_column(sa.String(1100), nullable=False, default="")


# Full-text search on PostgreSQL: the ticket's document is its subject (weight A), description (B)
# and public messages (C). New messages are appended; edits, deletions and moves (merge) rebuild it.
FTS_DDL = (
    """CREATE OR REPLACE FUNCTION tickets_search_document(tid integer, subj text, descr text)
RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT setweight(to_tsvector('italian', coalesce(subj, '')), 'A')
      || setweight(to_tsvector('italian', coalesce(descr, '')), 'B')
      || setweight(to_tsvector('italian', coalesce((
           SELECT string_agg(m.body, ' ') FROM ticket_messages m
           WHERE m.ticket_id = tid AND NOT m.internal), '')), 'C')
$$""",
    """CREATE OR REPLACE FUNCTION tickets_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.search_vector := setweight(to_tsvector('italian', coalesce(NEW.subject, '')), 'A')
                      || setweight(to_tsvector('italian', coalesce(NEW.description, '')), 'B');
  ELSE
    NEW.search_vector := tickets_search_document(NEW.id, NEW.subject, NEW.description);
  END IF;
  RETURN NEW;
END $$""",
    """CREATE TRIGGER tickets_search_update BEFORE INSERT OR UPDATE OF subject, description ON tickets
FOR EACH ROW EXECUTE FUNCTION tickets_search_trigger()""",
    """CREATE OR REPLACE FUNCTION ticket_messages_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NOT NEW.internal THEN
      UPDATE tickets SET search_vector = coalesce(search_vector, ''::tsvector)
        || setweight(to_tsvector('italian', coalesce(NEW.body, '')), 'C') WHERE id = NEW.ticket_id;
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN
    UPDATE tickets SET search_vector = tickets_search_document(id, subject, description) WHERE id = OLD.ticket_id;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.ticket_id <> OLD.ticket_id THEN
    UPDATE tickets SET search_vector = tickets_search_document(id, subject, description) WHERE id = NEW.ticket_id;
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER ticket_messages_search_insert AFTER INSERT ON ticket_messages
FOR EACH ROW EXECUTE FUNCTION ticket_messages_search_trigger()""",
    """CREATE TRIGGER ticket_messages_search_change
AFTER UPDATE OF body, internal, ticket_id OR DELETE ON ticket_messages
FOR EACH ROW EXECUTE FUNCTION ticket_messages_search_trigger()""",
)
register_ddl("postgresql", *FTS_DDL)

# Ticket numbers on PostgreSQL: one sequence per year (``ticket_number_2026``), created on first use,
# so concurrent openings never wait on a counter row (numbers are unique; a rolled-back opening leaves
# a gap). The sequence starts after the year's ``ticket_counters`` row (older data, the bulk loader)
# and is owned by ``ticket_counters.last``: ``TRUNCATE ticket_counters RESTART IDENTITY`` resets it.
NUMBER_DDL = (
    """CREATE OR REPLACE FUNCTION ticket_number_sequence(y integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  seq text := 'ticket_number_' || y;
  floor_value bigint;
BEGIN
  IF to_regclass(seq) IS NOT NULL THEN
    RETURN seq;
  END IF;
  PERFORM pg_advisory_xact_lock(74110, y);
  BEGIN
    EXECUTE 'CREATE SEQUENCE ' || quote_ident(seq) || ' OWNED BY ticket_counters.last';
  EXCEPTION WHEN duplicate_table OR unique_violation THEN
    RETURN seq;
  END;
  SELECT last INTO floor_value FROM ticket_counters WHERE year = y;
  IF coalesce(floor_value, 0) > 0 THEN
    PERFORM setval(seq, floor_value);
  END IF;
  RETURN seq;
END $$""",
    """CREATE OR REPLACE FUNCTION ticket_number_next(prefix text, y integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  n bigint := nextval(ticket_number_sequence(y)::regclass);
BEGIN
  RETURN prefix || '-' || y || '-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END;
END $$""",
)
register_ddl("postgresql", *NUMBER_DDL)

# The embedded default (SQLite, `make run`): an FTS5 index of subject, description and public messages,
# rowid = ticket id, kept by triggers. FTS5 has no Italian stemmer: `tickets.services.sqlite_match_query`
# searches word stems as prefixes, so "stampanti" finds "stampante" there too.
SQLITE_FTS_DDL = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS tickets_fts
USING fts5(subject, body, tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS tickets_fts_insert AFTER INSERT ON tickets BEGIN
  INSERT INTO tickets_fts(rowid, subject, body)
  VALUES (NEW.id, coalesce(NEW.subject, ''), coalesce(NEW.description, ''));
END""",
    """CREATE TRIGGER IF NOT EXISTS tickets_fts_update AFTER UPDATE OF subject, description ON tickets BEGIN
  DELETE FROM tickets_fts WHERE rowid = OLD.id;
  INSERT INTO tickets_fts(rowid, subject, body) VALUES (NEW.id, coalesce(NEW.subject, ''),
    coalesce(NEW.description, '') || ' ' || coalesce((SELECT group_concat(m.body, ' ') FROM ticket_messages m
      WHERE m.ticket_id = NEW.id AND NOT m.internal), ''));
END""",
    """CREATE TRIGGER IF NOT EXISTS tickets_fts_delete AFTER DELETE ON tickets BEGIN
  DELETE FROM tickets_fts WHERE rowid = OLD.id;
END""",
    """CREATE TRIGGER IF NOT EXISTS tickets_fts_message AFTER INSERT ON ticket_messages WHEN NOT NEW.internal BEGIN
  UPDATE tickets_fts SET body = body || ' ' || coalesce(NEW.body, '') WHERE rowid = NEW.ticket_id;
END""",
)
register_ddl("sqlite", *SQLITE_FTS_DDL)

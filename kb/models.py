"""Knowledge base: articles with their versions, feedback, attachments; deflections; assist models."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.db import TimestampMixin, UTCDateTime, register_ddl, utcnow
from app.extensions import Model
from app.labels import enum_labels

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Visibility(enum.StrEnum):
    PUBLIC = "public"  # anyone, no login
    REFERENTI = "referenti"  # referenti of the enti and staff
    INTERNAL = "internal"  # staff only


class Language(enum.StrEnum):
    IT = "it"
    EN = "en"


enum_labels(
    ArticleStatus,
    {"draft": _l("Bozza"), "published": _l("Pubblicato"), "archived": _l("Archiviato")},
    name="ArticleStatus",
)
enum_labels(
    Visibility,
    {
        "public": _l("Pubblico (tutti)"),
        "referenti": _l("Referenti degli enti"),
        "internal": _l("Interno (solo operatori)"),
    },
    name="ArticleVisibility",
)
enum_labels(Language, {"it": _l("Italiano"), "en": _l("Inglese")}, name="ArticleLanguage")


class Article(TimestampMixin, Model):
    """One article in one language. Translations share ``translation_of_id`` (the original's id)."""

    __tablename__ = "kb_articles"
    __audit__ = True
    __audit_label__ = _l("Articolo della knowledge base")
    __audit_exclude__ = ("search_vector", "views", "helpful_yes", "helpful_no", "body_text")
    __table_args__ = (
        sa.Index("ix_kb_articles_status_visibility", "status", "visibility", "id"),
        sa.Index("ix_kb_articles_service", "service_id"),
        sa.Index("ix_kb_articles_language", "language"),
        sa.Index("ix_kb_articles_translation_of", "translation_of_id"),
        sa.Index("ix_kb_articles_source_ticket", "source_ticket_id"),
        sa.Index("ix_kb_articles_search", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    summary: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="")
    body: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")  # sanitized HTML
    body_text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")  # plain text, for search
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("services.id", ondelete="SET NULL"))
    tags: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    status: Mapped[ArticleStatus] = mapped_column(
        sa.Enum(ArticleStatus, native_enum=False, length=10), nullable=False, default=ArticleStatus.DRAFT
    )
    visibility: Mapped[Visibility] = mapped_column(
        sa.Enum(Visibility, native_enum=False, length=10), nullable=False, default=Visibility.PUBLIC
    )
    language: Mapped[Language] = mapped_column(
        sa.Enum(Language, native_enum=False, length=2), nullable=False, default=Language.IT
    )
    translation_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kb_articles.id", ondelete="SET NULL"))
    source_ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    views: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    helpful_yes: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    helpful_no: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    # PostgreSQL: tsvector kept by a trigger ('italian' or 'english' by language). SQLite: kb_articles_fts.
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR().with_variant(sa.Text(), "sqlite"), deferred=True, nullable=True
    )


class ArticleVersion(Model):
    """The article as it was saved by one edit (the current one included): never changed afterwards."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (sa.UniqueConstraint("article_id", "version", name="uq_kb_article_versions"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    summary: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="")
    body: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    visibility: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    note: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class ArticleFeedback(Model):
    """ "Was this helpful": one row per user, or per anonymous browser (a random cookie id)."""

    __tablename__ = "kb_feedback"
    __audit__ = True
    __audit_label__ = _l("Giudizio su articolo")
    __table_args__ = (
        sa.UniqueConstraint("article_id", "user_id", name="uq_kb_feedback_user"),
        sa.UniqueConstraint("article_id", "browser_id", name="uq_kb_feedback_browser"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    browser_id: Mapped[str | None] = mapped_column(sa.String(64))
    helpful: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    comment: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class ArticleAttachment(Model):
    __tablename__ = "kb_attachments"
    __audit__ = True
    __audit_label__ = _l("Allegato di articolo")

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Deflection(Model):
    """A request not sent: the requester said an article suggested beside the form solved it."""

    __tablename__ = "kb_deflections"
    __table_args__ = (sa.Index("ix_kb_deflections_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False, index=True
    )
    source: Mapped[str] = mapped_column(sa.String(10), nullable=False)  # portal | web
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    query: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class TicketArticle(Model):
    """An article linked to a ticket by an operator (sent in a reply, or grounding a reply draft)."""

    __tablename__ = "kb_ticket_articles"
    __audit__ = True
    __audit_label__ = _l("Articolo collegato a richiesta")

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class AssistModel(Model):
    """One trained suggestion model; the file lives in app.storage under ``key``. Newest id wins."""

    __tablename__ = "assist_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    trained_on: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    tested_on: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    service_accuracy: Mapped[float | None] = mapped_column(sa.Float)
    priority_accuracy: Mapped[float | None] = mapped_column(sa.Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


# PostgreSQL full-text search: title (A), summary (B), body text and tags (C), in the article's language.
FTS_DDL = (
    """CREATE OR REPLACE FUNCTION kb_articles_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cfg regconfig := CASE WHEN NEW.language = 'en' THEN 'english'::regconfig ELSE 'italian'::regconfig END;
BEGIN
  NEW.search_vector := setweight(to_tsvector(cfg, coalesce(NEW.title, '')), 'A')
    || setweight(to_tsvector(cfg, coalesce(NEW.summary, '')), 'B')
    || setweight(to_tsvector(cfg, coalesce(NEW.body_text, '') || ' ' || coalesce(NEW.tags::text, '')), 'C');
  RETURN NEW;
END $$""",
    """CREATE TRIGGER kb_articles_search_update BEFORE INSERT OR UPDATE OF title, summary, body_text, tags, language
ON kb_articles FOR EACH ROW EXECUTE FUNCTION kb_articles_search_trigger()""",
)
register_ddl("postgresql", *FTS_DDL)

# The embedded default (SQLite): an FTS5 index, rowid = article id, kept by triggers. No Italian
# stemmer in FTS5: kb.search uses tickets.services.sqlite_match_query (word stems as prefixes).
SQLITE_FTS_DDL = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS kb_articles_fts
USING fts5(title, summary, body, tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS kb_articles_fts_insert AFTER INSERT ON kb_articles BEGIN
  INSERT INTO kb_articles_fts(rowid, title, summary, body)
  VALUES (NEW.id, coalesce(NEW.title, ''), coalesce(NEW.summary, ''),
    coalesce(NEW.body_text, '') || ' ' || coalesce(NEW.tags, ''));
END""",
    """CREATE TRIGGER IF NOT EXISTS kb_articles_fts_update
AFTER UPDATE OF title, summary, body_text, tags ON kb_articles BEGIN
  DELETE FROM kb_articles_fts WHERE rowid = OLD.id;
  INSERT INTO kb_articles_fts(rowid, title, summary, body)
  VALUES (NEW.id, coalesce(NEW.title, ''), coalesce(NEW.summary, ''),
    coalesce(NEW.body_text, '') || ' ' || coalesce(NEW.tags, ''));
END""",
    """CREATE TRIGGER IF NOT EXISTS kb_articles_fts_delete AFTER DELETE ON kb_articles BEGIN
  DELETE FROM kb_articles_fts WHERE rowid = OLD.id;
END""",
)
register_ddl("sqlite", *SQLITE_FTS_DDL)

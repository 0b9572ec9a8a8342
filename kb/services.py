"""Knowledge-base rules: who reads what, every edit a version, feedback once per reader, deflections.

Stable seams: ``visible_article``, ``search_articles``, ``suggest``, ``public_url``, ``record_deflection``,
``deflection_stats``, ``linked_articles``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.api import keyset_page
from app.auth.models import Role
from app.auth.permissions import is_staff
from app.db import transaction, utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.extensions import db
from app.text import unsafe_char
from kb.models import (
    Article,
    ArticleAttachment,
    ArticleFeedback,
    ArticleStatus,
    ArticleVersion,
    Deflection,
    Language,
    TicketArticle,
    Visibility,
)
from kb.text import html_to_text, sanitize_html, slugify

WRITERS = (Role.ADMIN, Role.OPERATOR)
TEXT_LIMITS = {"title": 200, "summary": 500, "body": 200_000}


def can_write(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.role in WRITERS)


def readable_visibilities(user: Any) -> tuple[Visibility, ...]:
    if is_staff(user):
        return tuple(Visibility)
    if user is not None and getattr(user, "is_authenticated", False) and user.role == Role.REFERENTE:
        return (Visibility.PUBLIC, Visibility.REFERENTI)
    return (Visibility.PUBLIC,)


def visible_stmt(user: Any, stmt: sa.Select | None = None) -> sa.Select:
    """Staff read everything; anyone else only published articles of the visibilities they may read."""
    stmt = stmt if stmt is not None else sa.select(Article)
    if is_staff(user):
        return stmt
    return stmt.where(Article.status == ArticleStatus.PUBLISHED, Article.visibility.in_(readable_visibilities(user)))


MAX_ID = 2_147_483_647


def check_id(value: Any, what: str = "articolo non trovato") -> int:
    """A path id outside the column's range is simply not found (never a database error)."""
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound(what) from exc
    if not 0 < number <= MAX_ID:
        raise NotFound(what)
    return number


def visible_article(user: Any, article_id: int) -> Article:
    article_id = check_id(article_id)
    article = db.session.scalar(visible_stmt(user).where(Article.id == article_id))
    if article is None:
        raise NotFound("articolo non trovato")
    return article


def article_by_slug(user: Any, slug: str) -> Article:
    article = db.session.scalar(visible_stmt(user).where(Article.slug == slug[:120]))
    if article is None:
        raise NotFound("articolo non trovato")
    return article


def public_url(article: Article) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/kb/{article.slug}"


# --- search ---------------------------------------------------------------------------------------

_STOPWORDS = frozenset(
    re.split(
        r"\s+",
        "il lo la le li gli un una uno di da in con su per tra fra non che chi e ed o è sono del della dei "
        "delle al alla ai alle nel nella nei mi ci si ho ha come quando the and for not",
    )
)


def _words(q: str) -> list[str]:
    words = [w for w in re.findall(r"\w+", (q or "").lower()[:300]) if w != "_"]
    kept = [w.strip("_") for w in words if len(w) > 1 and w not in _STOPWORDS]
    return [w for w in kept if w][:24]


def _match(q: str) -> tuple[Any, Any] | None:
    """(condition, score expression) matching any word of ``q`` by its stem; None when nothing to match."""
    words = _words(q)
    if not words:
        return None
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        expr = " | ".join(words)
        query = sa.func.to_tsquery("italian", expr).op("||")(sa.func.to_tsquery("english", expr))
        return Article.search_vector.op("@@")(query), sa.func.ts_rank(Article.search_vector, query, 32)
    from tickets.services import sqlite_match_query

    match = sqlite_match_query(" ".join(words))
    if match is None:
        return None
    fts = sa.table("kb_articles_fts", sa.column("rowid"))
    rank = (
        sa.select(sa.text("-bm25(kb_articles_fts)"))
        .select_from(fts)
        .where(sa.text("kb_articles_fts MATCH :kb_q").bindparams(kb_q=" OR ".join(match.split(" "))))
        .where(fts.c.rowid == Article.id)
        .scalar_subquery()
    )
    return rank.is_not(None), rank


def search_articles(
    user: Any,
    q: str,
    *,
    language: str | None = None,
    service_id: int | None = None,
    published_only: bool = False,
    limit: int = 10,
) -> list[tuple[Article, float]]:
    """Articles the user may read matching ``q`` (Italian stemming: "stampanti" finds "stampante"), best first."""
    matched = _match(q)
    if matched is None:
        return []
    condition, score = matched
    stmt = visible_stmt(user, sa.select(Article, score.label("score"))).where(condition)
    if published_only:
        stmt = stmt.where(Article.status == ArticleStatus.PUBLISHED)
    if language:
        stmt = stmt.where(Article.language == _enum(Language, language, "language"))
    if service_id is not None:
        stmt = stmt.where(Article.service_id == service_id)
    rows = db.session.execute(stmt.order_by(sa.desc("score"), Article.id.desc()).limit(limit)).all()
    return [(row[0], round(float(row[1] or 0), 4)) for row in rows]


def suggest(user: Any, q: str, *, limit: int = 5) -> list[dict[str, Any]]:
    """Published articles the user may read for the text being typed (deflection, reply helpers)."""
    return [
        {"id": a.id, "title": a.title, "summary": a.summary, "url": public_url(a), "score": score, "slug": a.slug}
        for a, score in search_articles(user, q, published_only=True, limit=limit)
    ]


def list_articles(
    *,
    user: Any,
    q: str | None = None,
    service_id: int | None = None,
    status: str | None = None,
    visibility: str | None = None,
    language: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Article], str | None]:
    stmt = visible_stmt(user)
    if q and q.strip():
        matched = _match(q)
        if matched is None:
            return [], None
        stmt = stmt.where(matched[0])
    if service_id is not None:
        stmt = stmt.where(Article.service_id == service_id)
    if status:
        stmt = stmt.where(Article.status == _enum(ArticleStatus, status, "status"))
    if visibility:
        stmt = stmt.where(Article.visibility == _enum(Visibility, visibility, "visibility"))
    if language:
        stmt = stmt.where(Article.language == _enum(Language, language, "language"))
    return keyset_page(stmt, [Article.id], limit=limit, cursor=cursor)


def _enum(enum_cls: Any, value: Any, field: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError as exc:
        raise Invalid("valore non valido", {field: [f"uno tra {', '.join(e.value for e in enum_cls)}"]}) from exc


# --- writing --------------------------------------------------------------------------------------

FIELDS = ("title", "summary", "body", "service_id", "tags", "status", "visibility", "language", "slug")


def _require_writer(actor: Any) -> None:
    if not can_write(actor):
        raise Forbidden("solo gli operatori scrivono articoli")


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key in ("title", "summary", "body", "slug"):
            value = "" if value is None else str(value)
            bad = unsafe_char(value)
            if bad:
                errors[key] = [f"carattere non ammesso {bad}"]
                continue
            if len(value) > TEXT_LIMITS.get(key, 120):
                errors[key] = [f"al massimo {TEXT_LIMITS.get(key, 120)} caratteri"]
                continue
            value = value.strip()
        if key == "title" and not value:
            errors[key] = ["obbligatorio"]
        elif key == "body":
            out["body"] = sanitize_html(value)
            out["body_text"] = html_to_text(out["body"])
            continue
        elif key == "slug" and value:
            value = slugify(value)
        elif key == "tags":
            value = normalize_tags(value)
        elif key == "status":
            value = _enum(ArticleStatus, value, key)
        elif key == "visibility":
            value = _enum(Visibility, value, key)
        elif key == "language":
            value = _enum(Language, value, key)
        elif key == "service_id" and value is not None:
            from crm.models import Service

            if not isinstance(value, int) or db.session.get(Service, value) is None:
                errors[key] = ["servizio inesistente"]
        out[key] = value
    if errors:
        raise Invalid("dati non validi", errors)
    return out


def normalize_tags(tags: Iterable[str] | str | None) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    out: list[str] = []
    for tag in tags:
        tag = re.sub(r"\s+", " ", str(tag)).strip().lower()[:40]
        if tag and not unsafe_char(tag) and tag not in out:
            out.append(tag)
    return out[:20]


RESERVED_SLUGS = frozenset({"gestione", "statistiche", "suggerimenti", "risolto", "allegati"})


def _unique_slug(base: str, exclude_id: int | None = None) -> str:
    base = slugify(base)
    if base in RESERVED_SLUGS:
        base = f"{base}-articolo"
    slug, n = base, 1
    while True:
        stmt = sa.select(Article.id).where(Article.slug == slug)
        if exclude_id is not None:
            stmt = stmt.where(Article.id != exclude_id)
        if db.session.scalar(stmt) is None:
            return slug
        n += 1
        slug = f"{base[:100]}-{n}"


def _snapshot(article: Article, actor: Any, note: str = "") -> None:
    db.session.add(
        ArticleVersion(
            article_id=article.id,
            version=article.version,
            title=article.title,
            summary=article.summary,
            body=article.body,
            status=article.status.value,
            visibility=article.visibility.value,
            author_id=getattr(actor, "id", None),
            note=note[:300],
        )
    )


def _translation_group(article_id: int | None, language: Language) -> int | None:
    """The root of the translation group of ``article_id``; Conflict if it already has ``language``."""
    if article_id is None:
        return None
    original = db.session.get(Article, article_id)
    if original is None:
        raise Invalid("articolo inesistente", {"translation_of_id": ["articolo inesistente"]})
    root = original.translation_of_id or original.id
    taken = db.session.scalar(
        sa.select(Article.id).where(
            sa.or_(Article.id == root, Article.translation_of_id == root), Article.language == language
        )
    )
    if taken is not None:
        raise Conflict("traduzione già presente", {"language": ["esiste già una versione in questa lingua"]})
    return root


def create_article(*, actor: Any, translation_of_id: int | None = None, **fields: Any) -> Article:
    _require_writer(actor)
    unknown = set(fields) - set(FIELDS) - {"source_ticket_id"}
    if unknown:
        raise Invalid("campi sconosciuti", {f: ["campo sconosciuto"] for f in sorted(unknown)})
    source_ticket_id = fields.pop("source_ticket_id", None)
    values = _clean({"title": fields.get("title", ""), **fields})
    with transaction(actor=actor):
        language = values.get("language", Language.IT)
        article = Article(
            slug=_unique_slug(values.pop("slug", "") or values["title"]),
            author_id=actor.id,
            source_ticket_id=source_ticket_id,
            translation_of_id=_translation_group(translation_of_id, language),
            **values,
        )
        if article.status == ArticleStatus.PUBLISHED:
            article.published_at = utcnow()
        db.session.add(article)
        db.session.flush()
        _snapshot(article, actor, "creato")
    return article


def update_article(*, article_id: int, actor: Any, note: str = "", **changes: Any) -> Article:
    """Apply an edit; a real change becomes a new version (with its author), nothing changed adds none."""
    _require_writer(actor)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise Invalid("campi non modificabili", {f: ["non modificabile"] for f in sorted(unknown)})
    values = _clean(changes)
    with transaction(actor=actor):
        article = db.session.get(Article, article_id, with_for_update=True)
        if article is None:
            raise NotFound("articolo non trovato")
        if "slug" in values:
            values["slug"] = _unique_slug(values["slug"] or article.title, exclude_id=article.id)
        if "language" in values and values["language"] != article.language and article.translation_of_id:
            _translation_group(article.translation_of_id, values["language"])
        changed = {k: v for k, v in values.items() if getattr(article, k) != v}
        if not changed:
            return article
        for key, value in changed.items():
            setattr(article, key, value)
        if changed.get("status") == ArticleStatus.PUBLISHED and article.published_at is None:
            article.published_at = utcnow()
        article.version += 1
        article.updated_at = utcnow()
        db.session.flush()
        _snapshot(article, actor, note)
    return article


def translations_of(article: Article) -> list[Article]:
    root = article.translation_of_id or article.id
    stmt = sa.select(Article).where(
        sa.or_(Article.id == root, Article.translation_of_id == root), Article.id != article.id
    )
    return list(db.session.scalars(stmt.order_by(Article.language)))


def list_versions(*, article_id: int, user: Any) -> list[ArticleVersion]:
    """Every saved version, newest first (staff only: earlier versions may hold drafts)."""
    if not is_staff(user):
        raise NotFound("articolo non trovato")
    visible_article(user, article_id)
    stmt = sa.select(ArticleVersion).where(ArticleVersion.article_id == article_id)
    return list(db.session.scalars(stmt.order_by(ArticleVersion.version.desc())))


def get_version(*, article_id: int, version: int, user: Any) -> tuple[ArticleVersion, ArticleVersion | None]:
    """A version and the one before it (None for the first), for the diff view."""
    versions = {v.version: v for v in list_versions(article_id=article_id, user=user)}
    if version not in versions:
        raise NotFound("versione non trovata")
    return versions[version], versions.get(version - 1)


def version_text(v: ArticleVersion | None) -> str:
    if v is None:
        return ""
    return f"{v.title}\n\n{v.summary}\n\n{html_to_text(v.body)}\n\n[{v.status} · {v.visibility}]"


# --- readers: views, feedback ---------------------------------------------------------------------


def record_view(article_id: int) -> None:
    """One more view (an SQL increment: concurrent readers never lose a count, no audit row)."""
    with transaction():
        db.session.execute(sa.update(Article).where(Article.id == article_id).values(views=Article.views + 1))


def record_feedback(
    *, article_id: int, user: Any, helpful: bool, comment: str = "", browser_id: str | None = None
) -> Article:
    """ "Was this helpful": counted once per user or anonymous browser; a second answer replaces the first."""
    article = visible_article(user, article_id)
    comment = (comment or "").strip()
    if unsafe_char(comment) or len(comment) > 2000:
        raise Invalid("commento non valido", {"comment": ["testo non valido o troppo lungo (max 2000)"]})
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    if not authenticated and not browser_id:
        raise Invalid("browser non identificato", {"browser": ["cookie mancante"]})
    with transaction(actor=user if authenticated else None):
        key = (
            ArticleFeedback.user_id == user.id
            if authenticated
            else ArticleFeedback.browser_id == hashlib.sha256(str(browser_id).encode()).hexdigest()
        )
        row = db.session.scalar(
            sa.select(ArticleFeedback).where(ArticleFeedback.article_id == article.id, key).with_for_update()
        )
        if row is None:
            row = ArticleFeedback(
                article_id=article.id,
                user_id=user.id if authenticated else None,
                browser_id=None if authenticated else hashlib.sha256(str(browser_id).encode()).hexdigest(),
                helpful=helpful,
            )
            db.session.add(row)
        row.helpful = bool(helpful)
        row.comment = comment
        db.session.flush()
        counts = dict(
            db.session.execute(
                sa.select(ArticleFeedback.helpful, sa.func.count())
                .where(ArticleFeedback.article_id == article.id)
                .group_by(ArticleFeedback.helpful)
            ).all()
        )
        db.session.execute(
            sa.update(Article)
            .where(Article.id == article.id)
            .values(helpful_yes=counts.get(True, 0), helpful_no=counts.get(False, 0))
        )
    db.session.refresh(article)
    return article


def feedback_comments(article_id: int, limit: int = 50) -> list[ArticleFeedback]:
    stmt = (
        sa.select(ArticleFeedback)
        .where(ArticleFeedback.article_id == article_id, ArticleFeedback.comment != "")
        .order_by(ArticleFeedback.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


# --- deflection -----------------------------------------------------------------------------------

SOURCES = ("portal", "web")


def record_deflection(*, article_id: int, user: Any, source: str, query: str = "") -> Deflection:
    """The requester stopped: the suggested article solved it. Counted, no ticket opened."""
    if source not in SOURCES:
        raise Invalid("origine non valida", {"source": ["portal o web"]})
    article = visible_article(user, article_id)
    if article.status != ArticleStatus.PUBLISHED:
        raise NotFound("articolo non trovato")
    query = (query or "")[:500]
    if unsafe_char(query):
        raise Invalid("testo non valido", {"query": ["carattere non ammesso"]})
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    with transaction(actor=user if authenticated else None):
        row = Deflection(
            article_id=article.id,
            source=source,
            user_id=user.id if authenticated else None,
            organization_id=getattr(user, "organization_id", None) if authenticated else None,
            query=query,
        )
        db.session.add(row)
    return row


def deflection_stats(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> dict[str, Any]:
    """Deflected requests against requests opened through the portal and the public form."""
    from tickets.knowledge import opened_through_self_service

    stmt = sa.select(sa.func.count(Deflection.id))
    if since is not None:
        stmt = stmt.where(Deflection.created_at >= since)
    if until is not None:
        stmt = stmt.where(Deflection.created_at < until)
    deflected = int(db.session.scalar(stmt) or 0)
    opened = opened_through_self_service(since=since, until=until)
    total = deflected + opened
    window = []
    if since is not None:
        window.append(Deflection.created_at >= since)
    if until is not None:
        window.append(Deflection.created_at < until)
    top = db.session.execute(
        sa.select(Article.id, Article.title, sa.func.count(Deflection.id).label("n"))
        .join(Deflection, Deflection.article_id == Article.id)
        .where(*window)
        .group_by(Article.id, Article.title)
        .order_by(sa.desc("n"), Article.id)
        .limit(10)
    ).all()
    return {
        "deflected": deflected,
        "opened": opened,
        "deflection_rate": round(deflected / total, 4) if total else None,
        "top_articles": [{"id": r.id, "title": r.title, "deflected": r.n} for r in top],
    }


# --- tickets and articles -------------------------------------------------------------------------


def link_article(*, ticket_id: int, article_id: int, actor: Any) -> None:
    _require_writer(actor)
    from tickets.services import ticket_for

    ticket_for(actor, ticket_id)
    visible_article(actor, article_id)
    with transaction(actor=actor):
        exists = db.session.get(TicketArticle, (ticket_id, article_id))
        if exists is None:
            db.session.add(TicketArticle(ticket_id=ticket_id, article_id=article_id))


def linked_articles(ticket_id: int) -> list[Article]:
    stmt = (
        sa.select(Article)
        .join(TicketArticle, TicketArticle.article_id == Article.id)
        .where(TicketArticle.ticket_id == ticket_id)
        .order_by(TicketArticle.created_at)
    )
    return list(db.session.scalars(stmt))


# --- attachments ----------------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def add_attachment(*, article_id: int, filename: str, data: bytes, content_type: str | None, actor: Any) -> Any:
    _require_writer(actor)
    from app.storage import content_key, get_storage
    from app.text import strip_unsafe

    name = strip_unsafe(filename or "").replace("/", "_").replace("\\", "_").strip()[:255]
    if not name or not data:
        raise Invalid("file mancante", {"file": ["scegli un file"]})
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise Invalid("file troppo grande", {"file": ["massimo 10 MB"]})
    digest = hashlib.sha256(data).hexdigest()
    with transaction(actor=actor):
        article = db.session.get(Article, article_id)
        if article is None:
            raise NotFound("articolo non trovato")
        get_storage().put(content_key(digest, "kb"), data, content_type)
        row = ArticleAttachment(
            article_id=article.id,
            filename=name,
            content_type=(content_type or "application/octet-stream")[:100],
            size=len(data),
            sha256=digest,
        )
        db.session.add(row)
    return row


def attachments_of(article_id: int) -> list[ArticleAttachment]:
    stmt = sa.select(ArticleAttachment).where(ArticleAttachment.article_id == article_id)
    return list(db.session.scalars(stmt.order_by(ArticleAttachment.id)))


def attachment_for(user: Any, attachment_id: int) -> tuple[ArticleAttachment, str]:
    """The attachment (and its storage key) if the user may read its article."""
    from app.storage import content_key

    row = db.session.get(ArticleAttachment, attachment_id)
    if row is None:
        raise NotFound("allegato non trovato")
    visible_article(user, row.article_id)
    return row, content_key(row.sha256, "kb")


def deflection_stats_for_days(*, since: dt.date | None, until: dt.date | None) -> dict[str, Any]:
    """``deflection_stats`` for inclusive days in the center's time zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Rome"))

    def start(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)

    if since and until and until < since:
        raise Invalid("intervallo non valido", {"to": ["precede from"]})
    return deflection_stats(
        since=start(since) if since else None, until=start(until + dt.timedelta(days=1)) if until else None
    )

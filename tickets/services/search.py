"""The queue: filters, full text (Italian stemming), keyset paging and the dashboard figures."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa

from app.errors import Invalid
from app.extensions import db
from tickets.models import (
    Channel,
    Priority,
    Ticket,
    TicketMessage,
    TicketStatus,
    TicketTag,
)
from tickets.services.access import visible_stmt
from tickets.services.common import OPEN_STATES, _enum, _int
from tickets.services.survey import satisfaction_summary

FILTERS = (
    "status",
    "priority",
    "organization_id",
    "service_id",
    "assignee_id",
    "team_id",
    "channel",
    "sla_state",
    "tag",
)


def search_stmt(user: Any, *, q: str | None = None, view: str | None = None, **filters: Any) -> sa.Select:
    """The queue: visible tickets filtered. ``status`` may be a list or "aperti" (new, open, pending);
    ``assignee_id`` may be "none" (unassigned); ``q`` is full text (Italian stemming on PostgreSQL)
    or a ticket number. Saved views: ``mine``, ``unassigned``, ``at_risk``."""
    stmt = visible_stmt(user)
    if view == "mine":
        stmt = stmt.where(Ticket.assignee_id == getattr(user, "id", -1), Ticket.status.in_(OPEN_STATES))
    elif view == "unassigned":
        stmt = stmt.where(Ticket.assignee_id.is_(None), Ticket.status.in_(OPEN_STATES))
    elif view == "at_risk":
        stmt = stmt.where(Ticket.sla_state.in_(("at_risk", "breached")), Ticket.status.in_(OPEN_STATES))
    elif view == "open":
        stmt = stmt.where(Ticket.status.in_(OPEN_STATES))
    status = filters.get("status")
    if status:
        values = status if isinstance(status, list | tuple) else str(status).split(",")
        wanted: list[str] = []
        for v in values:
            if v in ("aperti", "active"):
                wanted.extend(s.value for s in OPEN_STATES)
            else:
                wanted.append(_enum(TicketStatus, v, "status").value)
        stmt = stmt.where(Ticket.status.in_(wanted))
    if filters.get("priority"):
        stmt = stmt.where(Ticket.priority == _enum(Priority, filters["priority"], "priority"))
    if filters.get("channel"):
        stmt = stmt.where(Ticket.channel == _enum(Channel, filters["channel"], "channel"))
    if filters.get("sla_state"):
        from tickets.models import SlaState

        stmt = stmt.where(Ticket.sla_state == _enum(SlaState, filters["sla_state"], "sla_state"))
    for key in ("organization_id", "service_id", "team_id"):
        value = filters.get(key)
        if value not in (None, ""):
            stmt = stmt.where(getattr(Ticket, key) == _int(value, key))
    assignee = filters.get("assignee_id")
    if assignee not in (None, ""):
        if str(assignee) in ("none", "0"):
            stmt = stmt.where(Ticket.assignee_id.is_(None))
        else:
            stmt = stmt.where(Ticket.assignee_id == _int(assignee, "assignee_id"))
    if filters.get("tag"):
        tag = str(filters["tag"]).strip().lower()
        stmt = stmt.where(Ticket.id.in_(sa.select(TicketTag.ticket_id).where(TicketTag.tag == tag)))
    if q and q.strip():
        stmt = stmt.where(text_condition(q.strip()))
    return stmt


_ITALIAN_ENDINGS = ("zioni", "zione", "mente", "ture", "tura", "ità", "he", "hi", "a", "e", "i", "o")


def sqlite_match_query(q: str) -> str | None:
    """An FTS5 MATCH expression for the words of ``q``: each word's rough Italian stem as a prefix."""
    terms = []
    for word in re.findall(r"\w+", q.lower()):
        stem = word
        if len(word) > 4:
            for ending in _ITALIAN_ENDINGS:
                if word.endswith(ending) and len(word) - len(ending) >= 4:
                    stem = word[: -len(ending)]
                    break
        terms.append(f'"{stem}"*')
    return " ".join(terms) or None


_NUMBER_QUERY = re.compile(r"(?i)\s*(AST-\d{4}-\d{1,6})\s*")


def text_condition(q: str) -> Any:
    q = q[:200]
    number = _NUMBER_QUERY.fullmatch(q)
    if number:
        return Ticket.number == number.group(1).upper()
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        query = sa.func.websearch_to_tsquery("italian", q)
        return sa.or_(Ticket.search_vector.op("@@")(query), Ticket.number == q.upper())
    if dialect == "sqlite":
        match = sqlite_match_query(q)
        if match is None:
            return sa.true()
        hits: Any = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.table("tickets_fts"))
            .where(sa.text("tickets_fts MATCH :fts_query").bindparams(fts_query=match))
        )
        return sa.or_(Ticket.id.in_(hits), Ticket.number == q.upper())
    like = f"%{q.lower().replace('%', '').replace('_', '')}%"
    msg = sa.select(TicketMessage.ticket_id).where(
        TicketMessage.internal.is_(False), sa.func.lower(TicketMessage.body).like(like)
    )
    return sa.or_(
        sa.func.lower(Ticket.subject).like(like), sa.func.lower(Ticket.description).like(like), Ticket.id.in_(msg)
    )


def dashboard_figures(user: Any, *, today_start: dt.datetime) -> dict[str, Any]:
    def count(stmt: sa.Select) -> int:
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0)

    base = visible_stmt(user, sa.select(Ticket.id))
    open_base = base.where(Ticket.status.in_(OPEN_STATES))
    by_channel = dict(
        db.session.execute(
            sa.select(Ticket.channel, sa.func.count()).where(Ticket.created_at >= today_start).group_by(Ticket.channel)
        ).all()
    )
    return {
        "mine": count(open_base.where(Ticket.assignee_id == user.id)),
        "unassigned": count(open_base.where(Ticket.assignee_id.is_(None))),
        "at_risk": count(open_base.where(Ticket.sla_state == "at_risk")),
        "breached": count(open_base.where(Ticket.sla_state == "breached")),
        "open": count(open_base),
        "today_by_channel": {(k.value if hasattr(k, "value") else k): v for k, v in by_channel.items()},
        "today_total": sum(by_channel.values()),
        "satisfaction": satisfaction_summary(since=today_start - dt.timedelta(days=30)),
    }


# Full text, newest first: the GIN index finds the matches but cannot give them in id order, so
# PostgreSQL either walks the primary key backwards testing each ticket (slow for a rare word) or
# fetches every match to sort them (21,000 heap pages for "albo pretorio" at 1M tickets: seconds).
# Asking for the newest SEARCH_WINDOW ids first (a BitmapAnd of the GIN and the primary key), then a
# window eight times wider, and so on, reads only the matches near the top; a rare word costs a few
# cheap index probes more.
SEARCH_WINDOW = 20_000


def is_text_search(q: str | None) -> bool:
    """True when ``q`` searches the text (not a ticket number): the case for ``windowed`` paging."""
    q = (q or "").strip()
    return bool(q) and not _NUMBER_QUERY.fullmatch(q[:200])


def _search_window() -> int:
    """The window as ``tickets.services.SEARCH_WINDOW`` says: the package's name is the one callers (and tests)
    set, so this module reads it there rather than its own copy."""
    import tickets.services as package

    return int(package.SEARCH_WINDOW)


def _newest_in_windows(stmt: sa.Select, *, below: int | None, wanted: int) -> list[Ticket]:
    """The first ``wanted`` rows of ``stmt`` (ordered by id descending, ids < ``below``), window by window."""
    top = below if below is not None else (db.session.scalar(sa.select(sa.func.max(Ticket.id))) or 0) + 1
    width = _search_window()
    rows: list[Ticket] = []
    while len(rows) < wanted and top > 0:
        bottom = top - width
        part = stmt.where(Ticket.id < top)
        if bottom > 0:
            part = part.where(Ticket.id >= bottom)
        rows.extend(db.session.scalars(part.limit(wanted - len(rows))))
        top, width = bottom, width * 8
    return rows


FAR_FUTURE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


SORTS = ("recenti", "aggiornati", "scadenza")


def page_tickets(
    stmt: sa.Select, *, sort: str = "recenti", limit: int = 50, cursor: str | None = None, windowed: bool = False
) -> tuple[list[Ticket], str | None]:
    """Keyset pagination of a ticket query: newest first, last updated first, or by SLA due time.

    ``windowed`` (full-text search, see ``is_text_search``): newest first is read window by window of
    ids; the same rows, without reading every match of a common word."""
    from app.api import decode_cursor, encode_cursor

    key: Any
    if sort == "aggiornati":
        key, descending = Ticket.updated_at, True
    elif sort == "scadenza":
        key, descending = sa.func.coalesce(Ticket.resolution_due, FAR_FUTURE), False
    else:
        key, descending = None, True
    if cursor:
        values = decode_cursor(cursor)
        if key is None:
            if len(values) != 1:
                raise Invalid("cursore non valido", {"cursor": ["cursore non valido"]})
            stmt = stmt.where(Ticket.id < _int(values[0], "cursor"))
        else:
            if len(values) != 2 or not isinstance(values[0], dt.datetime):
                raise Invalid("cursore non valido", {"cursor": ["cursore non valido"]})
            bound, last_id = values[0], _int(values[1], "cursor")
            if descending:
                stmt = stmt.where(sa.or_(key < bound, sa.and_(key == bound, Ticket.id < last_id)))
            else:
                stmt = stmt.where(sa.or_(key > bound, sa.and_(key == bound, Ticket.id > last_id)))
    if key is None:
        stmt = stmt.order_by(Ticket.id.desc())
    elif descending:
        stmt = stmt.order_by(key.desc(), Ticket.id.desc())
    else:
        stmt = stmt.order_by(key.asc(), Ticket.id.asc())
    if key is None and windowed:
        top = _int(values[0], "cursor") if cursor else None
        rows = _newest_in_windows(stmt, below=top, wanted=limit + 1)
    else:
        rows = list(db.session.scalars(stmt.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        if sort == "aggiornati":
            next_cursor = encode_cursor([last.updated_at, last.id])
        elif sort == "scadenza":
            next_cursor = encode_cursor([last.resolution_due or FAR_FUTURE, last.id])
        else:
            next_cursor = encode_cursor([last.id])
    return rows, next_cursor


def queue_page(
    user: Any,
    *,
    q: str | None = None,
    view: str | None = None,
    sort: str = "recenti",
    limit: int = 50,
    cursor: str | None = None,
    **filters: Any,
) -> tuple[list[Ticket], str | None]:
    """One page of the tickets ``user`` sees, filtered and searched (the queue, the portal, the API)."""
    stmt = search_stmt(user, q=q, view=view, **filters)
    return page_tickets(stmt, sort=sort, limit=limit, cursor=cursor, windowed=is_text_search(q))

"""Tickets over several years with their messages, status history, time entries and audit entries."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from app.bulk.copy import BulkResult, Loader
from app.bulk.vocabulary import (
    CHANNEL_WEIGHTS,
    CHANNELS,
    CLOSINGS,
    DETAILS,
    FIRST_NAMES,
    FOLLOW_UPS,
    LAST_NAMES,
    NOTES,
    OPENINGS,
    PRIORITIES,
    PRIORITY_WEIGHTS,
    PROBLEMS,
    REPLIES,
    TEAMS,
    TIME_NOTES,
    UFFICI,
)


@dataclass
class BulkTicket:
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


def ensure_operators(loader: Loader, now: dt.datetime) -> list[int]:
    """30 operators (``operatore.bulkNN@presidio.local``) to assign the tickets to."""
    existing = {r[0] for r in loader.rows("SELECT email FROM users WHERE email LIKE 'operatore.bulk%%'")}
    start = loader.next_id("users")
    rows: list[dict] = []
    for i in range(1, 31):
        email = f"operatore.bulk{i:02d}@presidio.local"
        if email not in existing:
            first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i * 7) % len(LAST_NAMES)].replace("_", " ")
            rows.append({"id": start + len(rows), "email": email, "name": f"{first} {last}", "password_hash": None,
                         "role": "operator", "active": True, "created_at": now, "updated_at": now})  # fmt: skip
    if rows:
        loader.copy("users", rows)
        loader.fix_sequence("users")
    return [r[0] for r in loader.rows("SELECT id FROM users WHERE email LIKE 'operatore.bulk%%' ORDER BY id")]


def ensure_teams(loader: Loader, now: dt.datetime) -> list[int]:
    have = {r[0] for r in loader.rows("SELECT name FROM teams")}
    start = loader.next_id("teams")
    rows = [
        {"id": start + i, "name": n, "email": None, "active": True, "created_at": now, "updated_at": now}
        for i, n in enumerate(t for t in TEAMS if t not in have)
    ]
    if rows:
        loader.copy("teams", rows)
        loader.fix_sequence("teams")
    return [r[0] for r in loader.rows("SELECT id FROM teams ORDER BY id")]


def plan_tickets(
    loader: Loader,
    rnd: random.Random,
    n: int,
    years: int,
    now: dt.datetime,
    org_ids: list[int],
    org_cum: list[float],
    contacts_by_org: dict[int, list[int]],
    operators: list[int],
    services: list[int],
) -> list[BulkTicket]:
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
            BulkTicket(
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


def _number_sequences(loader: Loader) -> list[tuple[int, str]]:
    """(year, name) of the per-year ticket number sequences that exist (PostgreSQL)."""
    rows = loader.rows(
        "SELECT relname FROM pg_class WHERE relkind = 'S' AND relname ~ '^ticket_number_[0-9]+$' "
        "AND relnamespace = 'public'::regnamespace"
    )
    return [(int(name.rsplit("_", 1)[1]), name) for (name,) in rows]


def with_search_document(cur: Any, staging: str, cols: list[str]) -> None:
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


@dataclass
class TicketTexts:
    subjects: list[str]
    descriptions: list[str]
    contact_names: dict[int, str]


def load_tickets(
    loader: Loader, rnd: random.Random, tks: list[BulkTicket], team_ids: list[int], now: dt.datetime,
    result: BulkResult,
) -> TicketTexts:  # fmt: skip
    """COPY the planned tickets and everything that hangs off them; returns their texts."""
    service_codes = dict(loader.rows("SELECT id, code FROM services"))
    contact_names = dict(loader.rows("SELECT id, name FROM contacts"))
    user_names = dict(loader.rows("SELECT id, name FROM users"))
    subjects: list[str] = []
    descriptions: list[str] = []
    for t in tks:
        code = service_codes.get(t.service, "")
        problem = rnd.choice(PROBLEMS.get(code) or PROBLEMS["RETI"])
        subjects.append(problem)
        descriptions.append(_request_text(rnd, problem))
    texts = TicketTexts(subjects, descriptions, contact_names)
    if not tks:
        return texts

    result.counts["ticket_messages"] = loader.copy(
        "ticket_messages",
        _message_rows(rnd, tks, descriptions, contact_names, user_names, loader.next_id("ticket_messages"), now),
        rebuild=True,
        disable_triggers=True,
    )
    loader.fix_sequence("ticket_messages")

    counters: dict[int, int] = dict(loader.rows("SELECT year, last FROM ticket_counters"))
    for year, seq in _number_sequences(loader):  # numbers the app gave out since (tickets.models NUMBER_DDL)
        last_value, is_called = loader.rows(f'SELECT last_value, is_called FROM "{seq}"')[0]  # noqa: S608
        counters[year] = max(counters.get(year, 0), int(last_value) if is_called else int(last_value) - 1)
    result.counts["tickets"] = loader.copy(
        "tickets",
        _ticket_rows(rnd, tks, subjects, descriptions, team_ids, counters, now),
        rebuild=True,
        disable_triggers=True,
        finish=with_search_document if loader.has_column("tickets", "search_vector") else None,
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

    result.counts["ticket_status_changes"] = loader.copy(
        "ticket_status_changes", _status_rows(tks, loader.next_id("ticket_status_changes")), rebuild=True
    )
    loader.fix_sequence("ticket_status_changes")
    result.counts["time_entries"] = loader.copy(
        "time_entries", _time_rows(rnd, tks, loader.next_id("time_entries")), rebuild=True
    )
    loader.fix_sequence("time_entries")
    result.counts["audit_entries"] = loader.copy(
        "audit_entries", _audit_rows(tks, subjects, loader.next_id("audit_entries")), rebuild=True
    )
    loader.fix_sequence("audit_entries")
    return texts


def _ticket_rows(
    rnd: random.Random,
    tks: list[BulkTicket],
    subjects: list[str],
    descriptions: list[str],
    team_ids: list[int],
    counters: dict[int, int],
    now: dt.datetime,
) -> Iterator[dict]:
    """The tickets, numbered ``AST-<year>-<nnnnnn>`` after ``counters`` (updated as they are numbered)."""
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
        yield {
            "id": t.id, "number": f"AST-{year}-{counters[year]:06d}", "subject": subject, "description": desc,
            "status": t.status, "priority": prio, "channel": t.channel, "organization_id": t.org,
            "requester_contact_id": t.contact, "service_id": t.service, "assignee_id": t.assignee,
            "team_id": team_ids[t.id % len(team_ids)] if team_ids else None, "first_response_due": frd,
            "resolution_due": rsd, "first_responded_at": t.first_response, "resolved_at": t.resolved,
            "closed_at": t.closed, "sla_state": sla, "created_at": t.created,
            "updated_at": t.closed or t.resolved or t.first_response or t.created,
        }  # fmt: skip


def _message_rows(
    rnd: random.Random,
    tks: list[BulkTicket],
    descriptions: list[str],
    contact_names: dict[int, str],
    user_names: dict[int, str],
    mid: int,
    now: dt.datetime,
) -> Iterator[dict]:
    """3–8 messages a ticket: the request, the operator's replies (some internal notes), follow-ups."""
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
                body, internal, user, contact, label, channel = desc, False, None, t.contact, requester, t.channel
            elif t.assignee and j % 2 == 1:
                if rnd.random() < 0.15:
                    body, internal = rnd.choice(NOTES), True
                else:
                    body = f"Gentile {requester},\n{rnd.choice(REPLIES)}\nCordiali saluti,\n{operator}"
                    internal = False
                user, contact, label, channel = t.assignee, None, operator, "portal"
            else:
                body = rnd.choice(FOLLOW_UPS).format(ufficio=ufficio)
                internal, user, contact, label, channel = False, None, t.contact, requester, t.channel
            yield {"id": mid, "ticket_id": t.id, "body": body, "internal": internal, "author_user_id": user,
                   "author_contact_id": contact, "author_label": label, "channel": channel, "external_ref": None,
                   "created_at": at}  # fmt: skip
            mid += 1


def _status_rows(tks: Iterable[BulkTicket], sid: int) -> Iterator[dict]:
    """The status history of each ticket, ending in its status (the SLA clock reads it)."""
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
            yield {"id": sid, "ticket_id": t.id, "from_status": frm, "to_status": to, "at": at, "actor_id": actor}
            sid += 1


def _time_rows(rnd: random.Random, tks: Iterable[BulkTicket], tid: int) -> Iterator[dict]:
    """Time worked on 40% of the assigned tickets, mostly billable."""
    for t in tks:
        if t.assignee is None or rnd.random() > 0.4:
            continue
        for _ in range(rnd.randint(1, 2)):
            yield {"id": tid, "ticket_id": t.id, "organization_id": t.org, "user_id": t.assignee,
                   "minutes": rnd.choice([15, 30, 30, 45, 60, 90, 120]), "billable": rnd.random() < 0.7,
                   "note": rnd.choice(TIME_NOTES), "work_date": (t.resolved or t.first_response or t.created).date(),
                   "created_at": t.resolved or t.created}  # fmt: skip
            tid += 1


def _audit_rows(tks: list[BulkTicket], subjects: list[str], aid: int) -> Iterator[dict]:
    """What the audit log would have recorded: each ticket's creation and its closing."""
    for t, subject in zip(tks, subjects, strict=True):
        changes = json.dumps(
            {"subject": [None, subject], "status": [None, "new"], "organization_id": [None, t.org]},
            ensure_ascii=False,
        )
        yield {"id": aid, "at": t.created, "actor_id": None, "request_id": None, "object_type": "tickets",
               "object_id": str(t.id), "organization_id": t.org, "action": "create", "changes": changes}  # fmt: skip
        aid += 1
        if t.closed:
            yield {"id": aid, "at": t.closed, "actor_id": t.assignee, "request_id": None, "object_type": "tickets",
                   "object_id": str(t.id), "organization_id": t.org, "action": "update",
                   "changes": json.dumps({"status": ["resolved", "closed"]})}  # fmt: skip
            aid += 1

"""A worker killed (SIGKILL) in the middle of ingesting a mailbox: after a restart every message of the
mailbox is on exactly one ticket (no duplicate ticket, no lost message, replies threaded) and \\Seen.

A real Dovecot mailbox holds 60 messages: 45 requests from 15 comuni, 14 replies to earlier ones and one
request delivered twice (same Message-ID, two UIDs). A real worker process polls it. To kill it in the
middle deterministically, the test holds a row lock on one comune (``SELECT … FOR UPDATE``): the worker
files the 24 messages before the 25th on tickets, stores the 25th (from that comune) and blocks inside its
processing transaction; that is when it gets SIGKILL. A second worker finishes the mailbox.
"""

from __future__ import annotations

import imaplib
import os
import signal
import subprocess
from email.utils import make_msgid

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.extensions import db
from app.jobs import JobStatus, OutboxJob, enqueue
from app.mail import EmailStatus, OutboundEmail
from contact_center.models import InboundItem, RawMessage, RawStatus
from crm.models import Contact
from tests.contact_center.conftest import build_email
from tests.faults.conftest import start_worker, wait_for
from tickets.models import Ticket, TicketMessage

BLOCKED_AT = 25  # the position (1-based) in the mailbox of the first message from the locked comune
BLOCKED_REQUEST = 20  # …which is the 21st request (three replies and a duplicate come before it)
DONE_BEFORE_KILL = 23  # distinct messages before it (24 UIDs, one the duplicate): tickets when it dies


def _mailbox_messages(contacts: list[Contact], blocked: Contact) -> list[dict]:
    """60 messages in delivery (UID) order; each dict: mid, raw, parent (mid of the request it answers)."""
    others = [c for c in contacts if c.id != blocked.id]
    requests = []
    for n in range(45):
        sender = blocked if n in (BLOCKED_REQUEST, 40) else others[n % len(others)]
        mid = make_msgid(domain="comune.example.it")
        subject = f"Richiesta {n + 1:02d}: postazione {n + 1} dell'ufficio anagrafe non si avvia"
        body = f"Buongiorno,\nla postazione numero {n + 1} non si avvia da stamattina.\nGrazie,\n{sender.name}\n"
        requests.append({"mid": mid, "sender": sender, "subject": subject, "body": body, "parent": None})

    def reply_to(req: dict, text: str) -> dict:
        mid = make_msgid(domain="comune.example.it")
        return {
            "mid": mid,
            "sender": req["sender"],
            "subject": f"Re: {req['subject']}",
            "body": f"{text}\n\n> {req['body'].splitlines()[1]}\n",
            "parent": req["mid"],
            "headers": {"In-Reply-To": req["mid"], "References": req["mid"]},
        }

    messages: list[dict] = []
    replies_after = {
        # position in ``requests`` -> replies inserted right after it, answering these requests
        3: [0],
        10: [2, 5],
        BLOCKED_REQUEST: [BLOCKED_REQUEST, 1],  # a reply to the message being processed when the worker dies
        30: [BLOCKED_REQUEST, 19, 28],
        38: [33, 12],
        44: [40, 42, 7, 44],
    }
    for n, req in enumerate(requests):
        messages.append(req)
        for target in replies_after.get(n, []):
            messages.append(reply_to(requests[target], "Aggiungo che anche il monitor resta spento."))
        if n == 15:
            messages.append({**requests[8], "duplicate": True})  # the same message again, a second UID
    assert len(messages) == 60
    assert messages[BLOCKED_AT - 1]["sender"].id == blocked.id
    assert all(m["sender"].id != blocked.id for m in messages[: BLOCKED_AT - 1])
    for m in messages:
        if "raw" not in m and not m.get("duplicate"):
            m["raw"] = build_email(
                sender=f"{m['sender'].name} <{m['sender'].email}>",
                to="assistenza@presidio.local",
                subject=m["subject"],
                body=m["body"],
                message_id=m["mid"],
                headers=m.get("headers"),
            )
    for m in messages:
        if m.get("duplicate"):
            m["raw"] = next(o["raw"] for o in messages if o["mid"] == m["mid"] and not o.get("duplicate"))
    return messages


def _deliver_all(dovecot, user: str, password: str, messages: list[dict]) -> None:
    conn = dovecot.client(user, password)
    try:
        for m in messages:
            typ, data = conn.append("INBOX", None, None, m["raw"])
            assert typ == "OK", data
    finally:
        conn.logout()


def _seen_count(dovecot, user: str, password: str) -> int:
    conn: imaplib.IMAP4 = dovecot.client(user, password)
    try:
        conn.select("INBOX", readonly=True)
        typ, data = conn.uid("SEARCH", None, "SEEN")
        return len((data[0] or b"").split())
    finally:
        conn.logout()


def _processed() -> int:
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(RawMessage).where(RawMessage.status == RawStatus.PROCESSED)
    )


def _blocked_backends(database: str) -> int:
    """Backends of the test database waiting for a lock (the worker, stuck on the locked comune)."""
    db.session.rollback()
    return db.session.scalar(
        sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND wait_event_type = 'Lock' "
            "AND pid <> pg_backend_pid()"
        ),
        {"d": database},
    )


def _activity(database: str) -> list:
    db.session.rollback()
    return db.session.execute(
        sa.text(
            "SELECT state, wait_event_type, wait_event, left(query, 120) FROM pg_stat_activity "
            "WHERE datname = :d AND pid <> pg_backend_pid()"
        ),
        {"d": database},
    ).all()


def _kill(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)  # no chance to clean up (like an OOM kill of the unit)
        worker.wait(timeout=10)


def test_worker_killed_mid_mailbox_every_message_ends_on_exactly_one_ticket(
    app, dovecot, imap_account, make_mailbox, make_org, smtp_server
):
    contacts = []
    for n in range(15):
        org = make_org(name=f"Comune di Prova Posta {n + 1}")
        contact = Contact(
            organization_id=org.id, name=f"Referente {n + 1}", email=f"rtd{n + 1}@comune{n + 1}.example.it"
        )
        db.session.add(contact)
        db.session.commit()
        contacts.append(contact)
    blocked = contacts[7]
    user, password = imap_account["user"], imap_account["password"]
    mailbox = make_mailbox(smtp_port=smtp_server.port)
    messages = _mailbox_messages(contacts, blocked)
    _deliver_all(dovecot, user, password, messages)
    distinct = {m["mid"] for m in messages}
    assert len(distinct) == 59

    # Hold the comune's row: the worker's insert referencing it (foreign key check) waits for us.
    database = db.engine.url.database
    locker = db.engine.connect()
    lock = locker.begin()
    locker.execute(sa.text("SELECT id FROM organizations WHERE id = :id FOR UPDATE"), {"id": blocked.organization_id})

    with transaction():
        poll = enqueue("contact_center.poll_mailboxes")
    worker = start_worker(app, MAIL_SMTP_URL=app.config["MAIL_SMTP_URL"])
    try:
        wait_for(
            lambda: _blocked_backends(database) >= 1 and _processed() >= DONE_BEFORE_KILL,
            what="the worker to block in the middle of the mailbox",
            proc=worker,
            timeout=120,
            state=lambda: (_processed(), _blocked_backends(database), _activity(database)),
        )
        # in the middle: the messages before the locked comune's are on tickets and \\Seen, the rest not yet
        assert _processed() == DONE_BEFORE_KILL
        assert 0 < _seen_count(dovecot, user, password) < len(messages)
        _kill(worker)
    finally:
        _kill(worker)
        lock.rollback()
        locker.close()
    # the killed worker's transaction dies with its connection: nothing of message 25 was committed
    wait_for(lambda: _blocked_backends(database) == 0, what="the killed worker's backend to go", timeout=30)
    assert _processed() == DONE_BEFORE_KILL
    db.session.expire_all()
    assert db.session.get(OutboxJob, poll.id).status == JobStatus.RUNNING  # what a crash leaves behind

    # A new worker re-arms the stale poll job (older than JOBS_STALE_RUNNING_SECONDS, 1 s in the worker
    # under test) and finishes the mailbox.
    started = db.session.get(OutboxJob, poll.id).started_at
    wait_for(lambda: (utcnow() - started).total_seconds() > 1.5, what="the poll job to become stale")
    restarted = start_worker(app, "--burst", MAIL_SMTP_URL=app.config["MAIL_SMTP_URL"])
    try:
        out, _ = restarted.communicate(timeout=150)
    finally:
        _kill(restarted)
    assert restarted.returncode == 0, out.decode(errors="replace")[-3000:]

    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(OutboxJob, poll.id).status == JobStatus.DONE
    # every message of the mailbox is stored once and processed
    raws = db.session.scalars(sa.select(RawMessage)).all()
    assert sorted(r.message_id for r in raws) == sorted(distinct)
    assert {r.status for r in raws} == {RawStatus.PROCESSED}
    # …and is on exactly one ticket, as exactly one message
    refs = db.session.execute(sa.select(TicketMessage.external_ref, TicketMessage.ticket_id)).all()
    ticket_of: dict[str, int] = {}
    for ref, ticket_id in refs:
        assert ref not in ticket_of, f"{ref} is on two tickets/messages"
        ticket_of[ref] = ticket_id
    assert set(ticket_of) == distinct
    # one ticket per request, with its subject and ente; every reply on its request's ticket
    requests = [m for m in messages if m["parent"] is None and not m.get("duplicate")]
    tickets = {t.id: t for t in db.session.scalars(sa.select(Ticket))}
    assert len(tickets) == len(requests) == 45
    assert len({ticket_of[m["mid"]] for m in requests}) == 45
    for m in requests:
        ticket = tickets[ticket_of[m["mid"]]]
        assert (ticket.subject, ticket.organization_id) == (m["subject"], m["sender"].organization_id)
    for m in messages:
        if m["parent"]:
            assert ticket_of[m["mid"]] == ticket_of[m["parent"]], m["subject"]
    items = db.session.scalars(sa.select(InboundItem)).all()
    assert len(items) == 59 and all(i.ticket_id == ticket_of[i.message_id] for i in items)
    # every message (both copies of the duplicate too) is \\Seen on the server
    flags = dovecot.flags(user, password)
    assert len(flags) == 60 and all("\\Seen" in f for f in flags)
    # each ticket has exactly one acknowledgement, and none went out twice (one that a transient SMTP
    # error left for its retry, 30 s later, may still be queued: it is not lost)
    acks = db.session.scalars(
        sa.select(OutboundEmail).where(OutboundEmail.subject.contains("Richiesta ricevuta"))
    ).all()
    assert sorted(a.ticket_id for a in acks) == sorted(tickets)
    assert {a.status for a in acks} <= {EmailStatus.SENT, EmailStatus.QUEUED}
    sent = [str(m["Subject"]) for m in smtp_server.parsed()]
    assert len(sent) == len(set(sent)) == sum(a.status == EmailStatus.SENT for a in acks) >= 40
    assert mailbox.id

"""Polling a real IMAP server (a private Dovecot): store, process, then flag — nothing lost."""

from __future__ import annotations

import sqlalchemy as sa

from contact_center.channels.imap import poll_all, poll_mailbox
from contact_center.models import InboundItem, InboundStatus, RawMessage
from tests.contact_center.conftest import build_email, build_pec
from tickets.models import Ticket


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_poll_turns_known_mail_into_a_ticket_and_marks_it_seen(db, dovecot, imap_account, make_mailbox, comune):
    mailbox = make_mailbox()
    acct = imap_account
    dovecot.deliver(acct["user"], acct["password"], build_email())
    dovecot.deliver(acct["user"], acct["password"], build_email(sender="ignoto@example.com", subject="Chi sono"))
    result = poll_mailbox(mailbox.id)
    assert (result["fetched"], result["new"], result["error"]) == (2, 2, None)
    [ticket] = db.session.scalars(sa.select(Ticket)).all()
    assert ticket.organization_id == comune.id
    waiting = db.session.scalars(sa.select(InboundItem).where(InboundItem.status == InboundStatus.NEW)).all()
    assert [i.sender_email for i in waiting] == ["ignoto@example.com"]
    assert all("\\Seen" in f for f in dovecot.flags(acct["user"], acct["password"]))
    # polling again fetches nothing new
    assert poll_mailbox(mailbox.id)["fetched"] == 0
    assert count(db, Ticket) == 1


def test_crash_between_fetch_and_commit_loses_nothing(db, dovecot, imap_account, make_mailbox, comune, monkeypatch):
    mailbox = make_mailbox()
    acct = imap_account
    dovecot.deliver(acct["user"], acct["password"], build_email(subject="Rete lenta in biblioteca"))
    from contact_center import mailflow

    def crash(*a, **k):
        raise ConnectionError("database went away")

    monkeypatch.setattr(mailflow, "store_raw", crash)
    result = poll_mailbox(mailbox.id)
    assert result["error"]
    assert count(db, RawMessage) == 0
    assert not any("\\Seen" in f for f in dovecot.flags(acct["user"], acct["password"]))  # still there
    monkeypatch.undo()
    poll_all()
    poll_all()
    assert count(db, Ticket) == 1
    assert db.session.scalar(sa.select(Ticket.subject)) == "Rete lenta in biblioteca"


def test_same_message_via_imap_and_pipe_is_one_ticket_and_processed_folder_move(
    db, client, app, dovecot, imap_account, make_mailbox, comune
):
    mailbox = make_mailbox(processed_folder="Archivio")
    acct = imap_account
    data = build_email(message_id="<twice@comune.example.it>")
    app.config["INBOUND_TOKEN"] = "pipe-token"
    try:
        resp = client.post(
            "/contact-center/email/inbound",
            data=data,
            headers={"Authorization": "Bearer pipe-token", "Content-Type": "message/rfc822"},
        )
    finally:
        app.config["INBOUND_TOKEN"] = None
    assert resp.status_code == 202
    dovecot.deliver(acct["user"], acct["password"], data)
    poll_mailbox(mailbox.id)
    assert count(db, Ticket) == 1
    assert dovecot.flags(acct["user"], acct["password"]) == []  # moved out of INBOX
    assert len(dovecot.flags(acct["user"], acct["password"], folder="Archivio")) == 1


def test_pec_mailbox_unwraps_certified_mail(db, dovecot, imap_account, make_mailbox, comune):
    mailbox = make_mailbox(kind="pec")
    acct = imap_account
    inner = build_email(sender="protocollo@pec.comune.example.it", subject="Istanza accesso atti")
    dovecot.deliver(acct["user"], acct["password"], build_pec(inner))
    poll_mailbox(mailbox.id)
    ticket = db.session.scalar(sa.select(Ticket))
    assert ticket.channel == "pec" and ticket.subject == "Istanza accesso atti"


def test_wrong_password_is_recorded_on_the_mailbox(db, make_mailbox, imap_account, monkeypatch):
    mailbox = make_mailbox()
    monkeypatch.setenv(imap_account["env"], "wrong")
    result = poll_mailbox(mailbox.id)
    assert result["error"]
    db.session.refresh(mailbox)
    assert mailbox.last_error


def test_crash_after_commit_before_the_seen_flag_does_not_duplicate(
    db, dovecot, imap_account, make_mailbox, comune, monkeypatch
):
    from contact_center.channels import imap

    mailbox = make_mailbox()
    acct = imap_account
    dovecot.deliver(acct["user"], acct["password"], build_email(subject="Posta elettronica bloccata"))

    def crash(*a, **k):
        raise OSError("connection reset while flagging")

    monkeypatch.setattr(imap, "_done", crash)
    assert poll_mailbox(mailbox.id)["error"]
    assert count(db, Ticket) == 1
    assert not any("\\Seen" in f for f in dovecot.flags(acct["user"], acct["password"]))
    monkeypatch.undo()
    result = poll_mailbox(mailbox.id)
    assert (result["fetched"], result["new"], result["error"]) == (1, 0, None)
    assert count(db, Ticket) == 1
    assert all("\\Seen" in f for f in dovecot.flags(acct["user"], acct["password"]))

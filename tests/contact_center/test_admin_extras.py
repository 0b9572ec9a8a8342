"""Suppressed addresses can be reactivated, PEC receipts are listed, `mail poll` polls, the ente's
timeline shows its mail."""

from __future__ import annotations

import sqlalchemy as sa

from app.db import transaction
from app.mail import MailSuppression, is_suppressed, queue_email, suppress
from contact_center.mailflow import ingest
from contact_center.models import RawSource
from tests.contact_center.conftest import build_email, build_receipt


def test_admin_reactivates_a_suppressed_address(db, client, login_as, get_csrf):
    suppress(address="gone@comune.example.it", reason="5.1.1: rimbalzo permanente")
    login_as("admin")
    page = client.get("/contact-center/quarantena").get_data(as_text=True)
    assert "gone@comune.example.it" in page
    row_id = db.session.scalar(sa.select(MailSuppression.id))
    token = get_csrf("/contact-center/quarantena")
    resp = client.post(f"/contact-center/quarantena/indirizzi/{row_id}/riattiva", data={"csrf_token": token})
    assert resp.status_code == 302
    assert not is_suppressed("gone@comune.example.it")


def test_receipts_page_lists_the_message_each_receipt_proves(db, client, login_as, comune):
    with transaction():
        out = queue_email(to="protocollo@pec.comune.example.it", subject="Esito verifica rete", body_text="x")
    ingest(build_receipt("avvenuta-consegna", out.message_id), source=RawSource.PIPE)
    login_as("operator")
    page = client.get("/contact-center/ricevute-pec").get_data(as_text=True)
    assert "avvenuta-consegna" in page and "Esito verifica rete" in page


def test_mail_poll_command_polls_every_active_mailbox(db, app, dovecot, imap_account, make_mailbox, comune):
    from contact_center.cli import mail_cli

    runner = app.test_cli_runner()
    assert "no active mailbox" in runner.invoke(mail_cli, ["poll"]).output
    make_mailbox(name="Assistenza")
    dovecot.deliver(imap_account["user"], imap_account["password"], build_email())
    result = runner.invoke(mail_cli, ["poll"])
    assert result.exit_code == 0, result.output
    assert "Assistenza: fetched 1, new 1" in result.output


def test_ente_timeline_shows_its_mail_to_staff_only(db, app, comune, make_user):
    from app.panels import org_timeline

    ingest(build_email(subject="Rete lenta"), source=RawSource.PIPE)
    with app.test_request_context():
        staff = [e.title for e in org_timeline(comune.id, make_user("operator"))]
        referente = [e.title for e in org_timeline(comune.id, make_user("referente", organization=comune))]
    assert any("Rete lenta" in t for t in staff)
    assert not any(t.startswith("Email: ") for t in referente)

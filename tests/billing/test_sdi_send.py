"""Sending a fattura to the SDI by PEC: issuing (and resending after a rejection) queues an email from
the SDI mailbox to the SDI's address with the transmission file attached under its SDI name, and the
SDI timeline records it as sent. Through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from lxml import etree

from app.extensions import db
from tests.billing.sdi_files import sample

SDI_BOX = "fatture@pec.presidio.test"
SDI_ADDRESS = "sdi01@pec.fatturapa.it"


@pytest.fixture
def pec_to_sdi(app, db, smtp_server, monkeypatch):
    """The SDI mailbox sends through its own SMTP (the test server); the default route is off."""
    from contact_center.models import Mailbox, MailboxKind, Security

    box = Mailbox(
        name="PEC fatturazione",
        kind=MailboxKind.PEC,
        address=SDI_BOX,
        imap_host="127.0.0.1",
        imap_security=Security.NONE,
        imap_user=SDI_BOX,
        password_env="PRESIDIO_TEST_UNUSED",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security=Security.NONE,
    )
    db.session.add(box)
    db.session.commit()
    monkeypatch.setitem(app.config, "SDI_PEC_SEND_FROM", SDI_BOX)
    monkeypatch.setitem(app.config, "SDI_PEC_ADDRESS", SDI_ADDRESS)
    monkeypatch.setitem(app.config, "BILLING_EMAIL_ON_ISSUE", False)
    monkeypatch.setitem(app.config, "MAIL_SMTP_URL", None)  # only the mailbox's SMTP can deliver
    return smtp_server


def _to_sdi(sink) -> list:
    return [(env, msg) for env, msg in zip(sink.messages, sink.parsed(), strict=True) if SDI_ADDRESS in env.rcpt_tos]


def _xml_attachment(message):
    return [p for p in message.iter_attachments() if (p.get_filename() or "").endswith(".xml")]


def test_issuing_sends_the_file_to_the_sdi_from_the_sdi_mailbox(issued, pec_to_sdi, run_jobs, finance, login, client):
    from billing import sdi

    invoice = issued()
    assert invoice.sdi_status == "sent"
    login(finance)
    html = client.get(f"/ragioneria/fatture/{invoice.id}").get_data(as_text=True)
    assert "File trasmesso" in html and f"via PEC a {SDI_ADDRESS}" in html and "Trasmessa" in html
    events = sdi.events_of(invoice.id)
    assert [(e.type, e.file_name, e.detail.get("channel")) for e in events] == [("SENT", invoice.sdi_file_name, "pec")]
    run_jobs()
    sent = _to_sdi(pec_to_sdi)
    assert len(sent) == 1
    envelope, message = sent[0]
    assert envelope.mail_from == SDI_BOX
    attachments = _xml_attachment(message)
    assert [a.get_filename() for a in attachments] == [invoice.sdi_file_name]
    doc = etree.fromstring(attachments[0].get_content() if isinstance(attachments[0].get_content(), bytes)
                           else attachments[0].get_content().encode())  # fmt: skip
    progressive = invoice.sdi_file_name.rsplit("_", 1)[1].removesuffix(".xml")
    assert doc.findtext(".//DatiTrasmissione/ProgressivoInvio") == progressive
    assert doc.findtext(".//DatiGeneraliDocumento/Numero") == invoice.number


def test_a_rejected_fattura_is_resent_under_its_new_name(issued, pec_to_sdi, run_jobs, finance):
    from billing import sdi

    invoice = issued()
    first = invoice.sdi_file_name
    sdi.receive(data=sample("NS_001", file_name=first), actor=finance)
    db.session.expire_all()
    invoice = sdi.resend(invoice_id=invoice.id, actor=finance)
    assert invoice.sdi_file_name != first and invoice.sdi_status == "sent"
    assert [e.type for e in sdi.events_of(invoice.id)] == ["SENT", "NS", "RESEND", "SENT"]
    run_jobs()
    names = [a.get_filename() for _, m in _to_sdi(pec_to_sdi) for a in _xml_attachment(m)]
    assert sorted(names) == sorted([first, invoice.sdi_file_name])


def test_without_pec_sending_configured_nothing_goes_to_the_sdi(issued, app, monkeypatch):
    from app.mail import OutboundEmail

    monkeypatch.setitem(app.config, "SDI_PEC_SEND_FROM", None)
    invoice = issued()
    assert invoice.sdi_status == "not_sent"
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboundEmail.category == "sdi")) == 0


def test_resending_on_the_invoice_page_says_it_went_by_pec(issued, pec_to_sdi, finance, login, client, get_csrf):
    from billing import sdi

    invoice = issued()
    sdi.receive(data=sample("NS_001", file_name=invoice.sdi_file_name), actor=finance)
    login(finance)
    token = get_csrf(f"/ragioneria/fatture/{invoice.id}")
    answer = client.post(
        f"/ragioneria/fatture/{invoice.id}/sdi/ritrasmetti", data={"csrf_token": token}, follow_redirects=True
    )
    html = answer.get_data(as_text=True)
    db.session.expire_all()
    name = db.session.get(type(invoice), invoice.id).sdi_file_name
    assert f"Nuovo nome file: {name}, trasmesso allo SDI via PEC." in html
    assert 'data-testid="sdi-status">Trasmessa<' in html

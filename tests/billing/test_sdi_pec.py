"""An SDI notification arriving as the attachment of a PEC (postacert.eml + daticert.xml) is applied
to its invoice by the contact center's intake, and opens no ticket — but only when it came in through
the mailbox configured for the SDI and from the SDI: anywhere else it is an ordinary message."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.billing.sdi_files import sample

SDI_BOX = "fatture@pec.presidio.test"


def _sdi_pec(attachment_name: str, data: bytes, *, sender: str = "sdi01@pec.fatturapa.it", to: str = SDI_BOX) -> bytes:
    inner = EmailMessage()
    inner["From"] = sender
    inner["To"] = to
    inner["Subject"] = "Ricevuta di consegna 4712345678"
    inner["Message-ID"] = make_msgid(domain="pec.fatturapa.it")
    inner.set_content("Il file in allegato è una notifica del Sistema di Interscambio.\n")
    inner.add_attachment(data, maintype="application", subtype="xml", filename=attachment_name)
    daticert = f"""<?xml version="1.0" encoding="UTF-8"?>
<postacert tipo="posta-certificata" errore="nessuno">
  <intestazione><mittente>{sender}</mittente>
  <destinatari tipo="certificato">{to}</destinatari>
  <risposte>{sender}</risposte><oggetto>{inner["Subject"]}</oggetto></intestazione>
  <dati><gestore-emittente>Sogei PEC</gestore-emittente>
  <data zona="+0100"><giorno>01/02/2026</giorno><ora>10:42:10</ora></data>
  <identificativo>opec.20260201104210.{uuid.uuid4().hex[:6]}.sdi@pec.fatturapa.it</identificativo>
  <msgid>{inner["Message-ID"].replace("<", "&lt;").replace(">", "&gt;")}</msgid></dati>
</postacert>""".encode()
    env = EmailMessage()
    env["From"] = f'"Per conto di: {sender}" <posta-certificata@pec.fatturapa.it>'
    env["To"] = to
    env["Reply-To"] = sender
    env["Subject"] = f"POSTA CERTIFICATA: {inner['Subject']}"
    env["Message-ID"] = make_msgid(domain="pec.fatturapa.it")
    env["X-Trasporto"] = "posta-certificata"
    env["X-Riferimento-Message-ID"] = str(inner["Message-ID"])
    env.set_content("Messaggio di posta certificata\n")
    env.add_attachment(daticert, maintype="application", subtype="xml", filename="daticert.xml")
    env.add_attachment(inner, filename="postacert.eml")
    return env.as_bytes()


@pytest.fixture
def mailbox(db):
    """A PEC mailbox row of the contact center (its IMAP server is never contacted here)."""
    from contact_center.models import Mailbox, MailboxKind, Security

    def factory(address: str) -> int:
        box = Mailbox(
            name=f"PEC {address}",
            kind=MailboxKind.PEC,
            address=address,
            imap_host="127.0.0.1",
            imap_security=Security.NONE,
            imap_user=address,
            password_env="PRESIDIO_TEST_UNUSED",
        )
        db.session.add(box)
        db.session.commit()
        return box.id

    return factory


@pytest.fixture
def sdi_box(app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "SDI_PEC_MAILBOX", SDI_BOX)
    return mailbox(SDI_BOX)


def _ingest(raw: bytes, mailbox_id: int | None):
    from contact_center.mailflow import ingest
    from contact_center.models import RawSource

    return ingest(raw, source=RawSource.IMAP, mailbox_id=mailbox_id)[1]


def _status(invoice) -> str:
    db.session.expire_all()
    return db.session.get(type(invoice), invoice.id).sdi_status


def _tickets() -> int:
    from tickets.models import Ticket

    return db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) or 0


def test_rc_in_a_pec_in_the_sdi_mailbox_delivers_the_invoice_and_opens_no_ticket(issued, sdi_box):
    invoice = issued()
    item = _ingest(_sdi_pec("IT80000110728_00001_RC_001.xml", sample("RC_001")), sdi_box)
    assert item is not None and item.status == "ignored" and "RC applicata" in (item.reason or "")
    assert _status(invoice) == "delivered"
    assert _tickets() == 0


def test_ns_in_the_sdi_mailbox_rejects_the_invoice(issued, sdi_box):
    invoice = issued()
    item = _ingest(_sdi_pec("IT80000110728_00001_NS_001.xml", sample("NS_001")), sdi_box)
    assert item is not None and item.status == "ignored"
    assert _status(invoice) == "rejected"
    assert _tickets() == 0


def test_an_rc_in_another_mailbox_moves_nothing(issued, sdi_box, mailbox):
    invoice = issued()
    other = mailbox("protocollo@pec.presidio.test")
    raw = _sdi_pec("IT80000110728_00001_RC_001.xml", sample("RC_001"), to="protocollo@pec.presidio.test")
    item = _ingest(raw, other)
    assert item is not None and item.status != "ignored"  # an ordinary message for triage
    assert _status(invoice) == "not_sent"


def test_an_rc_from_someone_else_in_the_sdi_mailbox_moves_nothing(issued, sdi_box):
    invoice = issued()
    forged = _sdi_pec("IT80000110728_00001_NS_001.xml", sample("NS_001"), sender="furbo@pec.example.it")
    item = _ingest(forged, sdi_box)
    assert item is not None and item.status != "ignored"
    assert _status(invoice) == "not_sent"


def test_an_uncertified_email_with_an_rc_moves_nothing(issued, sdi_box):
    from tests.contact_center.conftest import build_email

    invoice = issued()
    raw = build_email(
        sender="sdi01@pec.fatturapa.it",
        to=SDI_BOX,
        attachments=[("IT80000110728_00001_RC_001.xml", "application/xml", sample("RC_001"))],
    )
    item = _ingest(raw, sdi_box)
    assert item is not None and item.status != "ignored"
    assert _status(invoice) == "not_sent"


def test_without_an_sdi_mailbox_configured_no_pec_moves_an_invoice(issued, mailbox):
    invoice = issued()
    box = mailbox(SDI_BOX)
    item = _ingest(_sdi_pec("IT80000110728_00001_RC_001.xml", sample("RC_001")), box)
    assert item is not None and item.status != "ignored"
    assert _status(invoice) == "not_sent"


def test_an_ordinary_pec_with_an_xml_still_goes_to_triage(issued, sdi_box):
    issued()
    item = _ingest(_sdi_pec("delibera.xml", b"<delibera/>"), sdi_box)
    assert item is not None and item.status != "ignored"

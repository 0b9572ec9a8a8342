"""An SDI notification arriving as the attachment of a PEC (postacert.eml + daticert.xml) is applied
to its invoice by the contact center's intake, and opens no ticket."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa

from app.extensions import db
from tests.billing.sdi_files import sample


def _sdi_pec(attachment_name: str, data: bytes) -> bytes:
    sender = "sdi01@pec.fatturapa.it"
    inner = EmailMessage()
    inner["From"] = sender
    inner["To"] = "fatture@pec.presidio.test"
    inner["Subject"] = "Ricevuta di consegna 4712345678"
    inner["Message-ID"] = make_msgid(domain="pec.fatturapa.it")
    inner.set_content("Il file in allegato è una notifica del Sistema di Interscambio.\n")
    inner.add_attachment(data, maintype="application", subtype="xml", filename=attachment_name)
    daticert = f"""<?xml version="1.0" encoding="UTF-8"?>
<postacert tipo="posta-certificata" errore="nessuno">
  <intestazione><mittente>{sender}</mittente>
  <destinatari tipo="certificato">fatture@pec.presidio.test</destinatari>
  <risposte>{sender}</risposte><oggetto>{inner["Subject"]}</oggetto></intestazione>
  <dati><gestore-emittente>Sogei PEC</gestore-emittente>
  <data zona="+0100"><giorno>01/02/2026</giorno><ora>10:42:10</ora></data>
  <identificativo>opec.20260201104210.1.sdi@pec.fatturapa.it</identificativo>
  <msgid>{inner["Message-ID"].replace("<", "&lt;").replace(">", "&gt;")}</msgid></dati>
</postacert>""".encode()
    env = EmailMessage()
    env["From"] = f'"Per conto di: {sender}" <posta-certificata@pec.fatturapa.it>'
    env["To"] = "fatture@pec.presidio.test"
    env["Reply-To"] = sender
    env["Subject"] = f"POSTA CERTIFICATA: {inner['Subject']}"
    env["Message-ID"] = make_msgid(domain="pec.fatturapa.it")
    env["X-Trasporto"] = "posta-certificata"
    env["X-Riferimento-Message-ID"] = str(inner["Message-ID"])
    env.set_content("Messaggio di posta certificata\n")
    env.add_attachment(daticert, maintype="application", subtype="xml", filename="daticert.xml")
    env.add_attachment(inner, filename="postacert.eml")
    return env.as_bytes()


def test_rc_in_a_pec_delivers_the_invoice_and_opens_no_ticket(issued):
    from contact_center.mailflow import ingest
    from contact_center.models import RawSource
    from tickets.models import Ticket

    invoice = issued()
    _, item = ingest(_sdi_pec("IT80000110728_00001_RC_001.xml", sample("RC_001")), source=RawSource.IMAP)
    assert item is not None and item.status == "ignored" and "RC applicata" in (item.reason or "")
    db.session.expire_all()
    assert db.session.get(type(invoice), invoice.id).sdi_status == "delivered"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_an_ordinary_pec_with_an_xml_still_goes_to_triage(issued):
    from contact_center.mailflow import ingest
    from contact_center.models import RawSource

    issued()
    _, item = ingest(_sdi_pec("delibera.xml", b"<delibera/>"), source=RawSource.IMAP)
    assert item is not None and item.status != "ignored"

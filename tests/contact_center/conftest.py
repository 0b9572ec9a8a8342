"""Contact center fixtures: a private Dovecot (real IMAP) and helpers to build messages."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from tests.conftest import free_port

DOVECOT_CONF = """
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
mail_uid = {user}
mail_gid = {group}
first_valid_uid = 1
default_login_user = {login_user}
default_internal_user = {user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    """A private Dovecot on a free port in a temp dir; each test gets its own IMAP account."""

    def __init__(self, root: Path, port: int):
        self.root = root
        self.port = port
        self.host = "127.0.0.1"

    def add_user(self) -> tuple[str, str]:
        """A fresh account from the pool written before Dovecot started (passwd-file reloads only on
        an mtime change, which has one-second granularity: users added later could be missed)."""
        return self.pool.pop()

    def client(self, user: str, password: str):
        import imaplib

        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(user, password)
        return conn

    def deliver(self, user: str, password: str, raw: bytes, folder: str = "INBOX") -> None:
        conn = self.client(user, password)
        try:
            typ, data = conn.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def flags(self, user: str, password: str, folder: str = "INBOX") -> list[str]:
        """Flags of every message in ``folder``, in UID order."""
        conn = self.client(user, password)
        try:
            conn.select(folder)
            typ, data = conn.uid("SEARCH", None, "ALL")
            uids = (data[0] or b"").split()
            out = []
            for uid in uids:
                typ, resp = conn.uid("FETCH", uid, "(FLAGS)")
                out.append(resp[0].decode())
            return out
        finally:
            conn.logout()


@pytest.fixture(scope="session")
def dovecot():
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        pytest.fail("dovecot not installed: apt-get install dovecot-imapd (see .ci/run)")
    root = Path(tempfile.mkdtemp(prefix="presidio-dovecot-"))
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    pool = [(f"box-{uuid.uuid4().hex[:8]}@presidio.test", f"pw-{uuid.uuid4().hex[:10]}") for _ in range(300)]
    (root / "users").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in pool))
    import pwd

    user = "dovecot" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    login_user = "dovenull" if os.geteuid() == 0 else user
    group = "dovecot" if os.geteuid() == 0 else user
    if os.geteuid() == 0:
        shutil.chown(root / "mail", user, group)
        os.chmod(root, 0o755)  # noqa: S103 - dovecot's unprivileged users must traverse it
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(d=root, port=port, user=user, group=group, login_user=login_user))
    subprocess.run([binary, "-c", str(conf)], check=True)
    server = Dovecot(root, port)
    server.pool = pool  # type: ignore[attr-defined]
    import socket

    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        pytest.fail("dovecot did not start: " + (root / "dovecot.log").read_text()[-2000:])
    yield server
    pid_file = root / "run" / "master.pid"
    if pid_file.exists():
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid_file.read_text().strip()), 15)
    time.sleep(0.2)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_account(dovecot):
    user, password = dovecot.add_user()
    env = f"PRESIDIO_TEST_IMAP_{uuid.uuid4().hex[:6].upper()}"
    os.environ[env] = password
    yield {"user": user, "password": password, "env": env}
    os.environ.pop(env, None)


@pytest.fixture
def make_mailbox(db, dovecot, imap_account):
    """A Mailbox row pointing at the private Dovecot account (and at ``smtp_port`` for replies)."""
    from contact_center.models import Mailbox, MailboxKind, Security

    def factory(kind: str = "email", smtp_port: int | None = None, **kw: Any) -> Mailbox:
        mailbox = Mailbox(
            name=kw.pop("name", f"Casella {kind} {uuid.uuid4().hex[:4]}"),
            kind=MailboxKind(kind),
            address=kw.pop("address", imap_account["user"]),
            imap_host=dovecot.host,
            imap_port=dovecot.port,
            imap_security=Security.NONE,
            imap_user=imap_account["user"],
            password_env=imap_account["env"],
            smtp_host="127.0.0.1" if smtp_port else None,
            smtp_port=smtp_port or 25,
            smtp_security=Security.NONE,
            **kw,
        )
        db.session.add(mailbox)
        db.session.commit()
        return mailbox

    return factory


def build_email(
    *,
    sender: str = "Rita Rossi <rita@comune.example.it>",
    to: str = "assistenza@presidio.local",
    subject: str = "Stampante del protocollo ferma",
    body: str = "Buongiorno,\nla stampante dell'ufficio protocollo non stampa.\n",
    html: str | None = None,
    message_id: str | None = "auto",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(__import__("datetime").datetime.now(__import__("datetime").UTC))
    if message_id == "auto":
        message_id = make_msgid(domain="comune.example.it")
    if message_id:
        msg["Message-ID"] = message_id
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def build_pec(inner: bytes, *, sender: str = "protocollo@pec.comune.example.it", subject: str | None = None) -> bytes:
    """A PEC transport envelope (busta di trasporto) as providers send it, wrapping ``inner``."""
    import email
    from email import policy

    original = email.message_from_bytes(inner, policy=policy.default)
    subject = subject or str(original["Subject"])
    daticert = f"""<?xml version="1.0" encoding="UTF-8"?>
<postacert tipo="posta-certificata" errore="nessuno">
  <intestazione>
    <mittente>{sender}</mittente>
    <destinatari tipo="certificato">assistenza@pec.presidio.test</destinatari>
    <risposte>{sender}</risposte>
    <oggetto>{subject}</oggetto>
  </intestazione>
  <dati>
    <gestore-emittente>ARUBA PEC S.p.A.</gestore-emittente>
    <data zona="+0100"><giorno>23/11/2026</giorno><ora>10:15:02</ora></data>
    <identificativo>opec21.20261123101502.12345.67.1.1@pec.aruba.it</identificativo>
    <msgid>{escape(str(original["Message-ID"]))}</msgid>
  </dati>
</postacert>""".encode()
    env = EmailMessage()
    env["From"] = f'"Per conto di: {sender}" <posta-certificata@pec.aruba.it>'
    env["To"] = "assistenza@pec.presidio.test"
    env["Reply-To"] = sender
    env["Subject"] = f"POSTA CERTIFICATA: {subject}"
    env["Message-ID"] = make_msgid(domain="pec.aruba.it")
    env["X-Trasporto"] = "posta-certificata"
    env["X-Riferimento-Message-ID"] = str(original["Message-ID"])
    env.set_content(
        f"Messaggio di posta certificata\n\nIl giorno 23/11/2026 alle ore 10:15:02 il messaggio "
        f'"{subject}" è stato inviato da "{sender}"\n'
    )
    env.add_attachment(daticert, maintype="application", subtype="xml", filename="daticert.xml")
    env.add_attachment(original, filename="postacert.eml")
    return env.as_bytes()


def build_receipt(kind: str, ref_message_id: str, *, recipient: str = "protocollo@pec.comune.example.it") -> bytes:
    label = {
        "accettazione": "ACCETTAZIONE",
        "avvenuta-consegna": "CONSEGNA",
        "errore-consegna": "AVVISO DI MANCATA CONSEGNA",
    }[kind]
    daticert = f"""<?xml version="1.0" encoding="UTF-8"?>
<postacert tipo="{kind}" errore="nessuno">
  <intestazione><mittente>assistenza@pec.presidio.test</mittente>
  <destinatari tipo="certificato">{recipient}</destinatari><oggetto>Risposta</oggetto></intestazione>
  <dati><gestore-emittente>ARUBA PEC S.p.A.</gestore-emittente>
  <data zona="+0100"><giorno>23/11/2026</giorno><ora>10:20:00</ora></data>
  <identificativo>opec21.x@pec.aruba.it</identificativo><msgid>{escape(ref_message_id)}</msgid>
  <ricevuta tipo="completa"/><consegna>{recipient}</consegna></dati>
</postacert>""".encode()
    msg = EmailMessage()
    msg["From"] = "posta-certificata@pec.aruba.it"
    msg["To"] = "assistenza@pec.presidio.test"
    msg["Subject"] = f"{label}: Risposta"
    msg["Message-ID"] = make_msgid(domain="pec.aruba.it")
    msg["X-Ricevuta"] = kind
    msg["X-Riferimento-Message-ID"] = ref_message_id
    msg.set_content(f"Ricevuta di {kind}\n")
    msg.add_attachment(daticert, maintype="application", subtype="xml", filename="daticert.xml")
    return msg.as_bytes()


@pytest.fixture
def comune(db, make_org):
    """A comune with a known contact (Rita, the RTD) and a PEC address."""
    from crm.models import Contact

    org = make_org(name="Comune di Bitonto", pec="protocollo@pec.comune.example.it")
    contact = Contact(organization_id=org.id, name="Rita Rossi", email="rita@comune.example.it")
    db.session.add(contact)
    db.session.commit()
    org.contact = contact  # type: ignore[attr-defined]
    return org

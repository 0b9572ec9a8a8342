"""Demo data of the contact center (`seed demo`): each channel adds its part. Email: mailboxes,
routing rules and a morning's mail; phone: ``contact_center.phone.demo``.

Idempotent: rows are looked up by name, messages by Message-ID (the raw store never takes one twice).
The mailboxes are left inactive: an admin sets the password variable and switches them on.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from contact_center.models import Mailbox, RawSource, RoutingRule


def _mailboxes() -> dict[str, Mailbox]:
    from contact_center.services import save_mailbox

    specs: list[dict[str, Any]] = [
        {
            "name": "Assistenza",
            "kind": "email",
            "address": "assistenza@cittametropolitana.ba.example",
            "active": False,
            "imap_host": "imap.cittametropolitana.ba.example",
            "imap_port": 993,
            "imap_security": "ssl",
            "imap_user": "assistenza@cittametropolitana.ba.example",
            "imap_folder": "INBOX",
            "processed_folder": "Acquisiti",
            "smtp_host": "smtp.cittametropolitana.ba.example",
            "smtp_port": 465,
            "smtp_security": "ssl",
            "password_env": "MAILBOX_ASSISTENZA_PASSWORD",
        },
        {
            "name": "PEC del Centro",
            "kind": "pec",
            "address": "ccd@pec.cittametropolitana.ba.example",
            "active": False,
            "imap_host": "imaps.pec.aruba.it",
            "imap_port": 993,
            "imap_security": "ssl",
            "imap_user": "ccd@pec.cittametropolitana.ba.example",
            "imap_folder": "INBOX",
            "smtp_host": "smtps.pec.aruba.it",
            "smtp_port": 465,
            "smtp_security": "ssl",
            "password_env": "MAILBOX_PEC_PASSWORD",
        },
    ]
    out: dict[str, Mailbox] = {}
    for spec in specs:
        name = str(spec["name"])
        existing = db.session.scalar(sa.select(Mailbox).where(Mailbox.name == name))
        out[name] = existing or save_mailbox(data=spec)
    return out


def _rules(service_ids: dict[str, int], orgs: dict[str, Any]) -> int:
    from contact_center.services import save_rule

    specs: list[dict[str, Any]] = [
        {"name": "Parola chiave SPID", "kind": "keyword", "pattern": "spid", "service_id": service_ids.get("spid-cie"),
         "position": 20},
        {"name": "Parola chiave pagoPA", "kind": "keyword", "pattern": "pagopa",
         "service_id": service_ids.get("pagopa"), "position": 30},
        {"name": "Truffa del bonifico", "kind": "keyword", "pattern": "bonifico urgente", "action": "quarantine",
         "position": 5},
        {"name": "Newsletter fornitori", "kind": "domain", "pattern": "newsletter.fornitore.example", "action": "spam",
         "position": 6},
    ]  # fmt: skip
    if orgs.get("altamura") is not None:
        specs.append(
            {"name": "Dominio istituzionale di Altamura", "kind": "domain", "pattern": "comune.altamura.ba.it",
             "organization_id": orgs["altamura"].id, "position": 10}
        )  # fmt: skip
    n = 0
    for spec in specs:
        if db.session.scalar(sa.select(RoutingRule.id).where(RoutingRule.name == spec["name"])):
            continue
        save_rule(data={"action": "route", "active": True, **spec})
        n += 1
    return n


def _message(*, mid: str, sender: str, subject: str, body: str, minutes_ago: int, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "assistenza@cittametropolitana.ba.example"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow() - dt.timedelta(minutes=minutes_ago))
    msg["Message-ID"] = mid
    for key, value in headers.items():
        msg[key.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def _mail(mailboxes: dict[str, Mailbox], orgs: dict[str, Any]) -> int:
    from contact_center.mailflow import ingest
    from crm.services import list_contacts

    box = mailboxes["Assistenza"].id
    messages = [
        _message(
            mid="<demo-cc-1@gmail.example>",
            sender="Vito Lorusso <vito.lorusso74@gmail.example>",
            subject="Informazioni su accesso al portale tributi",
            body="Buongiorno,\nsono un consulente e non riesco ad accedere al portale tributi del Comune.\n"
            "A chi devo rivolgermi?\n\nGrazie\nVito Lorusso",
            minutes_ago=95,
        ),
        _message(
            mid="<demo-cc-2@outlook.example>",
            sender="Ufficio Anagrafe <anagrafe.noci@outlook.example>",
            subject="ANPR: errore nell'invio delle variazioni",
            body="Da ieri il gestionale segnala 'errore di comunicazione con ANPR' a ogni invio.\n"
            "Allego nulla perché non riesco a fare lo screenshot.\n\nCordiali saluti",
            minutes_ago=60,
        ),
        _message(
            mid="<demo-cc-3@mx.fornitore.example>",
            sender="Risponditore <noreply@fornitore.example>",
            subject="Risposta automatica: fuori ufficio",
            body="Sono fuori ufficio fino al 30 novembre.",
            minutes_ago=40,
            Auto_Submitted="auto-replied",
        ),
        _message(
            mid="<demo-cc-4@evil.example>",
            sender="Direzione <direzione@evil.example>",
            subject="Bonifico urgente da autorizzare oggi",
            body="Serve un bonifico urgente entro le 12. Rispondi subito.",
            minutes_ago=20,
        ),
    ]
    if orgs.get("monopoli") is not None:
        contacts, _ = list_contacts(organization_id=orgs["monopoli"].id, limit=1)
        if contacts and contacts[0].email:
            messages.append(
                _message(
                    mid="<demo-cc-5@comune.monopoli.example>",
                    sender=f"{contacts[0].name} <{contacts[0].email}>",
                    subject="SPID: i cittadini non riescono ad accedere ai servizi online",
                    body="Buongiorno, da questa mattina il pulsante 'Entra con SPID' restituisce un errore.\n"
                    "Ci sono già diverse segnalazioni allo sportello.\n\n-- \nUfficio CED",
                    minutes_ago=30,
                )
            )
    n = 0
    for raw in messages:
        row, item = ingest(raw, source=RawSource.IMAP, mailbox_id=box)
        n += int(item is not None)
    return n


def load(ctx: dict[str, Any]) -> None:
    from crm.services import find_organization_by_code

    orgs = {
        "altamura": find_organization_by_code("072004"),
        "monopoli": find_organization_by_code("072030"),
    }
    mailboxes = _mailboxes()
    rules = _rules(ctx.get("crm_service_ids") or {}, orgs)
    ctx.setdefault("summary", {})["contact_center"] = {"mailboxes": len(mailboxes), "rules": rules}
    try:
        from contact_center.phone import demo as phone_demo
    except ModuleNotFoundError:
        return
    phone_demo.load(ctx)


def after_users(ctx: dict[str, Any]) -> None:
    """The morning's mail arrives after the tickets' demo history (which only loads on an empty desk)."""
    from crm.services import find_organization_by_code

    orgs = {"monopoli": find_organization_by_code("072030")}
    mailboxes = {m.name: m for m in db.session.scalars(sa.select(Mailbox))}
    if "Assistenza" not in mailboxes:
        return
    ctx.setdefault("summary", {}).setdefault("contact_center", {})["messages"] = _mail(mailboxes, orgs)
    try:
        from contact_center.phone import demo as phone_demo
    except ModuleNotFoundError:
        return
    if hasattr(phone_demo, "after_users"):
        phone_demo.after_users(ctx)

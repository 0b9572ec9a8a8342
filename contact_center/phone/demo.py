"""Demo calls, voicemails and SMS for the comuni of the Città Metropolitana di Bari (idempotent)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import sqlalchemy as sa

from app.db import transaction, utcnow
from app.extensions import db
from contact_center.phone.models import (
    Call,
    CallOutcome,
    CallSource,
    CallStatus,
    Direction,
    PhoneMenuOption,
    SmsMessage,
    SmsStatus,
)

MENU = [
    ("1", "posta elettronica e PEC", ("pec", "posta")),
    ("2", "pagoPA e pagamenti", ("pagopa",)),
    ("3", "SPID, CIE e ANPR", ("spid", "anpr", "identit")),
    ("4", "siti web e App IO", ("siti", "web", "app io")),
]

NOTES = [
    "Non riesce ad accedere alla casella PEC del protocollo dopo il cambio password.",
    "Chiede come generare gli avvisi pagoPA per la mensa scolastica.",
    "Il sito istituzionale è lento da questa mattina.",
    "Richiesta di attivazione di un nuovo servizio su App IO per i tributi.",
    "Problema con la firma digitale del sindaco: certificato scaduto.",
    "Errore nel subentro ANPR di una pratica di residenza.",
    "Chiede informazioni sul rinnovo della convenzione.",
    "La stampante multifunzione dell'ufficio anagrafe non scansiona in rete.",
]
VOICEMAILS = [
    "Buonasera, sono dell'ufficio tributi, la piattaforma pagoPA ci dà errore sugli avvisi della TARI. "
    "Mi richiamate domattina? Grazie.",
    "Salve, chiamo dal comune per la PEC: non arrivano più le ricevute di consegna. Lascio il mio numero.",
]
SMS_IN = [
    "Buongiorno, la PEC funziona di nuovo, grazie.",
    "Potete richiamarmi per il sito? Grazie.",
    "Ok, attendo la vostra chiamata.",
]


def _menu() -> None:
    from crm.services import list_services

    services = list_services()
    for digit, label, words in MENU:
        if db.session.scalar(sa.select(PhoneMenuOption.id).where(PhoneMenuOption.digit == digit)) is not None:
            continue
        service = next((s for s in services if any(w in s.name.lower() or w in s.code.lower() for w in words)), None)
        db.session.add(PhoneMenuOption(digit=digit, label=label, service_id=service.id if service else None))


def _bari_parties() -> list[tuple[int, int | None, str]]:
    """(organization, contact, E.164 number) of the Bari comuni with a phone number."""
    from contact_center.sources import contacts_of
    from crm.services import list_organizations, normalize_phone

    orgs, cursor = list_organizations(limit=200, province="BA", active=True)
    while cursor:
        more, cursor = list_organizations(limit=200, cursor=cursor, province="BA", active=True)
        orgs.extend(more)
    parties = []
    for org in orgs:
        contacts = [c for c in contacts_of(org.id) if c.phone]
        if contacts:
            contact = sorted(contacts, key=lambda c: c.id)[0]
            parties.append((org.id, contact.id, normalize_phone(contact.phone) or contact.phone))
        elif org.phone:
            parties.append((org.id, None, normalize_phone(org.phone) or org.phone))
    return sorted(parties)


def load(ctx: dict[str, Any]) -> None:
    summary = ctx.setdefault("summary", {})
    with transaction():
        _menu()
    if db.session.scalar(sa.select(sa.func.count()).select_from(Call).where(Call.call_sid.like("CAdemo%"))):
        summary["phone"] = "demo calls already present"
        return
    parties = _bari_parties()
    if not parties:
        summary["phone"] = "no Bari comuni with a phone number: no demo calls"
        return
    rng = random.Random(41)  # the same demo every time
    now = utcnow().replace(second=0, microsecond=0)
    calls = 0
    with transaction():
        for i in range(60):
            org_id, contact_id, number = parties[i % len(parties)]
            days_ago = i // 8
            local_hour = 9 + (i * 7) % 8
            started = (now - dt.timedelta(days=days_ago)).replace(hour=local_hour - 1, minute=(i * 13) % 60)
            if started > now:
                started -= dt.timedelta(days=1)
            roll = rng.random()
            outcome = CallOutcome.ANSWERED if roll < 0.75 else CallOutcome.MISSED
            wait = rng.randint(5, 90)
            talk = rng.randint(60, 900) if outcome == CallOutcome.ANSWERED else None
            unknown = i % 11 == 10
            call = Call(
                call_sid=f"CAdemo{i:026d}",
                source=CallSource.TWILIO if i % 6 else CallSource.MANUAL,
                direction=Direction.INBOUND if i % 9 else Direction.OUTBOUND,
                from_number=number if not unknown else f"+39347555{i:04d}",
                to_number="+390805412111",
                caller_number=number if not unknown else f"+39347555{i:04d}",
                organization_id=None if unknown else org_id,
                contact_id=None if unknown else contact_id,
                match_confidence=None if unknown else "known",
                status=CallStatus.COMPLETED if outcome == CallOutcome.ANSWERED else CallStatus.NO_ANSWER,
                outcome=outcome,
                menu_choice=str(1 + i % 4),
                started_at=started,
                answered_at=started + dt.timedelta(seconds=wait) if talk else None,
                ended_at=started + dt.timedelta(seconds=wait + (talk or 0)),
                duration_seconds=wait + (talk or 0),
                wait_seconds=wait,
                talk_seconds=talk,
                notes=NOTES[i % len(NOTES)] if talk else "",
                callback_needed=outcome == CallOutcome.MISSED and days_ago < 2,
            )
            db.session.add(call)
            calls += 1
    _voicemails(parties, now)
    _sms(parties, now)
    summary["phone"] = f"{calls} calls, {len(VOICEMAILS)} voicemails, {len(SMS_IN)} SMS"


def _voicemails(parties: list[tuple[int, int | None, str]], now: dt.datetime) -> None:
    """Night voicemails waiting in triage with their transcript (as the webhooks leave them)."""
    from contact_center.phone import services

    for n, text in enumerate(VOICEMAILS):
        org_id, contact_id, number = parties[(n * 5 + 3) % len(parties)]
        sid = f"CAdemovm{n:024d}"
        if services.call_by_sid(sid) is not None:
            continue
        caller = f"+39338000{n:04d}"  # not in the CRM: waits in triage
        call = services.start_inbound_call(
            call_sid=sid, from_number=caller, to_number="+390805412111", after_hours=True
        )
        with transaction():
            call.started_at = (now - dt.timedelta(days=1)).replace(hour=19, minute=40 + n)
        services.record_recording(
            call_sid=sid,
            recording_sid=f"REdemo{n:026d}",
            recording_url=f"https://api.twilio.com/2010-04-01/Accounts/ACdemo/Recordings/REdemo{n:026d}",
            duration=25 + n * 9,
        )
        services.record_transcription(call_sid=sid, transcription_sid=f"TRdemo{n:026d}", text=text, status="completed")
        services.record_call_status(call_sid=sid, status="completed", duration=40 + n * 9)


def _sms(parties: list[tuple[int, int | None, str]], now: dt.datetime) -> None:
    from contact_center.phone import services

    for n, body in enumerate(SMS_IN):
        org_id, contact_id, number = parties[(n * 7 + 1) % len(parties)]
        sms, created = services.receive_sms(
            message_sid=f"SMdemo{n:026d}", from_number=number, to_number="+390805412111", body=body
        )
        if created:
            services.process_sms(sms_id=sms.id)
            with transaction():
                sms.created_at = now - dt.timedelta(hours=3 * (n + 1))
    if not db.session.scalar(sa.select(SmsMessage.id).where(SmsMessage.direction == Direction.OUTBOUND).limit(1)):
        org_id, contact_id, number = parties[0]
        with transaction():
            db.session.add(
                SmsMessage(
                    message_sid="SMdemoout" + "0" * 23,
                    direction=Direction.OUTBOUND,
                    from_number="+390805412111",
                    to_number=number,
                    counterpart_number=number,
                    body="Gentile referente, la manutenzione della PEC è conclusa. Centro di Competenza.",
                    status=SmsStatus.DELIVERED,
                    organization_id=org_id,
                    contact_id=contact_id,
                    match_confidence="known",
                    created_at=now - dt.timedelta(days=2),
                    sent_at=now - dt.timedelta(days=2),
                )
            )

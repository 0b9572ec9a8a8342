from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

NAME = "Giuseppina Verdastri"
EMAIL = "g.verdastri@comune-lamarina.example.it"
PHONE = "+393331234567"


@pytest.fixture
def admin(make_user):
    return make_user("admin", name="Ada Admin")


@pytest.fixture
def person(db, make_org, admin):
    """A contact with a ticket, messages (signature, quoted header), a call with its recording, an SMS,
    a STOP, an interaction, an e-mail sent to her and an inbound e-mail with its raw original."""
    from app.db import transaction
    from app.mail import queue_email
    from contact_center.models import InboundChannel, InboundItem, InboundStatus, RawMessage, RawSource
    from contact_center.phone.models import (
        Call,
        CallOutcome,
        CallSource,
        CallStatus,
        Direction,
        SmsMessage,
        SmsOptOut,
        SmsStatus,
    )
    from crm.models import Contact, Interaction, InteractionKind
    from tickets.models import TicketAttachment, TimeEntry
    from tickets.services import add_message, open_ticket, store_blob

    org = make_org(name="Comune di Lamarina")
    with transaction(actor=admin):
        contact = Contact(organization_id=org.id, name=NAME, email=EMAIL, phone=PHONE, consent=True)
        db.session.add(contact)
    ticket = open_ticket(
        subject=f"PEC non ricevute da {NAME}",
        description=(
            "Buongiorno,\nla casella PEC del protocollo non riceve più messaggi.\n\nCordiali saluti\n"
            f"{NAME}\nUfficio Protocollo\nTel. 333 123 4567"
        ),
        organization_id=org.id,
        requester_contact_id=contact.id,
        author_label=NAME,
        actor=admin,
    )
    add_message(
        ticket_id=ticket.id,
        body=f"Gentile Giuseppina, abbiamo riavviato il servizio: scriva pure a {EMAIL} se si ripresenta.",
        actor=admin,
    )
    add_message(
        ticket_id=ticket.id,
        body=(
            f"Funziona, grazie!\n-- \n{NAME}\nCell +39 333 1234567\n\n"
            f"> Da: Centro <assistenza@presidio.local>\n> Inviato: lunedì\n> Gentile Giuseppina"
        ),
        author_contact_id=contact.id,
        author_label=f"{NAME} <{EMAIL}>",
        channel="email",
        actor=None,
    )
    recording = b"ID3 fake mp3 of the voicemail"
    sha = store_blob(recording, "audio/mpeg")
    with transaction(actor=admin):
        db.session.add(
            TicketAttachment(
                ticket_id=ticket.id,
                filename="segreteria.mp3",
                content_type="audio/mpeg",
                size=len(recording),
                sha256=sha,
            )
        )
        db.session.add(
            TimeEntry(ticket_id=ticket.id, organization_id=org.id, minutes=45, work_date=dt.date(2026, 12, 1))
        )
        call = Call(
            source=CallSource.TWILIO,
            direction=Direction.INBOUND,
            from_number=PHONE,
            to_number="+390801234567",
            caller_number=PHONE,
            organization_id=org.id,
            contact_id=contact.id,
            status=CallStatus.COMPLETED,
            outcome=CallOutcome.VOICEMAIL,
            recording_url="https://api.twilio.com/Recordings/RE1",
            recording_seconds=12,
            recording_stored_sha256=sha,
            transcript=f"Sono {NAME}, richiamatemi al 333 1234567",
            ticket_id=ticket.id,
        )
        db.session.add(call)
        db.session.add(
            SmsMessage(
                direction=Direction.INBOUND,
                from_number=PHONE,
                to_number="+390801234567",
                counterpart_number=PHONE,
                body=f"Sono {NAME}: la PEC ora funziona",
                status=SmsStatus.PROCESSED,
                organization_id=org.id,
                contact_id=contact.id,
            )
        )
        db.session.add(SmsOptOut(number=PHONE, keyword="STOP"))
        db.session.add(
            Interaction(
                organization_id=org.id,
                contact_id=contact.id,
                author_id=admin.id,
                kind=InteractionKind.CALL,
                subject=f"Telefonata con {NAME}",
                body=f"{NAME} chiede la formazione sulla PEC; cellulare 3331234567.",
            )
        )
        raw = RawMessage(
            source=RawSource.PIPE,
            dedupe_key="raw-1",
            raw=f"From: {NAME} <{EMAIL}>\r\nSubject: PEC\r\n\r\nCiao".encode(),
            size=60,
            sha256=hashlib.sha256(b"raw-1").hexdigest(),
        )
        db.session.add(raw)
        db.session.flush()
        db.session.add(
            InboundItem(
                channel=InboundChannel.EMAIL,
                status=InboundStatus.TICKETED,
                dedupe_key="item-1",
                sender_name=NAME,
                sender_email=EMAIL,
                subject="PEC",
                body_text=f"Scrive {NAME}",
                organization_id=org.id,
                contact_id=contact.id,
                ticket_id=ticket.id,
                raw_id=raw.id,
            )
        )
        queue_email(
            to=EMAIL, subject=f"Richiesta {ticket.number}", body_text=f"Gentile {NAME}, ...", ticket_id=ticket.id
        )
    db.session.expire_all()
    return {"contact": contact, "ticket": ticket, "org": org, "sha": sha}


def personal_strings() -> list[str]:
    return ["Verdastri", "Giuseppina", "g.verdastri", "3331234567", "333 123 4567", "333 1234567"]


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [s for s in personal_strings() if s.lower() in lowered]


@pytest.fixture
def leak_check() -> Any:
    return leaks

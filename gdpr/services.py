"""Data-subject rights: export everything held about a contact or a user; anonymize a contact.

Each module gives its rows through a small reader (``<module>/personal_data.py``); this module puts
them together. Both operations are admin-only and audited; anonymizing twice changes nothing the
second time (``Erasure``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app import audit
from app.audit import AuditEntry, _jsonable
from app.auth.models import ApiToken, User
from app.auth.permissions import require
from app.db import transaction, utcnow
from app.errors import NotFound
from app.extensions import db
from app.mail import MailSuppression, OutboundEmail
from gdpr.models import Erasure
from gdpr.scrub import Scrubber

PERM = "gdpr.admin"
PLACEHOLDER = "Contatto anonimizzato"
SKIP_COLUMNS = {"search_vector", "password_hash", "token_hash", "raw"}


def row(obj: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column of a row as JSON-ready values (dates ISO 8601, money as strings)."""
    mapper = sa.inspect(obj).mapper
    return {
        attr.key: _jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in SKIP_COLUMNS and attr.key not in exclude
    }


def _contact(contact_id: int) -> Any:
    from crm.services import get_contact

    contact = get_contact(contact_id)
    if contact is None:
        raise NotFound("contatto non trovato")
    return contact


def _audit_entries(refs: dict[str, list[int]], limit: int = 5000) -> list[AuditEntry]:
    conds = [
        sa.and_(AuditEntry.object_type == object_type, AuditEntry.object_id.in_([str(i) for i in ids]))
        for object_type, ids in refs.items()
        if ids
    ]
    if not conds:
        return []
    return list(db.session.scalars(sa.select(AuditEntry).where(sa.or_(*conds)).order_by(AuditEntry.id).limit(limit)))


def _contact_records(contact_id: int) -> dict[str, Any]:
    from contact_center import personal_data as cc
    from crm import personal_data as crm
    from tickets import personal_data as tk

    tickets = tk.tickets_requested_by(contact_id)
    ticket_ids = [t.id for t in tickets]
    return {
        "tickets": tickets,
        "messages": tk.messages_for(ticket_ids=ticket_ids, contact_id=contact_id),
        "attachments": tk.attachments_of(ticket_ids),
        "cc_tickets": tk.tickets_cc(contact_id),
        "calls": cc.calls_of(contact_id),
        "sms": cc.sms_of(contact_id),
        "inbound": cc.inbound_items_of(contact_id),
        "interactions": crm.interactions_of(contact_id),
    }


def _audit_refs(contact_id: int, records: dict[str, Any]) -> dict[str, list[int]]:
    return {
        "contacts": [contact_id],
        "tickets": [t.id for t in records["tickets"]],
        "ticket_messages": [m.id for m in records["messages"]],
        "interactions": [i.id for i in records["interactions"]],
        "phone_calls": [c.id for c in records["calls"]],
        "phone_sms": [s.id for s in records["sms"]],
        "inbound_items": [i.id for i in records["inbound"]],
        "users": [u.id for u in _portal_users(contact_id)],
    }


def _portal_users(contact_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.contact_id == contact_id).order_by(User.id)))


def export_contact(contact_id: int, *, actor: Any) -> dict[str, Any]:
    """Everything held about a contact, as one JSON document (the export is audited)."""
    from contact_center import personal_data as cc
    from crm.models import Organization

    require(actor, PERM)
    contact = _contact(contact_id)
    records = _contact_records(contact_id)
    org = db.session.get(Organization, contact.organization_id)
    emails = [contact.email] if contact.email else []
    numbers = (
        {contact.phone} | {c.caller_number for c in records["calls"]} | {s.counterpart_number for s in records["sms"]}
    )
    erasure = db.session.scalar(
        sa.select(Erasure).where(Erasure.subject_type == "contact", Erasure.subject_id == contact_id)
    )
    document = {
        "generated_at": _jsonable(utcnow()),
        "subject": {"type": "contact", "id": contact_id},
        "contact": {**row(contact), "organization": org.name if org else None},
        "consents": {
            "privacy_consent": contact.consent,
            "privacy_consent_at": _jsonable(contact.consent_at),
            "sms_notifications": contact.sms_notifications,
            "sms_opt_outs": [row(o) for o in cc.sms_opt_outs(numbers)],
            "email_suppressed": [
                row(s)
                for s in db.session.scalars(sa.select(MailSuppression).where(MailSuppression.address.in_(emails)))
            ]
            if emails
            else [],
            "email_failing": contact.email_failing,
        },
        "portal_users": [row(u, ("fiscal_code",)) for u in _portal_users(contact_id)],
        "tickets": [row(t) for t in records["tickets"]],
        "tickets_in_cc": records["cc_tickets"],
        "messages": [row(m) for m in records["messages"]],
        "attachments": [row(a) for a in records["attachments"]],
        "calls": [row(c) for c in records["calls"]],
        "sms": [row(s) for s in records["sms"]],
        "inbound_messages": [row(i) for i in records["inbound"]],
        "interactions": [row(i) for i in records["interactions"]],
        "emails_sent": [
            row(e, ("headers", "attachments"))
            for e in db.session.scalars(
                sa.select(OutboundEmail).where(OutboundEmail.to_addr.in_(emails)).order_by(OutboundEmail.id).limit(5000)
            )
        ]
        if emails
        else [],
        "audit_entries": [row(e) for e in _audit_entries(_audit_refs(contact_id, records))],
        "anonymized": row(erasure) if erasure else None,
    }
    with transaction(actor=actor):
        audit.record(
            object_type="contacts", object_id=contact_id, action="export", organization_id=contact.organization_id
        )
    return document


def export_user(user_id: int, *, actor: Any) -> dict[str, Any]:
    """Everything held about a user (staff or referente), as one JSON document (audited)."""
    from contact_center import personal_data as cc
    from crm import personal_data as crm
    from tickets import personal_data as tk

    require(actor, PERM)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("utente non trovato")
    tickets = tk.tickets_of_user(user_id)
    actions = list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(
                sa.or_(
                    AuditEntry.actor_id == user_id,
                    sa.and_(AuditEntry.object_type == "users", AuditEntry.object_id == str(user_id)),
                )
            )
            .order_by(AuditEntry.id)
            .limit(5000)
        )
    )
    document = {
        "generated_at": _jsonable(utcnow()),
        "subject": {"type": "user", "id": user_id},
        "user": row(user),
        "api_tokens": [row(t) for t in db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user_id))],
        "tickets": [row(t, ("description",)) for t in tickets],
        "messages": [row(m) for m in tk.messages_for(ticket_ids=[], user_id=user_id)],
        "interactions": [row(i) for i in crm.interactions_by_user(user_id)],
        "calls": [row(c) for c in cc.calls_by_operator(user_id)],
        "emails_sent": [
            row(e, ("headers", "attachments"))
            for e in db.session.scalars(
                sa.select(OutboundEmail)
                .where(OutboundEmail.to_addr == user.email)
                .order_by(OutboundEmail.id)
                .limit(5000)
            )
        ],
        "audit_entries": [row(e) for e in actions],
    }
    with transaction(actor=actor):
        audit.record(object_type="users", object_id=user_id, action="export", organization_id=user.organization_id)
    return document


def _scrub_json(value: Any, scrub: Scrubber) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_json(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, scrub) for k, v in value.items()}
    return value


def anonymize_contact(contact_id: int, *, actor: Any) -> Erasure:
    """Replace the contact's name, e-mail, phone and its personal data in free text (its messages'
    signatures and quoted headers, every occurrence of its name, e-mail and phone in its tickets,
    calls, SMS, interactions, e-mails and audit entries); drop raw e-mails and recordings. Tickets,
    invoices, times and figures stay. Idempotent: a second call returns the first record."""
    from contact_center import personal_data as cc
    from crm import personal_data as crm
    from tickets import personal_data as tk

    require(actor, PERM)
    contact = _contact(contact_id)
    done = db.session.scalar(
        sa.select(Erasure).where(Erasure.subject_type == "contact", Erasure.subject_id == contact_id)
    )
    if done is not None:
        return done
    records = _contact_records(contact_id)
    users = _portal_users(contact_id)
    emails = {contact.email} | {i.sender_email for i in records["inbound"]} | {u.email for u in users}
    phones = (
        {contact.phone}
        | {c.caller_number for c in records["calls"]}
        | {s.counterpart_number for s in records["sms"]}
        | {i.sender_phone for i in records["inbound"]}
        | {u.phone for u in users}
    )
    scrub = Scrubber(name=contact.name, emails=emails, phones=phones)
    refs = _audit_refs(contact_id, records)
    placeholder = f"{PLACEHOLDER} #{contact_id}"
    with transaction(actor=actor):
        summary: dict[str, Any] = {}
        summary["crm"] = crm.erase_contact(contact_id, name=placeholder, scrub=scrub)
        summary["tickets"] = tk.erase_contact_text(contact_id, scrub, placeholder)
        summary["contact_center"], recordings = cc.erase_contact(contact_id, scrub=scrub, placeholder=placeholder)
        summary["recordings"] = _drop_recording_attachments(recordings, [t.id for t in records["tickets"]])
        for user in users:
            db.session.execute(
                sa.update(User)
                .where(User.id == user.id)
                .values(
                    email=f"anonimizzato-{user.id}@invalid.invalid",
                    name=placeholder,
                    phone=None,
                    fiscal_code=None,
                    password_hash=None,
                    active=False,
                )
            )
            db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id).values(revoked_at=utcnow()))
        summary["users"] = len(users)
        summary["emails"] = _scrub_emails([e for e in emails if e], scrub)
        addresses = [e.strip().lower() for e in emails if e]
        if addresses:
            db.session.execute(sa.delete(MailSuppression).where(sa.func.lower(MailSuppression.address).in_(addresses)))
        entries = _audit_entries(refs, limit=100_000)
        for entry in entries:
            cleaned = _scrub_json(entry.changes, scrub)
            if cleaned != entry.changes:
                db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(changes=cleaned))
        summary["audit_entries"] = len(entries)
        erasure = Erasure(
            subject_type="contact", subject_id=contact_id, actor_id=getattr(actor, "id", None), summary=summary
        )
        db.session.add(erasure)
        audit.record(
            object_type="contacts",
            object_id=contact_id,
            action="anonymize",
            changes={"replaced": ["name", "email", "phone", "free_text"], "rows": summary},
            organization_id=contact.organization_id,
        )
    db.session.expire_all()
    if recordings:  # after the commit: a rolled-back anonymization must not have lost files
        from gdpr.retention import delete_unused_files

        delete_unused_files(recordings)
    return erasure


def _scrub_emails(addresses: list[str], scrub: Scrubber) -> int:
    if not addresses:
        return 0
    lowered = [a.strip().lower() for a in addresses]
    changed = 0
    for email in db.session.scalars(sa.select(OutboundEmail).where(sa.func.lower(OutboundEmail.to_addr).in_(lowered))):
        db.session.execute(
            sa.update(OutboundEmail)
            .where(OutboundEmail.id == email.id)
            .values(
                to_addr="anonimizzato@invalid.invalid",
                recipients=[scrub(r) for r in email.recipients or []],
                cc=[scrub(r) for r in email.cc or []],
                subject=scrub(email.subject)[:500],
                body_text=scrub(email.body_text),
                body_html=scrub(email.body_html) if email.body_html else None,
                headers={},
            )
        )
        changed += 1
    return changed


def _drop_recording_attachments(shas: set[str], ticket_ids: list[int]) -> int:
    """The contact's voice: the recordings attached to its tickets go (the files after the commit)."""
    from tickets import personal_data as tk

    if not shas:
        return 0
    return tk.delete_attachments([a.id for a in tk.attachments_of(ticket_ids) if a.sha256 in shas])

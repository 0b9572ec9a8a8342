"""What the CRM holds about a contact, for data-subject rights (the gdpr module).

Writes are plain UPDATE statements so the audit log does not copy the data being erased; the
caller records one audit entry for the whole operation.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from app.extensions import db
from crm.models import Contact, Interaction


def interactions_of(contact_id: int) -> list[Interaction]:
    return list(
        db.session.scalars(sa.select(Interaction).where(Interaction.contact_id == contact_id).order_by(Interaction.id))
    )


def interactions_by_user(user_id: int) -> list[Interaction]:
    return list(
        db.session.scalars(sa.select(Interaction).where(Interaction.author_id == user_id).order_by(Interaction.id))
    )


def erase_contact(contact_id: int, *, name: str, scrub: Callable[[str, bool], str]) -> int:
    """Blank the contact's identity (the row stays: tickets and figures still point at it) and
    rewrite its interactions' text. Returns the rows changed."""
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        return 0
    db.session.execute(
        sa.update(Contact)
        .where(Contact.id == contact_id)
        .values(
            name=name,
            email=None,
            phone=None,
            notes="",
            consent=False,
            sms_notifications=False,
            portal_access=False,
            active=False,
        )
    )
    changed = 1
    for item in interactions_of(contact_id):
        subject, body = scrub(item.subject, False), scrub(item.body, False)
        if (subject, body) != (item.subject, item.body):
            db.session.execute(
                sa.update(Interaction).where(Interaction.id == item.id).values(subject=subject[:300], body=body)
            )
            changed += 1
    return changed

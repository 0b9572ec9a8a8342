"""Read-only answers about contacts for the modules above (the contact center), so they never query the
CRM's tables themselves. Re-exported by ``crm.services``."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from crm.models import Contact


def sms_subscribers() -> dict[int, str]:
    """Contact id -> phone of every active contact who asked for SMS notifications."""
    rows = db.session.execute(
        sa.select(Contact.id, Contact.phone).where(
            Contact.sms_notifications.is_(True), Contact.active.is_(True), Contact.phone.is_not(None)
        )
    )
    return {contact_id: phone for contact_id, phone in rows if phone}

"""The consents panel of the contact page: privacy consent, SMS (STOP), e-mail, anonymization."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.auth.permissions import can
from app.extensions import db
from app.mail import MailSuppression
from gdpr.models import Erasure


def contact_consents(contact: Any, user: Any) -> dict[str, Any] | None:
    """What the contact agreed to or refused, for staff; None hides the panel."""
    from contact_center import personal_data as cc

    if contact is None or not can(user, "gdpr.consents"):
        return None
    opt_outs = cc.sms_opt_outs([contact.phone])
    suppressed = (
        db.session.scalar(
            sa.select(MailSuppression).where(sa.func.lower(MailSuppression.address) == contact.email.lower())
        )
        if contact.email
        else None
    )
    erasure = db.session.scalar(
        sa.select(Erasure).where(Erasure.subject_type == "contact", Erasure.subject_id == contact.id)
    )
    return {
        "consent": contact.consent,
        "consent_at": contact.consent_at,
        "sms_notifications": contact.sms_notifications,
        "sms_stop": opt_outs[0] if opt_outs else None,
        "email_suppressed": suppressed,
        "email_failing": contact.email_failing,
        "erasure": erasure,
        "admin": can(user, "gdpr.admin"),
    }

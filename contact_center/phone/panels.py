"""The phone's part of an ente's 360° page: its calls and SMS on the timeline, and the phone panel."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _

from app.auth.permissions import can
from app.extensions import db
from app.panels import TimelineEvent
from contact_center.phone import services
from contact_center.phone.models import Call, Direction, SmsMessage
from contact_center.phone.views import OUTCOME_LABELS, contacts_of, seconds


def org_timeline(organization_id: int, user: Any, limit: int) -> list[TimelineEvent]:
    """Calls and SMS of an ente, for staff who may see the console."""
    if not can(user, "phone.console"):
        return []
    events: list[TimelineEvent] = []
    calls = db.session.scalars(
        sa.select(Call)
        .where(Call.organization_id == organization_id)
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(limit)
    )
    for call in calls:
        verso = _("ricevuta") if call.direction == Direction.INBOUND else _("effettuata")
        events.append(
            TimelineEvent(
                at=call.started_at,
                kind="call",
                title=_("Telefonata %(verso)s: %(who)s", verso=verso, who=services.caller_label(call)),
                url=url_for("phone.call_detail", call_id=call.id),
                detail=str(OUTCOME_LABELS.get(call.outcome.value, call.outcome.value))
                + (f" · {seconds(call.talk_seconds)}" if call.talk_seconds else ""),
                icon="it-telephone",
            )
        )
    messages = db.session.scalars(
        sa.select(SmsMessage)
        .where(SmsMessage.organization_id == organization_id)
        .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
        .limit(limit)
    )
    for sms in messages:
        verso = _("ricevuto") if sms.direction == Direction.INBOUND else _("inviato")
        events.append(
            TimelineEvent(
                at=sms.created_at,
                kind="sms",
                title=_("SMS %(verso)s: %(who)s", verso=verso, who=services.caller_label(sms)),
                url=url_for("phone.sms_list"),
                detail=sms.body[:140],
                icon="it-mail",
            )
        )
    return events


def org_panel(organization_id: int, user: Any) -> dict[str, Any] | None:
    """The phone panel of the ente's 360° page: recent calls, callbacks, click-to-call to contacts."""
    if not can(user, "phone.console"):
        return None
    recent = list(
        db.session.scalars(
            sa.select(Call)
            .where(Call.organization_id == organization_id)
            .order_by(Call.started_at.desc(), Call.id.desc())
            .limit(5)
        )
    )
    callbacks = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Call)
        .where(Call.organization_id == organization_id, Call.callback_needed.is_(True))
    )
    return {
        "organization_id": organization_id,
        "recent": recent,
        "callbacks": callbacks or 0,
        "contacts": [c for c in contacts_of(organization_id) if c[2]],
        "labels": OUTCOME_LABELS,
        "caller_label": services.caller_label,
        "click_to_call": services.twilio_configured()
        and bool(current_app.config.get("TWILIO_NUMBER"))
        and can(user, "phone.call"),
    }

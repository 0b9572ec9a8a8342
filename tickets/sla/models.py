"""SLA tables: the center's business calendars, the policies, each ticket's SLA clock and its alerts.

Tickets keep their public SLA fields (``first_response_due``, ``resolution_due``, ``sla_state``) on the
``tickets`` table; what only the SLA engine needs lives here, one row per ticket, so the ticket model
stays the tickets module's.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.db import TimestampMixin, UTCDateTime, utcnow
from app.extensions import Model
from app.labels import enum_labels
from tickets.models import Priority


class BusinessCalendar(TimestampMixin, Model):
    """Opening hours of the center (several ranges a day: a lunch break) and its closing days."""

    __tablename__ = "sla_calendars"
    __audit__ = True
    __audit_label__ = _l("Calendario SLA")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True, nullable=False)
    timezone: Mapped[str] = mapped_column(sa.String(50), nullable=False, default="Europe/Rome")
    # Province (or city) of the ``holidays`` package whose patron saint is a holiday too, e.g. "BA".
    holiday_subdiv: Mapped[str | None] = mapped_column(sa.String(20))
    national_holidays: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    is_default: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False, index=True)


class CalendarHours(Model):
    """One opening range of a weekday (0 = Monday) in the calendar's local time."""

    __tablename__ = "sla_calendar_hours"
    __audit__ = True
    __audit_label__ = _l("Orario di calendario SLA")
    __table_args__ = (sa.Index("ix_sla_calendar_hours_cal", "calendar_id", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("sla_calendars.id", ondelete="CASCADE"), nullable=False)
    weekday: Mapped[int] = mapped_column(sa.SmallInteger, nullable=False)
    start: Mapped[dt.time] = mapped_column(sa.Time, nullable=False)
    end: Mapped[dt.time] = mapped_column(sa.Time, nullable=False)


class CalendarClosure(Model):
    """A day the center is closed: once (a bridge day) or every year (the patron saint)."""

    __tablename__ = "sla_calendar_closures"
    __audit__ = True
    __audit_label__ = _l("Chiusura di calendario SLA")
    __table_args__ = (sa.UniqueConstraint("calendar_id", "day", "yearly", name="uq_sla_closure_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sla_calendars.id", ondelete="CASCADE"), nullable=False, index=True
    )
    day: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    yearly: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    name: Mapped[str] = mapped_column(sa.String(150), nullable=False, default="")


class SlaPolicy(TimestampMixin, Model):
    """Targets in business minutes for a priority (or any) and a convenzione tier (or any).

    The most specific active policy wins: priority and tier, then priority, then tier, then catch-all.
    """

    __tablename__ = "sla_policies"
    __audit__ = True
    __audit_label__ = _l("Politica SLA")
    __table_args__ = (sa.Index("ix_sla_policies_match", "active", "priority", "tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    priority: Mapped[Priority | None] = mapped_column(sa.Enum(Priority, native_enum=False, length=10))
    tier: Mapped[str | None] = mapped_column(sa.String(20))
    first_response_minutes: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    resolution_minutes: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    calendar_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sla_calendars.id", ondelete="SET NULL"), index=True)
    escalation_email: Mapped[str | None] = mapped_column(sa.String(254))
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)


class TicketSla(Model):
    """The SLA clock of one ticket, as computed by ``apply_sla`` (never edited by hand)."""

    __tablename__ = "ticket_sla"
    __table_args__ = (sa.Index("ix_ticket_sla_next_check", "next_check_at"),)

    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    policy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sla_policies.id", ondelete="SET NULL"), index=True)
    policy_name: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    tier: Mapped[str | None] = mapped_column(sa.String(20))
    calendar_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sla_calendars.id", ondelete="SET NULL"))
    first_response_minutes: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    resolution_minutes: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    first_response_risk_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolution_risk_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    first_response_state: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="ok")
    resolution_state: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="ok")
    paused_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    paused_business_minutes: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    # When the state may change next (at risk, breached) while nothing happens to the ticket.
    next_check_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The ticket's sla_state the alerting job last looked at: a change means "look again".
    alerted_state: Mapped[str | None] = mapped_column(sa.String(10))
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class AlertKind(enum.StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class AlertLevel(enum.StrEnum):
    AT_RISK = "at_risk"
    BREACHED = "breached"


enum_labels(AlertKind, {"first_response": _l("Prima risposta"), "resolution": _l("Risoluzione")}, name="SlaAlertKind")
enum_labels(AlertLevel, {"at_risk": _l("A rischio"), "breached": _l("Scaduto")}, name="SlaAlertLevel")


class SlaAlert(Model):
    """One notification per breach (or risk) of one target at one due time: the job's idempotence key."""

    __tablename__ = "sla_alerts"
    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "kind", "level", "due_at", name="uq_sla_alert_once"),
        sa.Index("ix_sla_alerts_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[AlertKind] = mapped_column(sa.Enum(AlertKind, native_enum=False, length=20), nullable=False)
    level: Mapped[AlertLevel] = mapped_column(sa.Enum(AlertLevel, native_enum=False, length=10), nullable=False)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    recipients: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

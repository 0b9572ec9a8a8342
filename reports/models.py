"""Report tables: one fact row per ticket (business minutes computed once, by a job), daily rollups of
the facts, scheduled reports, threshold alerts and the record of what was already sent (once per breach)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.audit import JSONType
from app.db import TimestampMixin, UTCDateTime, utcnow
from app.extensions import Model
from app.labels import enum_labels
from tickets.models import Ticket

# The fact job finds changed tickets by ``updated_at``; the tickets table gets the index here so the
# tickets module's model stays untouched.
sa.Index("ix_tickets_updated_at", Ticket.__table__.c.updated_at)


class TicketFact(Model):
    """What the reports need of one ticket, with its times in business minutes of its SLA calendar.

    Maintained by the ``reports.refresh_facts`` job from the tickets (never edited by hand)."""

    __tablename__ = "report_ticket_facts"
    __table_args__ = (
        sa.Index("ix_report_facts_created", "created_at"),
        sa.Index("ix_report_facts_resolved", "resolved_at"),
        sa.Index("ix_report_facts_open", "created_at", postgresql_where=sa.text("resolved_at IS NULL")),
        sa.Index("ix_report_facts_org_created", "organization_id", "created_at"),
        sa.Index("ix_report_facts_team", "team_id", "created_at"),
    )

    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    organization_id: Mapped[int | None] = mapped_column(sa.Integer)
    service_id: Mapped[int | None] = mapped_column(sa.Integer)
    team_id: Mapped[int | None] = mapped_column(sa.Integer)
    assignee_id: Mapped[int | None] = mapped_column(sa.Integer)
    channel: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    priority: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    first_response_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    sla_met: Mapped[bool | None] = mapped_column(sa.Boolean)  # None: not decided yet
    reopened: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    rated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    merged: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    # The ticket's ``updated_at`` when this row was computed: a different value means "recompute".
    source_updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class RollupColumns:
    """The columns of a rollup row (daily or monthly)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    grain: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    organization_id: Mapped[int | None] = mapped_column(sa.Integer)
    service_id: Mapped[int | None] = mapped_column(sa.Integer)
    team_id: Mapped[int | None] = mapped_column(sa.Integer)
    assignee_id: Mapped[int | None] = mapped_column(sa.Integer)
    channel: Mapped[str | None] = mapped_column(sa.String(10))
    priority: Mapped[str | None] = mapped_column(sa.String(10))
    created: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    resolved: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    reopened: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    sla_met: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    sla_breached: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    csat_sum: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    csat_count: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    first_response_hist: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    resolution_hist: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)


class DailyRollup(RollupColumns, Model):
    """One day's ticket figures at one grain (``reports.rollups``): the totals of the day (grain ``""``)
    or per value of one or two dimensions (grain ``"channel"``, ``"channel+team"``); the dimensions
    outside the grain are NULL. Rebuilt day by day from the fact table by ``reports.rollups.rollup``
    (never edited by hand).

    ``created`` basis (tickets opened that day): ``created``, ``sla_met``, ``sla_breached`` and the
    first response histogram; ``resolved`` basis (resolved that day): ``resolved``, ``reopened``, the
    ratings and the resolution histogram. A histogram is ``{"bucket index": count}`` over
    ``reports.rollups.EDGES``."""

    __tablename__ = "report_daily_rollups"
    __table_args__ = (sa.Index("ix_report_rollups_grain_day", "grain", "day"),)


class MonthlyRollup(RollupColumns, Model):
    """The sum of a calendar month's ``DailyRollup`` rows per grain and values (``day``: the month's first
    day), so a year reads 12 rows per value instead of 365. Rebuilt from the daily rows whenever a day of
    the month is rolled up; read only for months whose every day is clean (``reports.rollups``)."""

    __tablename__ = "report_monthly_rollups"
    __table_args__ = (sa.Index("ix_report_monthly_rollups_grain_day", "grain", "day"),)


class RollupDay(Model):
    """A local day the rollups know: ``dirty`` when a fact of that day changed since it was rolled up
    (set in the fact's own transaction); a clean day's rollup rows are exact."""

    __tablename__ = "report_rollup_days"

    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    dirty: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    rolled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ScheduleKind(enum.StrEnum):
    OVERVIEW = "overview"  # the month's overview (PDF) to the given recipients
    RENDICONTO = "rendiconto"  # each ente's rendiconto (PDF) to its referenti


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


class ReportSchedule(TimestampMixin, Model):
    """A report sent by email with its PDF, after each period ends."""

    __tablename__ = "report_schedules"
    __audit__ = True
    __audit_label__ = _l("Invio pianificato")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(150), nullable=False)
    kind: Mapped[ScheduleKind] = mapped_column(sa.Enum(ScheduleKind, native_enum=False, length=12), nullable=False)
    frequency: Mapped[Frequency] = mapped_column(sa.Enum(Frequency, native_enum=False, length=10), nullable=False)
    recipients: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)  # overview: addresses
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    # The last period sent ("2026-11", "2026-Q3", "2026"): the job sends each period once.
    last_period: Mapped[str | None] = mapped_column(sa.String(10))


class AlertMetric(enum.StrEnum):
    TEAM_BACKLOG = "team_backlog"  # open tickets of a team above ``threshold``
    MONTH_CSAT = "month_csat"  # average rating of the last month below ``threshold``


enum_labels(
    ScheduleKind, {"overview": _l("Panoramica al capo del centro"), "rendiconto": _l("Rendiconto ai referenti")}
)
enum_labels(Frequency, {"monthly": _l("Mensile"), "quarterly": _l("Trimestrale"), "yearly": _l("Annuale")})
enum_labels(
    AlertMetric,
    {"team_backlog": _l("Arretrato di un gruppo sopra N"), "month_csat": _l("Soddisfazione del mese sotto X")},
)


class ReportAlertRule(TimestampMixin, Model):
    """A GLPI-style threshold: when the figure crosses it, the recipients get an email once per breach."""

    __tablename__ = "report_alert_rules"
    __audit__ = True
    __audit_label__ = _l("Regola di allerta")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(150), nullable=False)
    metric: Mapped[AlertMetric] = mapped_column(sa.Enum(AlertMetric, native_enum=False, length=20), nullable=False)
    threshold: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(8, 2), nullable=False)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"))
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    recipients: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    # Set while the figure is beyond the threshold (the breach already notified); cleared when it is back.
    breached_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_value: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(10, 2))


class ReportNotice(Model):
    """A one-off notice already sent (e.g. "80% of the hours of convenzione 12 in 2026"): the key is unique."""

    __tablename__ = "report_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True, nullable=False)
    organization_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    detail: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

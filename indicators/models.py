"""Digital-agenda indicators: the catalog of indicators and each ente's values over time."""

from __future__ import annotations

import datetime as dt
import decimal
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Money, TimestampMixin, UTCDateTime, utcnow
from app.extensions import Model
from app.labels import enum_labels

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class Kind(enum.StrEnum):
    BOOLEAN = "boolean"
    PERCENT = "percent"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"


class Source(enum.StrEnum):
    SURVEY = "survey"
    IMPORT = "import"
    OPERATOR = "operator"


enum_labels(
    Kind,
    {
        "boolean": _l("Sì/no"),
        "percent": _l("Percentuale"),
        "number": _l("Numero"),
        "date": _l("Data"),
        "choice": _l("Scelta"),
    },
    name="IndicatorKind",
)
enum_labels(
    Source,
    {"survey": _l("Questionario"), "import": _l("Importazione"), "operator": _l("Operatore")},
    name="IndicatorSource",
)


class Indicator(TimestampMixin, Model):
    """One measurable step of the digital agenda (e.g. "pagoPA active"), with its target."""

    __tablename__ = "indicators"
    __audit__ = True
    __audit_label__ = _l("Indicatore")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    measure: Mapped[str] = mapped_column(sa.String(60), nullable=False, default="")  # "PNRR M1C1 1.4.3"
    kind: Mapped[Kind] = mapped_column(sa.Enum(Kind, native_enum=False, length=10), nullable=False)
    unit: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="")
    # JSON of the kind: true, a number (minimum), "YYYY-MM-DD" (by that date), a choice (or a list of them)
    target: Mapped[object | None] = mapped_column(JSONType)
    choices: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    service_ids: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)  # crm services
    active: Mapped[bool] = mapped_column(nullable=False, default=True)


class IndicatorValue(Model):
    """A value of an indicator for an ente at a date. Rows are only added: the latest ``as_of`` is current."""

    __tablename__ = "indicator_values"
    __audit__ = True
    __audit_label__ = _l("Valore di indicatore")
    __table_args__ = (
        sa.Index("ix_indicator_values_org_ind", "organization_id", "indicator_id", "as_of", "id"),
        sa.Index("ix_indicator_values_ind", "indicator_id", "as_of", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"), nullable=False)
    value: Mapped[object | None] = mapped_column(JSONType)
    as_of: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    source: Mapped[Source] = mapped_column(sa.Enum(Source, native_enum=False, length=10), nullable=False)
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    evidence_url: Mapped[str | None] = mapped_column(sa.String(500))
    # or an uploaded file (PDF/image) in app.storage under indicators/<sha[:2]>/<sha> (indicators.evidence)
    evidence_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    evidence_filename: Mapped[str | None] = mapped_column(sa.String(255))
    evidence_content_type: Mapped[str | None] = mapped_column(sa.String(100))
    evidence_size: Mapped[int | None] = mapped_column(sa.Integer)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Funding(Model):
    """A PA digitale 2026 funded application of an ente (open data), tied to the indicator of its measure."""

    __tablename__ = "indicator_fundings"
    __audit__ = True
    __audit_label__ = _l("Finanziamento")
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "avviso", name="uq_indicator_fundings_org_avviso"),
        sa.Index("ix_indicator_fundings_indicator", "indicator_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False)
    indicator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("indicators.id", ondelete="SET NULL"))
    avviso: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    amount: Mapped[decimal.Decimal | None] = mapped_column(Money)
    funded_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class Survey(Model):
    """A questionnaire of indicators sent to chosen enti, to be answered by a due date."""

    __tablename__ = "indicator_surveys"
    __audit__ = True
    __audit_label__ = _l("Questionario")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    indicator_ids: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    due_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False, index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class SurveyTarget(Model):
    """One ente asked to answer a survey: its saved draft, when it answered, when it was reminded."""

    __tablename__ = "indicator_survey_targets"
    __audit__ = True
    __audit_label__ = _l("Destinatario del questionario")
    __table_args__ = (sa.Index("ix_indicator_survey_targets_org", "organization_id", "survey_id"),)

    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator_surveys.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    draft: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)  # indicator id (str) -> raw value
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

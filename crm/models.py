"""CRM: enti (organizations), contacts, the service catalog and convenzioni (agreements)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Money, TimestampMixin, UTCDateTime, utcnow
from app.extensions import Model
from app.labels import enum_labels


class OrgKind(enum.StrEnum):
    COMUNE = "comune"
    UNIONE_COMUNI = "unione_comuni"
    UNIONE_MONTANA = "unione_montana"
    PROVINCIA = "provincia"
    ALTRO = "altro"


class ContactRole(enum.StrEnum):
    SINDACO = "sindaco"
    SEGRETARIO = "segretario"
    RTD = "rtd"
    RESPONSABILE_SI = "responsabile_si"
    RAGIONERIA = "ragioneria"
    ALTRO = "altro"


class AgreementStatus(enum.StrEnum):
    DRAFT = "draft"  # bozza
    ACTIVE = "active"  # attiva
    SUSPENDED = "suspended"  # sospesa
    EXPIRED = "expired"  # scaduta
    TERMINATED = "terminated"  # cessata


class BillingDocument(enum.StrEnum):
    FATTURA = "fattura"
    RICHIESTA_PAGAMENTO = "richiesta_pagamento"


class InteractionKind(enum.StrEnum):
    MEETING = "meeting"  # incontro
    CALL = "call"  # telefonata
    EMAIL = "email"
    NOTE = "note"  # nota


enum_labels(
    OrgKind,
    {
        "comune": _l("Comune"),
        "unione_comuni": _l("Unione di comuni"),
        "unione_montana": _l("Unione montana"),
        "provincia": _l("Provincia"),
        "altro": _l("Altro ente"),
    },
)
enum_labels(
    ContactRole,
    {
        "sindaco": _l("Sindaco"),
        "segretario": _l("Segretario comunale"),
        "rtd": _l("RTD — responsabile per la transizione al digitale"),
        "responsabile_si": _l("Responsabile servizi informativi"),
        "ragioneria": _l("Ragioneria"),
        "altro": _l("Altro"),
    },
)
enum_labels(
    AgreementStatus,
    {
        "draft": _l("Bozza"),
        "active": _l("Attiva"),
        "suspended": _l("Sospesa"),
        "expired": lazy_pgettext("convenzione", "Scaduta"),
        "terminated": _l("Cessata"),
    },
)
enum_labels(
    BillingDocument, {"fattura": _l("Fattura elettronica"), "richiesta_pagamento": _l("Richiesta di pagamento")}
)
enum_labels(
    InteractionKind, {"meeting": _l("Incontro"), "call": _l("Telefonata"), "email": _l("Email"), "note": _l("Nota")}
)


class UnionMember(Model):
    """A comune's membership of an unione di comuni / unione montana."""

    __tablename__ = "union_members"
    __audit__ = True
    __audit_label__ = _l("Membro di unione")

    union_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    @property
    def organization_id(self) -> int:  # the audit log files it under the unione
        return self.union_id


class AgreementService(Model):
    """A service included in a convenzione."""

    __tablename__ = "agreement_services"
    __audit__ = True
    __audit_label__ = _l("Servizio della convenzione")

    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[int] = mapped_column(
        sa.ForeignKey("services.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    # A yearly fee for this service on top of the convenzione's quotas (0: included in them).
    annual_fee: Mapped[decimal.Decimal] = mapped_column(
        Money, nullable=False, default=decimal.Decimal("0"), server_default="0"
    )


union_members = UnionMember.__table__
agreement_services = AgreementService.__table__


class Organization(TimestampMixin, Model):
    __tablename__ = "organizations"
    __audit__ = True
    __audit_label__ = _l("Ente")
    __table_args__ = (
        sa.Index("ix_organizations_province_kind", "province", "kind"),
        sa.Index("ix_organizations_name_lower", sa.func.lower(sa.text("name"))),
        sa.Index("ix_organizations_name_id", "name", "id"),
        sa.Index("ix_organizations_kind", "kind"),
        sa.Index("ix_organizations_vat_number", "vat_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(sa.Enum(OrgKind, native_enum=False, length=20), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    istat_code: Mapped[str | None] = mapped_column(sa.String(6), unique=True)
    belfiore_code: Mapped[str | None] = mapped_column(sa.String(4), unique=True)
    fiscal_code: Mapped[str | None] = mapped_column(sa.String(11), index=True)
    vat_number: Mapped[str | None] = mapped_column(sa.String(11))
    ipa_code: Mapped[str | None] = mapped_column(sa.String(50), unique=True)
    sdi_code: Mapped[str | None] = mapped_column(sa.String(6))
    pec: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    zip_code: Mapped[str | None] = mapped_column(sa.String(5))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    province: Mapped[str | None] = mapped_column(sa.String(2))
    region: Mapped[str | None] = mapped_column(sa.String(60))
    population: Mapped[int | None] = mapped_column(sa.Integer)
    population_year: Mapped[int | None] = mapped_column(sa.Integer)
    pagopa_segregation_code: Mapped[str | None] = mapped_column(sa.String(2))
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    members: Mapped[list[Organization]] = relationship(
        secondary=lambda: union_members,
        primaryjoin=lambda: Organization.id == union_members.c.union_id,
        secondaryjoin=lambda: Organization.id == union_members.c.member_id,
        order_by=lambda: Organization.name,
        viewonly=True,
    )
    unions: Mapped[list[Organization]] = relationship(
        secondary=lambda: union_members,
        primaryjoin=lambda: Organization.id == union_members.c.member_id,
        secondaryjoin=lambda: Organization.id == union_members.c.union_id,
        order_by=lambda: Organization.name,
        viewonly=True,
    )

    @property
    def is_union(self) -> bool:
        return self.kind in (OrgKind.UNIONE_COMUNI, OrgKind.UNIONE_MONTANA)


class Contact(TimestampMixin, Model):
    __tablename__ = "contacts"
    __audit__ = True
    __audit_label__ = _l("Contatto")
    __table_args__ = (
        sa.Index("ix_contacts_email_lower", sa.func.lower(sa.text("email"))),
        sa.Index("ix_contacts_phone", "phone"),
        sa.Index("ix_contacts_name_id", "name", "id"),
        sa.Index("ix_contacts_role", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    role: Mapped[ContactRole] = mapped_column(
        sa.Enum(ContactRole, native_enum=False, length=20), nullable=False, default=ContactRole.ALTRO
    )
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    # Codice fiscale: a SPID/CIE login with it may make the contact a referente (app/auth/sso.py).
    fiscal_code: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    only_own_requests: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    consent: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    email_failing: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    sms_notifications: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    portal_access: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")


class Service(TimestampMixin, Model):
    """An entry of the center's service catalog."""

    __tablename__ = "services"
    __audit__ = True
    __audit_label__ = _l("Servizio")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    default_sla_policy: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="standard")
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)


class Agreement(TimestampMixin, Model):
    """A convenzione between the center and one organization."""

    __tablename__ = "agreements"
    __audit__ = True
    __audit_label__ = _l("Convenzione")
    __table_args__ = (
        sa.Index("ix_agreements_org_status", "organization_id", "status"),
        sa.Index("ix_agreements_end_date", "end_date"),
        sa.Index("ix_agreements_status_end", "status", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True, nullable=False)
    protocol_number: Mapped[str | None] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    start_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    status: Mapped[AgreementStatus] = mapped_column(
        sa.Enum(AgreementStatus, native_enum=False, length=12), nullable=False, default=AgreementStatus.DRAFT
    )
    billing_document: Mapped[BillingDocument] = mapped_column(
        sa.Enum(BillingDocument, native_enum=False, length=20),
        nullable=False,
        default=BillingDocument.RICHIESTA_PAGAMENTO,
    )
    annual_fee_fixed: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False, default=decimal.Decimal("0"))
    fee_per_inhabitant: Mapped[decimal.Decimal] = mapped_column(
        sa.Numeric(12, 4), nullable=False, default=decimal.Decimal("0")
    )
    included_hours: Mapped[decimal.Decimal] = mapped_column(
        sa.Numeric(8, 2), nullable=False, default=decimal.Decimal("0")
    )
    hourly_rate: Mapped[decimal.Decimal] = mapped_column(Money, nullable=False, default=decimal.Decimal("0"))
    sla_tier: Mapped[str] = mapped_column(sa.String(20), nullable=False, default="standard")
    cig: Mapped[str | None] = mapped_column(sa.String(10))
    cup: Mapped[str | None] = mapped_column(sa.String(15))
    # VAT of the convenzione's fatture: a rate (None: the center's default) or a FatturaPA natura
    # (N1…N7: outside VAT, exempt, …) that puts the lines at 0%.
    vat_rate: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(5, 2))
    vat_nature: Mapped[str | None] = mapped_column(sa.String(5))
    document_filename: Mapped[str | None] = mapped_column(sa.String(255))
    document_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    document_content_type: Mapped[str | None] = mapped_column(sa.String(100))
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    services: Mapped[list[Service]] = relationship(
        secondary=lambda: agreement_services, order_by=lambda: Service.code, viewonly=True
    )

    @property
    def service_ids(self) -> list[int]:
        return [s.id for s in self.services]


class AgreementAlert(Model):
    """A renewal alert sent for a convenzione (one per threshold: 90 and 30 days before the end)."""

    __tablename__ = "agreement_alerts"
    __table_args__ = (sa.UniqueConstraint("agreement_id", "days_before", "end_date", name="uq_agreement_alerts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False)
    days_before: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Interaction(TimestampMixin, Model):
    """A meeting, call, email or note logged against an ente (and optionally one of its contacts)."""

    __tablename__ = "interactions"
    __audit__ = True
    __audit_label__ = _l("Interazione")
    __table_args__ = (sa.Index("ix_interactions_org_at", "organization_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=False)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[InteractionKind] = mapped_column(
        sa.Enum(InteractionKind, native_enum=False, length=12), nullable=False, default=InteractionKind.NOTE
    )
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    subject: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

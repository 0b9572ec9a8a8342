"""Users, API tokens and login throttling."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin, UTCDateTime, utcnow
from app.extensions import Model
from app.labels import enum_labels


class Role(enum.StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    FINANCE = "finance"
    REFERENTE = "referente"


enum_labels(
    Role,
    {
        "admin": _l("Amministratore"),
        "operator": _l("Operatore"),
        "finance": _l("Ragioneria"),
        "referente": _l("Referente dell'ente"),
    },
)


class User(UserMixin, TimestampMixin, Model):
    __tablename__ = "users"
    __audit__ = True
    __audit_label__ = _l("Utente")
    __audit_exclude__ = ("password_hash", "last_login_at", "updated_at", "session_version")

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=20), nullable=False, index=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    # Codice fiscale: the identity SPID/CIE (OIDC ``fiscal_number``) signs users in with.
    fiscal_code: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Carried by the session and the remember-me cookie (``get_id``); bumped to end every session of
    # the user at once (logout, password change, deactivation).
    session_version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1, server_default="1")

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    def get_id(self) -> str:  # Flask-Login: what the session and the remember-me cookie hold
        return f"{self.id}:{self.session_version or 1}"

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(Model):
    __tablename__ = "api_tokens"
    __audit__ = True
    __audit_label__ = _l("Token API")
    __audit_exclude__ = ("token_hash", "last_used_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class LoginFailure(Model):
    """One failed login, counted per account and per client address inside a window."""

    __tablename__ = "login_failures"
    __table_args__ = (sa.Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

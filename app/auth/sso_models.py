"""Single sign-on: the admin's access settings and the pending OpenID Connect logins."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.db import TimestampMixin, UTCDateTime, utcnow
from app.extensions import Model


class AccessSettings(TimestampMixin, Model):
    """How people may sign in (one row, id 1; no row means the defaults)."""

    __tablename__ = "access_settings"
    __audit__ = True
    __audit_label__ = _l("Impostazioni di accesso")

    id: Mapped[int] = mapped_column(primary_key=True)
    # Referenti may still sign in with a password (off: SPID/CIE only).
    referente_password_login: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    # A SPID/CIE identity unknown as a user but carried by a contact of an ente makes that contact a referente.
    first_login_creates_referente: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    # Finance must sign in through the provider at level 2 or more (SPID L2/L3, CIE).
    finance_requires_level2: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)


class OidcLoginState(Model):
    """A login sent to the provider and not yet back: one use only (the row is deleted when it returns)."""

    __tablename__ = "oidc_login_states"
    __table_args__ = (sa.Index("ix_oidc_login_states_created_at", "created_at"),)

    state_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    code_verifier: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    next_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

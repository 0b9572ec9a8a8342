"""Single sign-on rules: who an OpenID Connect identity is, who may sign in how, and the access settings.

An identity is the user whose codice fiscale equals the ``fiscal_number`` claim, else the user whose
email equals a verified ``email`` claim. Nobody is created silently: only when the admin allowed it
does an unknown codice fiscale carried by a contact of an ente make that contact a referente.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app import audit
from app.auth.identity import acr_level, fiscal_code_from_claim
from app.auth.models import Role, User
from app.auth.sso_models import AccessSettings, OidcLoginState
from app.db import transaction, utcnow
from app.errors import Conflict, DomainError, Forbidden, Invalid
from app.extensions import db

STATE_TTL = dt.timedelta(minutes=15)
SETTING_FIELDS = ("referente_password_login", "first_login_creates_referente", "finance_requires_level2")


class Refused(Forbidden):
    """A sign-in the access rules refuse: answered with a page saying why (auth/sso_refused.html)."""

    code = "refused"


class UnknownIdentity(Refused):
    """The provider vouched for someone Presidio does not know."""

    code = "unknown_identity"


class LevelTooLow(Refused):
    """Finance signing in below SPID/CIE level 2 while the admin requires it."""

    code = "level_too_low"


class PasswordLoginOff(Refused):
    """A correct password where the admin wants SPID/CIE."""

    code = "password_login_off"


class BadState(DomainError):
    status = 400
    code = "bad_state"


# --- settings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    referente_password_login: bool = True
    first_login_creates_referente: bool = False
    finance_requires_level2: bool = False


def get_access() -> Access:
    row = db.session.get(AccessSettings, 1)
    if row is None:
        return Access()
    return Access(**{f: bool(getattr(row, f)) for f in SETTING_FIELDS})


def update_access(*, actor: Any, **values: Any) -> Access:
    from app.auth import oidc

    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise Invalid("campi sconosciuti", {k: ["campo sconosciuto"] for k in sorted(unknown)})
    if actor is None or getattr(actor, "role", None) != Role.ADMIN:
        raise Forbidden("solo un amministratore cambia le impostazioni di accesso")
    if not oidc.configured():
        needs_sso = [f for f in ("finance_requires_level2",) if values.get(f)]
        if values.get("referente_password_login") is False:
            needs_sso.append("referente_password_login")
        if needs_sso:
            msg = "serve il single sign-on configurato (OIDC_ISSUER): altrimenti nessuno potrebbe entrare"
            raise Invalid(msg, {f: [msg] for f in needs_sso})
    with transaction(actor=actor):
        row = db.session.get(AccessSettings, 1)
        if row is None:
            row = AccessSettings(id=1, **Access().__dict__)
            db.session.add(row)
        for key, value in values.items():
            setattr(row, key, bool(value))
    return get_access()


def check_password_login(user: User) -> None:
    """Refuse a correct password where the admin wants SPID/CIE instead."""
    access = get_access()
    if user.role == Role.REFERENTE and not access.referente_password_login:
        raise PasswordLoginOff("i referenti accedono con SPID o CIE")
    if user.role == Role.FINANCE and access.finance_requires_level2:
        raise PasswordLoginOff("la ragioneria accede con SPID o CIE di livello 2")


# --- pending logins (state, nonce, PKCE verifier) ----------------------------------------------------


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def remember_login(*, state: str, nonce: str, code_verifier: str, next_url: str | None) -> None:
    with transaction():
        db.session.execute(sa.delete(OidcLoginState).where(OidcLoginState.created_at < utcnow() - STATE_TTL))
        db.session.add(
            OidcLoginState(state_hash=_hash(state), nonce=nonce, code_verifier=code_verifier, next_url=next_url)
        )


def take_login(state: str | None, *, expected: str | None) -> OidcLoginState:
    """The pending login of ``state``, removed so it answers once; it must be this browser's (``expected``)."""
    if not state or len(state) > 200 or not expected or state != expected:
        raise BadState("Richiesta di accesso non valida o già usata: riprova dalla pagina di accesso.")
    with transaction():
        row = db.session.scalar(
            sa.delete(OidcLoginState)
            .where(OidcLoginState.state_hash == _hash(state), OidcLoginState.created_at >= utcnow() - STATE_TTL)
            .returning(OidcLoginState)
        )
        if row is None:
            raise BadState("Richiesta di accesso non valida o già usata: riprova dalla pagina di accesso.")
        db.session.expunge(row)
    return row


# --- who the identity is -----------------------------------------------------------------------------


def _email_claim(claims: dict[str, Any]) -> str | None:
    email = claims.get("email")
    verified = claims.get("email_verified") in (True, "true") or current_app.config.get("OIDC_TRUST_EMAIL")
    if isinstance(email, str) and email.strip() and verified:
        return email.strip().lower()
    return None


def _role_from_claim(claims: dict[str, Any]) -> Role | None:
    """The Presidio role a staff directory asserts (``OIDC_ROLE_CLAIM`` through ``OIDC_ROLE_MAP``)."""
    cfg = current_app.config
    claim_name = cfg.get("OIDC_ROLE_CLAIM")
    if not claim_name:
        return None
    value: Any = claims
    for part in str(claim_name).split("."):  # "realm_access.roles" in Keycloak
        value = value.get(part) if isinstance(value, dict) else None
    values = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
    mapping: dict[str, Role] = {}
    for pair in str(cfg.get("OIDC_ROLE_MAP") or "").split(","):
        if "=" in pair:
            external, role = (p.strip() for p in pair.split("=", 1))
            if role in Role.__members__.values() and role != Role.REFERENTE:
                mapping[external] = Role(role)
    for rank in (Role.ADMIN, Role.FINANCE, Role.OPERATOR):  # the strongest role the directory grants
        if any(mapping.get(str(v)) == rank for v in values):
            return rank
    return None


def find_user(claims: dict[str, Any]) -> User | None:
    code = fiscal_code_from_claim(claims.get("fiscal_number"))
    if code:
        user = db.session.scalar(sa.select(User).where(User.fiscal_code == code))
        if user is not None:
            return user
    email = _email_claim(claims)
    if email:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        # A user on record with another codice fiscale is someone else using that mailbox.
        if user is not None and code and user.fiscal_code and user.fiscal_code != code:
            return None
        return user
    return None


def _first_login_referente(claims: dict[str, Any]) -> User | None:
    """Make the contact of an ente carrying this codice fiscale a referente (when the admin allows it)."""
    from app.directory import function

    find_contacts_by_fiscal_code = function("contacts_by_fiscal_code")
    update_contact = function("update_contact")
    code = fiscal_code_from_claim(claims.get("fiscal_number"))
    if not code or not get_access().first_login_creates_referente:
        return None
    if find_contacts_by_fiscal_code is None or update_contact is None:
        return None  # no module offers contacts (crm not installed)
    contacts = find_contacts_by_fiscal_code(code)
    if len(contacts) != 1:
        return None  # none, or several enti: an operator decides
    contact = contacts[0]
    email = contact.email or _email_claim(claims)
    if not email:
        return None
    try:
        with transaction():
            update_contact(contact_id=contact.id, email=email, portal_access=True)
            user = db.session.scalar(sa.select(User).where(User.contact_id == contact.id))
            if user is None:
                raise Conflict("nessun utente creato")
            user.fiscal_code = code
            audit.record(
                object_type="users",
                object_id=user.id,
                action="sso_created",
                changes={"contact_id": contact.id, "fiscal_code": code},
                organization_id=user.organization_id,
            )
    except (Conflict, Invalid):  # the address belongs to someone else: an operator decides
        return None
    return user


def _apply_role_claim(user: User, claims: dict[str, Any]) -> None:
    from app.auth.services import update_user

    role = _role_from_claim(claims)
    if role is None or user.role == Role.REFERENTE or user.role == role:
        return
    try:
        update_user(user=user, role=role, actor=user)
    except DomainError:  # e.g. the last admin: the role stays as Presidio has it
        return


@dataclass
class SignIn:
    user: User
    level: int | None
    acr: str | None


def sign_in(claims: dict[str, Any]) -> SignIn:
    """The user an ID token's claims identify, checked against the access rules."""
    user = find_user(claims) or _first_login_referente(claims)
    if user is None or not user.active:
        raise UnknownIdentity("identità sconosciuta")
    _apply_role_claim(user, claims)
    acr = claims.get("acr")
    level = acr_level(acr)
    if user.role == Role.FINANCE and get_access().finance_requires_level2 and (level or 0) < 2:
        raise LevelTooLow(f"livello di autenticazione {level or 'sconosciuto'}, serve il 2")
    with transaction():
        user.last_login_at = utcnow()
    return SignIn(user=user, level=level, acr=str(acr) if acr is not None else None)


def record_login(*, user: User, method: str, level: int | None = None, acr: str | None = None) -> None:
    """The login in the audit log: how (password, oidc), at which level, through which provider."""
    changes: dict[str, Any] = {"method": method}
    if method == "oidc":
        changes.update({"issuer": current_app.config.get("OIDC_ISSUER"), "level": level, "acr": acr})
    with transaction(actor=user):
        audit.record(
            object_type="users",
            object_id=user.id,
            action="login",
            changes=changes,
            organization_id=user.organization_id,
        )


# --- the whole callback --------------------------------------------------------------------------------


@dataclass
class Completed:
    sign_in: SignIn
    id_token: str
    next_url: str | None


def start_login(*, next_url: str | None) -> tuple[str, str]:
    """The provider's authorization URL for a new login and its state (remembered here, for one use)."""
    from app.auth import oidc

    if not oidc.configured():
        raise Forbidden("L'accesso con SPID/CIE non è configurato.")
    request = oidc.authorization_request()
    remember_login(state=request.state, nonce=request.nonce, code_verifier=request.code_verifier, next_url=next_url)
    return request.url, request.state


def complete_login(
    *, state: str | None, expected_state: str | None, code: str | None, error: str | None = None
) -> Completed:
    """The provider's answer: the state (once, this browser's), the code exchanged, the ID token checked,
    the identity matched and the access rules applied."""
    from app.auth import oidc

    if not oidc.configured():
        raise Forbidden("L'accesso con SPID/CIE non è configurato.")
    pending = take_login(state, expected=expected_state)
    if error:
        raise Refused(f"il fornitore di identità non ha concluso l'accesso ({error[:80]})")
    if not code or len(code) > 4096:
        raise BadState("Risposta del fornitore di identità senza codice.")
    tokens = oidc.exchange_code(code=code, code_verifier=pending.code_verifier)
    claims = oidc.verify_id_token(tokens["id_token"], nonce=pending.nonce)
    return Completed(sign_in=sign_in(claims), id_token=tokens["id_token"], next_url=pending.next_url)

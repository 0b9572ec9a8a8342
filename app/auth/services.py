"""User accounts, authentication with throttling, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.identity import normalize_fiscal_code
from app.auth.models import ApiToken, LoginFailure, Role, User
from app.db import transaction, utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from app.extensions import db
from app.text import email_problem

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "prs_"  # noqa: S105 - a public prefix, not a secret

# A constant hash to compare against when the account does not exist, so timing does not leak it.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalize_email(email: str, field: str = "email") -> str:
    try:
        return validate_email(email or "", check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        problem = email_problem(exc)
        raise Invalid(f"{field} non valida: {problem}", {field: [problem]}) from exc


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        msg = f"La password deve avere almeno {MIN_PASSWORD_LENGTH} caratteri."
        raise Invalid(msg, {"password": [msg]})


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(
    *,
    email: str,
    role: str | Role,
    name: str = "",
    password: str | None = None,
    organization_id: int | None = None,
    contact_id: int | None = None,
    fiscal_code: str | None = None,
    actor: Any = None,
) -> User:
    email = normalize_email(email)
    fiscal_code = normalize_fiscal_code(fiscal_code)
    try:
        role = Role(role)
    except ValueError as exc:
        raise Invalid("ruolo non valido", {"role": [f"ruolo sconosciuto: {role}"]}) from exc
    if role == Role.REFERENTE and not organization_id:
        raise Invalid("un referente deve appartenere a un ente", {"organization_id": ["obbligatorio"]})
    if role != Role.REFERENTE:
        organization_id = organization_id or None
    if password is not None:
        _check_password(password)
    with transaction(actor=actor):
        if get_user_by_email(email):
            raise Conflict(f"esiste già un utente {email}", {"email": ["già registrato"]})
        _check_fiscal_code_free(fiscal_code, None)
        user = User(
            email=email,
            name=name.strip(),
            role=role,
            organization_id=organization_id,
            contact_id=contact_id,
            fiscal_code=fiscal_code,
            password_hash=generate_password_hash(password) if password else None,
        )
        db.session.add(user)
        db.session.flush()
    return user


def set_password(*, user: User, password: str, actor: Any = None) -> None:
    """A new password ends every session, remember-me cookie and API token of the user."""
    _check_password(password)
    with transaction(actor=actor):
        user.password_hash = generate_password_hash(password)
        end_sessions(user=user, revoke_tokens=True, actor=actor)


def update_user(*, user: User, actor: Any = None, **changes: Any) -> User:
    allowed = {"name", "role", "organization_id", "active", "locale", "phone", "fiscal_code"}
    was_active_admin = user.role == Role.ADMIN and user.active
    with transaction(actor=actor):
        for key, value in changes.items():
            if key not in allowed:
                raise Invalid("campo non modificabile", {key: ["non modificabile"]})
            if key == "role":
                try:
                    value = Role(value)
                except ValueError as exc:
                    raise Invalid("ruolo non valido", {"role": [f"ruolo sconosciuto: {value}"]}) from exc
            if key == "fiscal_code":
                value = normalize_fiscal_code(value)
                _check_fiscal_code_free(value, user.id)
            setattr(user, key, value)
        if not user.active and changes.get("active") is False:
            end_sessions(user=user, revoke_tokens=True, actor=actor)
        if user.role == Role.REFERENTE and not user.organization_id:
            raise Invalid("un referente deve appartenere a un ente", {"organization_id": ["obbligatorio"]})
        if user.role != Role.REFERENTE:
            user.organization_id = None
        still_admin = user.role == Role.ADMIN and user.active
        if was_active_admin and not still_admin and not _another_active_admin_exists(user):
            raise Conflict(
                "serve almeno un amministratore attivo",
                {"role": ["è l'ultimo amministratore attivo: non può perdere il ruolo né essere disattivato"]},
            )
    return user


def _check_fiscal_code_free(code: str | None, user_id: int | None) -> None:
    if code and db.session.scalar(sa.select(User.id).where(User.fiscal_code == code, User.id != (user_id or 0))):
        raise Conflict("codice fiscale già usato", {"fiscal_code": ["già usato da un altro utente"]})


def _another_active_admin_exists(user: User) -> bool:
    """Whether an active admin other than ``user`` exists (nobody may lock the center out)."""
    db.session.flush()
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
    )


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("utente non trovato")
    return user


def _window_start() -> dt.datetime:
    return utcnow() - dt.timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])


def _failures(key: str) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.key == key, LoginFailure.at >= _window_start())
        )
        or 0
    )


def authenticate(*, email: str, password: str, ip: str) -> User | None:
    """Check a login. Raises TooManyRequests once an account or an address failed too often."""
    email_key = f"acct:{(email or '').strip().lower()}"
    ip_key = f"ip:{ip}"
    cfg = current_app.config
    if (
        _failures(email_key) >= cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _failures(ip_key) >= cfg["LOGIN_MAX_FAILURES_PER_IP"]
    ):
        raise TooManyRequests("Troppi tentativi di accesso falliti: riprova tra qualche minuto.")
    user = get_user_by_email(email or "")
    ok = check_password_hash(user.password_hash if user and user.password_hash else _DUMMY_HASH, password or "")
    with transaction():
        if not (ok and user and user.password_hash and user.active):
            db.session.add_all([LoginFailure(key=email_key), LoginFailure(key=ip_key)])
            return None
        db.session.execute(sa.delete(LoginFailure).where(LoginFailure.key == email_key))
        user.last_login_at = utcnow()
    return user


def purge_login_failures() -> int:
    with transaction():
        result = db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < _window_start()))
    return getattr(result, "rowcount", 0) or 0


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(*, user: User, name: str = "", actor: Any = None) -> tuple[ApiToken, str]:
    """Create an API token; the raw value is returned once and only its hash is stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction(actor=actor or user):
        token = ApiToken(user_id=user.id, name=name.strip()[:100], token_hash=_hash_token(raw), prefix=raw[:12])
        db.session.add(token)
        db.session.flush()
    return token, raw


def revoke_token(*, token_id: int, actor: User) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and actor.role != Role.ADMIN):
        raise NotFound("token non trovato")
    with transaction(actor=actor):
        token.revoked_at = token.revoked_at or utcnow()
    return token


def list_tokens(*, user: User, actor: Any) -> list[ApiToken]:
    """The API tokens of ``user``, newest first: its own profile, or an admin's view of the account."""
    if actor is None or (actor.id != user.id and actor.role != Role.ADMIN):
        raise NotFound("utente non trovato")
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def admin_revoke_token(*, user_id: int, token_id: int, actor: Any) -> ApiToken:
    """An admin revokes a token from the user's page: the token must belong to that user (else 404)."""
    _require_admin(actor)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound("token non trovato")
    return revoke_token(token_id=token_id, actor=actor)


# Every API request starts here: the token with its user in one query, the statement built once.
_TOKEN_WITH_USER = (
    sa.select(ApiToken)
    .options(sa.orm.joinedload(ApiToken.user))
    .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def user_for_token(raw: str) -> User | None:
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(_TOKEN_WITH_USER, {"token_hash": _hash_token(raw)})
    if token is None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        # Cheap bookkeeping outside the audit trail; throttled so reads stay reads.
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return token.user


def list_users(*, role: str | None = None, q: str | None = None, limit: int = 200) -> list[User]:
    stmt = sa.select(User).order_by(User.email).limit(limit)
    if role:
        stmt = stmt.where(User.role == Role(role))
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.email).like(like), sa.func.lower(User.name).like(like)))
    return list(db.session.scalars(stmt))


# --- sessions: one version per user, carried by the session and the remember-me cookie ------------


def end_sessions(*, user: User, revoke_tokens: bool = False, actor: Any = None) -> None:
    """End every session and remember-me cookie of ``user`` (they carry the old session_version);
    with ``revoke_tokens`` its API tokens stop too (password change, deactivation)."""
    with transaction(actor=actor):
        db.session.flush()
        db.session.execute(sa.update(User).where(User.id == user.id).values(session_version=User.session_version + 1))
        if revoke_tokens:
            db.session.execute(
                sa.update(ApiToken)
                .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
    db.session.refresh(user)


def user_for_session(session_id: str) -> User | None:
    """The user a session or remember-me cookie names (``"<id>:<session_version>"``), while it is
    still active and the version still current; anything else (an older form, garbage) is nobody."""
    uid, _, version = (session_id or "").partition(":")
    if not (uid.isdigit() and version.isdigit() and len(uid) <= 10 and len(version) <= 10):
        return None
    if int(uid) > 2**31 - 1:
        return None
    user = db.session.get(User, int(uid))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def deactivate_user(*, email: str, actor: Any = None) -> User:
    """``flask user deactivate``: the user can no longer sign in; sessions and tokens stop at once."""
    user = get_user_by_email(email or "")
    if user is None:
        raise NotFound(f"nessun utente {email}")
    return update_user(user=user, active=False, actor=actor)


# --- the admin's user API (/api/v1/users) --------------------------------------------------------


def _require_admin(actor: Any) -> None:
    if actor is None or getattr(actor, "role", None) != Role.ADMIN or not getattr(actor, "active", False):
        raise Forbidden("forbidden")


def _set_fiscal_code(user: User, value: str | None) -> None:
    code = normalize_fiscal_code(value)
    if code is not None:
        clash = db.session.scalar(sa.select(User.id).where(User.fiscal_code == code, User.id != user.id))
        if clash is not None:
            raise Conflict("codice fiscale già usato", {"fiscal_code": ["già associato a un altro utente"]})
    user.fiscal_code = code


def _check_organization(data: dict[str, Any]) -> None:
    org_id = data.get("organization_id")
    if org_id is None:
        return
    exists = db.session.scalar(
        sa.select(sa.literal(1))
        .select_from(sa.table("organizations", sa.column("id")))
        .where(sa.column("id") == org_id)
    )
    if not exists:
        raise Invalid("ente inesistente", {"organization_id": ["ente non trovato"]})


def users_stmt(*, actor: Any, role: str | None = None) -> sa.Select:
    """The users an admin lists (keyset-paged by the caller)."""
    _require_admin(actor)
    stmt = sa.select(User)
    if role:
        stmt = stmt.where(User.role == Role(role))
    return stmt


def user_for_admin(*, user_id: int, actor: Any) -> User:
    _require_admin(actor)
    return get_user(user_id)


def admin_create_user(*, data: dict[str, Any], actor: Any) -> User:
    """An admin creates an account (a referente needs organization_id); ``active: false`` is allowed."""
    _require_admin(actor)
    _check_organization(data)
    with transaction(actor=actor):
        user = create_user(
            email=data["email"],
            role=data["role"],
            name=data.get("name") or "",
            password=data.get("password"),
            organization_id=data.get("organization_id"),
            actor=actor,
        )
        if "fiscal_code" in data:
            _set_fiscal_code(user, data["fiscal_code"])
        if data.get("active") is False:
            user.active = False
    return user


def admin_update_user(*, user_id: int, data: dict[str, Any], actor: Any) -> User:
    """An admin changes an account; ``active: false`` stops its sessions and tokens at once."""
    _require_admin(actor)
    user = get_user(user_id)
    _check_organization(data)
    changes = {k: data[k] for k in ("name", "role", "organization_id", "active") if k in data}
    if "role" in changes and changes["role"] != Role.REFERENTE and "organization_id" not in changes:
        changes["organization_id"] = None
    with transaction(actor=actor):
        if "fiscal_code" in data:
            _set_fiscal_code(user, data["fiscal_code"])
        update_user(user=user, actor=actor, **changes)
        if data.get("password"):
            set_password(user=user, password=data["password"], actor=actor)
    return user


# --- the admin's user pages (/admin/utenti): the ente given by id, ISTAT or Belfiore code ----------


def _organization_from_code(code: str | None) -> int | None:
    from app.cli import resolve_organization_id

    return resolve_organization_id(code) if code else None


def create_user_from_page(*, organization: str | None, actor: Any, **fields: Any) -> User:
    """The admin's "new user" form: ``organization`` is an id, ISTAT or Belfiore code."""
    return create_user(organization_id=_organization_from_code(organization), actor=actor, **fields)


def update_user_from_page(
    *, user: User, organization: str | None, password: str | None, actor: Any, **changes: Any
) -> User:
    """The admin's user page: the changes and a new password (if given) in one transaction."""
    with transaction(actor=actor):
        update_user(user=user, organization_id=_organization_from_code(organization), actor=actor, **changes)
        if password:
            set_password(user=user, password=password, actor=actor)
    return user


def lookup_users(*, actor: Any, q: str | None, roles: Iterable[str] = (), limit: int = 20) -> list[dict[str, Any]]:
    """Active users for a typeahead (staff only): by part of the name or email, of the ``roles``
    given, at most ``limit`` (20). Each is ``{id, label, hint}`` (hint: the email)."""
    if actor is not None and getattr(actor, "role", None) == Role.REFERENTE:
        raise Forbidden("solo il personale cerca gli utenti")
    term = (q or "").strip().lower()[:100]
    if not term:
        return []
    wanted = []
    for role in roles:
        try:
            wanted.append(Role(role))
        except ValueError as exc:
            raise Invalid("ruolo non valido", {"role": [f"ruolo sconosciuto: {role[:30]}"]}) from exc
    like = f"%{term}%"
    stmt = sa.select(User).where(
        User.active.is_(True), sa.or_(sa.func.lower(User.name).like(like), sa.func.lower(User.email).like(like))
    )
    if wanted:
        stmt = stmt.where(User.role.in_(wanted))
    users = db.session.scalars(stmt.order_by(User.name, User.email, User.id).limit(max(1, min(limit, 20)))).all()
    return [{"id": u.id, "label": u.display_name, "hint": u.email} for u in users]

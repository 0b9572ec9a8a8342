"""The OpenID Connect relying party: discovery, the authorization request, the code exchange and the
ID token check. Pure protocol, no database: ``app.auth.sso`` decides who the identity is.

Authlib's ``OAuth2Session`` builds the authorization URL (PKCE S256) and exchanges the code with
``client_secret_basic`` or ``private_key_jwt``; joserfc verifies the ID token against the provider's
JWKS (an unknown ``kid`` refetches the key set once, so the provider may rotate its keys).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from app.errors import DomainError

HTTP_TIMEOUT = 10
CACHE_SECONDS = 3600
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
CLOCK_LEEWAY = 60


class OidcError(DomainError):
    """The provider answered something Presidio cannot accept (tampered or expired token, bad answer)."""

    status = 400
    code = "oidc_error"


@dataclass
class _Cached:
    value: Any
    at: float = field(default_factory=time.monotonic)

    def fresh(self) -> bool:
        return time.monotonic() - self.at < CACHE_SECONDS


_cache: dict[str, _Cached] = {}
_lock = threading.Lock()


def configured() -> bool:
    cfg = current_app.config
    return bool(cfg.get("OIDC_ISSUER") and cfg.get("OIDC_CLIENT_ID"))


def issuer() -> str:
    return str(current_app.config["OIDC_ISSUER"]).rstrip("/")


def redirect_uri() -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/login/oidc/callback"


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcError(f"il fornitore di identità non risponde ({url}): {exc}") from exc
    if not isinstance(data, dict):
        raise OidcError(f"risposta non valida da {url}")
    return data


def metadata(*, refresh: bool = False) -> dict[str, Any]:
    """The provider's discovery document, cached for an hour."""
    iss = issuer()
    key = f"meta:{iss}"
    with _lock:
        hit = _cache.get(key)
    if hit and hit.fresh() and not refresh:
        return dict(hit.value)
    meta = _get_json(f"{iss}/.well-known/openid-configuration")
    if str(meta.get("issuer", "")).rstrip("/") != iss:
        raise OidcError("il documento di discovery dichiara un altro issuer")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(meta.get(name), str):
            raise OidcError(f"discovery senza {name}")
    with _lock:
        _cache[key] = _Cached(meta)
    return dict(meta)


def _jwks(*, refresh: bool = False) -> KeySet:
    uri = metadata()["jwks_uri"]
    key = f"jwks:{uri}"
    with _lock:
        hit = _cache.get(key)
    if hit and hit.fresh() and not refresh:
        return hit.value
    data = _get_json(uri)
    try:
        keys = KeySet.import_key_set({"keys": [k for k in data.get("keys", []) if k.get("use", "sig") == "sig"]})
    except (JoseError, ValueError, TypeError, AttributeError) as exc:
        raise OidcError(f"chiavi del fornitore non valide: {exc}") from exc
    with _lock:
        _cache[key] = _Cached(keys)
    return keys


def clear_cache() -> None:
    with _lock:
        _cache.clear()


# --- the client's own key (private_key_jwt) -----------------------------------------------------------


def _private_key() -> RSAKey:
    path = current_app.config.get("OIDC_PRIVATE_KEY_FILE")
    if not path:
        raise OidcError("OIDC_TOKEN_AUTH_METHOD=private_key_jwt richiede OIDC_PRIVATE_KEY_FILE")
    with open(path, "rb") as fh:
        key = RSAKey.import_key(fh.read())
    key.ensure_kid()
    return key


def public_jwks() -> dict[str, Any]:
    """The public half of the client's key, to register at the provider (empty without a key)."""
    if not current_app.config.get("OIDC_PRIVATE_KEY_FILE"):
        return {"keys": []}
    public = _private_key().as_dict(private=False)
    return {"keys": [{**public, "use": "sig", "alg": "RS256"}]}


def _session(**kwargs: Any) -> OAuth2Session:
    cfg = current_app.config
    method = cfg.get("OIDC_TOKEN_AUTH_METHOD") or "client_secret_basic"
    secret: Any = cfg.get("OIDC_CLIENT_SECRET")
    if method == "private_key_jwt":
        secret = _private_key()
    session = OAuth2Session(
        client_id=cfg["OIDC_CLIENT_ID"],
        client_secret=secret,
        scope=scopes(),
        redirect_uri=redirect_uri(),
        code_challenge_method="S256",
        token_endpoint_auth_method=method,
        **kwargs,
    )
    if method == "private_key_jwt":
        token_endpoint = metadata()["token_endpoint"]
        session.register_client_auth_method(PrivateKeyJWT(token_endpoint, headers={"kid": secret.kid}))
    return session


def scopes() -> str:
    raw = str(current_app.config.get("OIDC_SCOPES") or "openid profile email").split()
    return " ".join(["openid"] + [s for s in raw if s != "openid"])


# --- the flow -----------------------------------------------------------------------------------------


@dataclass
class AuthRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


def authorization_request() -> AuthRequest:
    """Where to send the browser: the provider's authorization endpoint with state, nonce and PKCE."""
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    extra: dict[str, Any] = {"nonce": nonce}
    if current_app.config.get("OIDC_ACR_VALUES"):
        extra["acr_values"] = current_app.config["OIDC_ACR_VALUES"]
    url, _ = _session().create_authorization_url(
        metadata()["authorization_endpoint"], state=state, code_verifier=verifier, **extra
    )
    return AuthRequest(url=url, state=state, nonce=nonce, code_verifier=verifier)


def exchange_code(*, code: str, code_verifier: str) -> dict[str, Any]:
    """The token endpoint's answer for ``code`` (it must carry an ``id_token``)."""
    session = _session()
    try:
        token = session.fetch_token(
            metadata()["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=code_verifier,
            timeout=HTTP_TIMEOUT,
        )
    except Exception as exc:  # noqa: BLE001 - Authlib raises OAuthError, requests its own: both mean "refused"
        raise OidcError(f"il fornitore di identità ha rifiutato il codice: {exc}") from exc
    if not isinstance(token, dict) or not token.get("id_token"):
        raise OidcError("il fornitore di identità non ha restituito un id_token")
    return dict(token)


def _kid(id_token: str) -> str | None:
    try:
        header_b64 = id_token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(header_b64 + "=" * (-len(header_b64) % 4)))
    except (ValueError, IndexError) as exc:
        raise OidcError("id_token malformato") from exc
    if not isinstance(header, dict):
        raise OidcError("id_token malformato")
    kid = header.get("kid")
    return str(kid) if kid is not None else None


def verify_id_token(id_token: str, *, nonce: str, now: int | None = None) -> dict[str, Any]:
    """The ID token's claims once signature, ``iss``, ``aud``, ``exp`` and ``nonce`` are checked."""
    keys = _jwks()
    kid = _kid(id_token)
    if kid is not None and not any(k.kid == kid for k in keys.keys):
        keys = _jwks(refresh=True)  # the provider rotated its keys: fetch them once more
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except JoseError as exc:
        raise OidcError(f"firma dell'id_token non valida ({exc.error})") from exc
    except (ValueError, TypeError) as exc:
        raise OidcError(f"id_token non valido: {exc}") from exc
    claims = dict(token.claims)
    client_id = current_app.config["OIDC_CLIENT_ID"]
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=CLOCK_LEEWAY,
        iss={"essential": True, "value": str(metadata()["issuer"])},  # exactly as the provider writes it
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise OidcError(f"id_token rifiutato: {exc.error} {getattr(exc, 'description', '') or ''}".strip()) from exc
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != client_id:
        raise OidcError("id_token rifiutato: azp diverso dal client")
    return claims


def origins() -> list[str]:
    """Where the browser goes for the provider (the issuer, and its logout endpoint once known), for the CSP."""
    found = []
    candidates = [issuer()]
    hit = _cache.get(f"meta:{issuer()}")
    if hit is not None and isinstance(hit.value.get("end_session_endpoint"), str):
        candidates.append(hit.value["end_session_endpoint"])
    for url in candidates:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in found:
                found.append(origin)
    return found


def end_session_url(*, id_token_hint: str | None, post_logout_redirect_uri: str) -> str | None:
    """RP-initiated logout at the provider, when it offers an ``end_session_endpoint``."""
    try:
        endpoint = metadata().get("end_session_endpoint")
    except OidcError:
        return None
    if not isinstance(endpoint, str) or not endpoint:
        return None
    params = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": current_app.config["OIDC_CLIENT_ID"]}
    if id_token_hint:
        params["id_token_hint"] = id_token_hint
    sep = "&" if "?" in endpoint else "?"
    return f"{endpoint}{sep}{urlencode(params)}"

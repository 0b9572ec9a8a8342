"""A small but real OpenID Connect provider for the tests, served on 127.0.0.1 (port 0).

Discovery, authorize (it signs in whoever the test says, as a SPID/CIE proxy would after its own
login), token (client_secret_basic or private_key_jwt, PKCE S256 checked, codes single-use), JWKS
and end_session. ID tokens are RS256 with keys generated at start; the test can rotate the keys or
tamper with the next token (``overrides``, ``sign_with``) to see the relying party refuse it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def new_key(kid: str | None = None) -> RSAKey:
    params: dict[str, Any] = {"use": "sig", "alg": "RS256"}
    if kid:
        params["kid"] = kid
    key = RSAKey.generate_key(2048, parameters=params)  # type: ignore[arg-type]
    key.ensure_kid()
    return key


class Provider:
    def __init__(self, *, client_id: str = "presidio", client_secret: str = "s3cret-of-the-client") -> None:  # noqa: S107
        self.client_id = client_id
        self.client_secret = client_secret
        self.client_public_key: RSAKey | None = None  # set for private_key_jwt
        self.signing_key = new_key()
        self.published: list[RSAKey] = [self.signing_key]
        self.identity: dict[str, Any] = {"sub": "user-1"}
        self.overrides: dict[str, Any] = {}
        self.sign_with: RSAKey | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, Any]] = []
        self.jwks_fetches = 0
        self.logouts: list[dict[str, str]] = []
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Provider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rotate_keys(self) -> RSAKey:
        """A new signing key, published next to the old one (as providers do when they roll keys)."""
        self.signing_key = new_key()
        self.published = [self.signing_key, *self.published]
        return self.signing_key

    # --- HTTP --------------------------------------------------------------------------------------

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        routes = {
            "/.well-known/openid-configuration": self.discovery,
            "/authorize": self.authorize,
            "/token": self.token,
            "/jwks": self.jwks,
            "/logout": self.end_session,
        }
        handler = routes.get(request.path)
        response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)

    def discovery(self, request: Request) -> Response:
        return _json(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "end_session_endpoint": f"{self.issuer}/logout",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
                "claims_supported": ["sub", "fiscal_number", "email", "email_verified", "acr", "name"],
            }
        )

    def jwks(self, request: Request) -> Response:
        self.jwks_fetches += 1
        return _json({"keys": [k.as_dict(private=False) for k in self.published]})

    def authorize(self, request: Request) -> Response:
        args = dict(request.args)
        self.authorize_requests.append(args)
        if args.get("client_id") != self.client_id or args.get("response_type") != "code":
            return Response("invalid_request", status=400)
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge") or not args.get("nonce"):
            return Response("PKCE S256 and nonce required", status=400)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "nonce": args["nonce"],
            "challenge": args["code_challenge"],
            "redirect_uri": args["redirect_uri"],
            "claims": dict(self.identity),
        }
        query = urlencode({"code": code, "state": args.get("state", "")})
        return Response(status=302, headers={"Location": f"{args['redirect_uri']}?{query}"})

    def _client_ok(self, request: Request) -> bool:
        form = request.form
        if form.get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            if self.client_public_key is None:
                return False
            try:
                token = jwt.decode(form.get("client_assertion", ""), self.client_public_key, algorithms=["RS256"])
                jwt.JWTClaimsRegistry(
                    iss={"essential": True, "value": self.client_id},
                    sub={"essential": True, "value": self.client_id},
                    aud={"essential": True, "value": f"{self.issuer}/token"},
                    exp={"essential": True},
                ).validate(token.claims)
            except (JoseError, ValueError):
                return False
            self.token_requests[-1]["auth"] = "private_key_jwt"
            return True
        auth = request.authorization
        if auth is None or auth.type != "basic":
            return False
        self.token_requests[-1]["auth"] = "client_secret_basic"
        return auth.username == self.client_id and auth.password == self.client_secret

    def token(self, request: Request) -> Response:
        self.token_requests.append({"form": dict(request.form)})
        if not self._client_ok(request):
            return _json({"error": "invalid_client"}, status=401)
        grant = self.codes.pop(request.form.get("code", ""), None)  # single use
        if grant is None or request.form.get("grant_type") != "authorization_code":
            return _json({"error": "invalid_grant"}, status=400)
        if request.form.get("redirect_uri") != grant["redirect_uri"]:
            return _json({"error": "invalid_grant", "error_description": "redirect_uri"}, status=400)
        verifier = request.form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["challenge"]:
            return _json({"error": "invalid_grant", "error_description": "PKCE"}, status=400)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **grant["claims"],
            **self.overrides,
        }
        key = self.sign_with or self.signing_key
        id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        return _json(
            {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300, "id_token": id_token}
        )

    def end_session(self, request: Request) -> Response:
        self.logouts.append(dict(request.args))
        target = request.args.get("post_logout_redirect_uri") or "/"
        return Response(status=302, headers={"Location": target})


def _json(data: dict[str, Any], status: int = 200) -> Response:
    import json

    return Response(json.dumps(data), status=status, mimetype="application/json")

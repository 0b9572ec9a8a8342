"""Single sign-on pages: the SPID/CIE login through OpenID Connect, the client's public keys, the admin's
access settings, and the logout at the provider (RP-initiated) after Presidio's own logout."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, user_logged_in
from flask_wtf import FlaskForm
from wtforms import BooleanField

from app.auth import oidc, sso
from app.auth.permissions import permission_required, register

bp = Blueprint("sso", __name__)

register({"admin.access": ("admin",)})

SESSION_STATE = "oidc_state"
SESSION_ID_TOKEN = "oidc_id_token"  # noqa: S105 - the session key's name, not a secret


def _safe_next(target: str | None) -> str | None:
    """A page of this site to go back to after the login (never another site)."""
    if not target or len(target) > 500:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


class AccessForm(FlaskForm):
    referente_password_login = BooleanField(_l("I referenti degli enti possono accedere anche con la password"))
    first_login_creates_referente = BooleanField(
        _l("Il primo accesso SPID/CIE di un contatto di un ente con quel codice fiscale lo rende referente")
    )
    finance_requires_level2 = BooleanField(_l("La ragioneria accede solo con SPID/CIE di livello 2 o superiore"))


def refused(err: sso.Refused):
    """Why a sign-in was refused, on a page of its own (also for the password form's refusals)."""
    return render_template("auth/sso_refused.html", message=err.message, code=err.code), 403


@bp.route("/login/oidc")
def login_oidc():
    url, state = sso.start_login(next_url=_safe_next(request.args.get("next")))
    session[SESSION_STATE] = state
    return redirect(url, 302)


@bp.route("/login/oidc/callback")
def callback():
    done = sso.complete_login(
        state=request.args.get("state"),
        expected_state=session.pop(SESSION_STATE, None),
        code=request.args.get("code"),
        error=request.args.get("error"),
    )
    g.login_method = ("oidc", done.sign_in.level, done.sign_in.acr)
    login_user(done.sign_in.user)
    session[SESSION_ID_TOKEN] = done.id_token
    return redirect(done.next_url or url_for("web.home"))


@bp.route("/login/oidc/jwks.json")
def client_jwks():
    """The public key of ``private_key_jwt``, for the provider's registration of this client."""
    return oidc.public_jwks()


@bp.route("/admin/accesso", methods=["GET", "POST"])
@login_required
@permission_required("admin.access")
def access_settings():
    current = sso.get_access()
    form = AccessForm(obj=current)
    status = 200
    if form.validate_on_submit():
        sso.update_access(actor=current_user, **{f: bool(getattr(form, f).data) for f in sso.SETTING_FIELDS})
        flash(_("Impostazioni di accesso salvate."), "success")
        return redirect(url_for("sso.access_settings"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "auth/access.html",
        form=form,
        configured=oidc.configured(),
        redirect_uri=oidc.redirect_uri(),
        issuer=current_app.config.get("OIDC_ISSUER"),
    ), status


# --- login recorded, logout at the provider ----------------------------------------------------------


def _on_login(sender: Any, user: Any) -> None:
    """Every sign-in in the audit log: how and at which level (a session renewed elsewhere is not one)."""
    if g.get("login_method"):
        method, level, acr = g.login_method
    elif request.endpoint == "auth.login":
        method, level, acr = "password", None, None
        session.pop(SESSION_ID_TOKEN, None)
    else:
        return
    sso.record_login(user=user, method=method, level=level, acr=acr)


def _before_logout() -> None:
    if request.endpoint == "auth.logout" and request.method == "POST":
        g.oidc_logout_hint = session.get(SESSION_ID_TOKEN)


def _csp_allows_logout_at_provider(response: Any) -> Any:
    """The logout form (on every page) ends in a redirect to the provider: ``form-action`` must allow it."""
    if oidc.configured() and "Content-Security-Policy" not in response.headers:
        from app.security import CSP

        allowed = " ".join(["'self'", *oidc.origins()])
        response.headers["Content-Security-Policy"] = CSP.replace("form-action 'self'", f"form-action {allowed}")
    return response


def _after_logout(response: Any) -> Any:
    """Presidio's logout (auth.logout) also ends the session at the provider when it offers one."""
    hint = g.get("oidc_logout_hint")
    if request.endpoint != "auth.logout" or not hint or response.status_code not in (302, 303):
        return response
    session.pop(SESSION_ID_TOKEN, None)
    if oidc.configured():
        target = oidc.end_session_url(
            id_token_hint=hint,
            post_logout_redirect_uri=f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/login",
        )
        if target:
            response.headers["Location"] = target
    return response


def init_app(app: Flask) -> None:
    from app.auth import sso_models  # noqa: F401 - the tables

    app.register_blueprint(bp)
    app.register_error_handler(sso.Refused, refused)
    user_logged_in.connect(_on_login, app, weak=False)
    app.before_request(_before_logout)
    app.after_request(_after_logout)
    app.after_request(_csp_allows_logout_at_provider)  # runs before app.security's, which keeps it

    @app.context_processor
    def _sso_globals() -> dict[str, Any]:
        return {
            "oidc_enabled": oidc.configured(),
            "oidc_label": current_app.config.get("OIDC_LABEL") or "Entra con SPID o CIE",
        }

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.extensions import login_manager

ROLE_LABELS = {
    "admin": _l("Amministratore"),
    "operator": _l("Operatore"),
    "finance": _l("Ragioneria"),
    "referente": _l("Referente dell'ente"),
}


def role_label(role: object) -> str:
    """The Italian (or English) name of a role, for pages."""
    key = getattr(role, "value", role)
    return str(ROLE_LABELS.get(str(key), key))


def init_app(app: Flask) -> None:
    from app.auth.views import bp

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Accedi per continuare.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        """Every request: the session's (or remember-me cookie's) ``id:version`` must still match the
        user's session_version, so a logout, a password change or a deactivation ends it at once."""
        from app.auth.services import user_for_session

        return user_for_session(user_id)

    app.jinja_env.filters["role_label"] = role_label
    app.register_blueprint(bp)

    from app.auth import sso_views

    sso_views.init_app(app)  # SPID/CIE and staff single sign-on (OpenID Connect)

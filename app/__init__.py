"""Presidio: the application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from app.config import MODULES, ROOT, Config, config_for_environment


def create_app(config: type[Config] | Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` is a Config class or a mapping of overrides (tests)."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(config_for_environment())
        if config:
            app.config.update(config)
    if app.config.get("ENV_NAME") == "production" and not os.environ.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in production")
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    from app import admin_api, api, audit, auth, cli, errors, forms, i18n, jobs, mail, routing, security, uploads, web  # noqa: F401
    from app.extensions import csrf, db, migrate

    routing.init_app(app)  # before any route: <int:...> is bounded to the integer column range
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    audit.init_app(app)
    auth.init_app(app)
    forms.init_app(app)
    api.init_app(app)
    admin_api.init_app(app)
    errors.init_app(app)  # after the API, so one handler answers HTTP errors everywhere
    uploads.init_app(app)  # a registered form over the request limit answers itself again
    cli.init_app(app)
    app.register_blueprint(web.bp)

    import importlib

    for name in MODULES:
        importlib.import_module(name).init_app(app)

    if app.config.get("SQLALCHEMY_DATABASE_URI", "").startswith("sqlite"):
        _sqlite_pragmas(app)
    if app.config.get("JOBS_INLINE_SCHEDULER") and not app.config.get("REDIS_URL"):
        from app.jobs.inline_scheduler import start as start_scheduler

        start_scheduler(app)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        from flask_login import current_user

        from app.auth.permissions import can

        return {"center_name": app.config["CENTER_NAME"], "can": lambda perm: can(current_user, perm)}

    return app


def _sqlite_pragmas(app: Flask) -> None:
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - embedded mode only
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()

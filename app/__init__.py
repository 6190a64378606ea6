"""Kinerja Mamuju: the application factory."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, request
from flask_appbuilder import AppBuilder
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from config import INSTANCE_DIR, Config

log = logging.getLogger(__name__)


def create_app(config_object: type | object = Config, **overrides) -> Flask:
    """Create the portal: extensions, security, views, APIs and CLI commands."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    app.config.from_object(config_object)
    app.config.update(overrides)
    _configure_public_address(app)
    _install_proxy_fix(app)
    from app import storage

    storage.init_app(app)

    from app import models  # noqa: F401 - registers every table on the metadata
    from app.extensions import csrf, db, migrate
    from app.security import builtin_roles

    app.config["FAB_ROLES"] = builtin_roles()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.config.get("MIGRATIONS_DIR", _migrations_dir())))
    csrf.init_app(app)  # before FAB, so FAB can exempt its API blueprints
    from app.api import errors as api_errors
    from app.api.openapi import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    api_errors.install(app)

    with app.app_context():
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        from app.views import register_views

        register_views(appbuilder)
        from app.api.openapi import register as register_openapi

        register_openapi(appbuilder)
        _ensure_roles(db)

    from app import practice

    practice.install(app)
    _install_i18n_hooks(app)
    _install_error_pages(app)
    from app.headers import install_security_headers

    install_security_headers(app)
    from app.services import jobs

    jobs.install(app)
    from app.cli import register_cli

    register_cli(app)
    return app


def _configure_public_address(app: Flask) -> None:
    """Check PUBLIC_BASE_URL and derive Flask's TRUSTED_HOSTS from it (outside development)."""
    base = app.config.get("PUBLIC_BASE_URL")
    parts = urlsplit(base or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuntimeError(
            "PUBLIC_BASE_URL must be set to the portal's public address, e.g. "
            "https://kinerja.mamujukab.go.id (it is printed on documents). "
            "For a local development server set APP_ENV=development instead."
        )
    app.config["PUBLIC_BASE_URL"] = base.rstrip("/")
    extra = list(app.config.get("EXTRA_TRUSTED_HOSTS") or [])
    if app.config.get("TRUSTED_HOSTS") is None and (extra or _is_production(app)):
        app.config["TRUSTED_HOSTS"] = [parts.hostname, *extra]


def _install_proxy_fix(app: Flask) -> None:
    """Trust PROXY_FIX_X_FOR/X_PROTO proxies' X-Forwarded-* headers (client address, scheme)."""
    x_for, x_proto = app.config.get("PROXY_FIX_X_FOR", 0), app.config.get("PROXY_FIX_X_PROTO", 0)
    if x_for or x_proto:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto)


def _is_production(app: Flask) -> bool:
    return not app.testing and app.config.get("APP_ENV") != "development"


def _migrations_dir():
    from config import BASE_DIR

    return BASE_DIR / "migrations"


def _ensure_roles(db) -> None:
    """Create missing role rows at start-up once the schema exists."""
    from app.security import sync_roles

    try:
        if inspect(db.engine).has_table("ab_role"):
            sync_roles(db.session)
    except SQLAlchemyError as exc:  # the database may not be reachable or migrated yet
        log.warning("Role sync skipped: %s", exc)
        db.session.rollback()


def _install_i18n_hooks(app: Flask) -> None:
    """Serve WTForms' own messages from the portal's catalog (WTForms ships no Indonesian)."""

    @app.before_request
    def _wtforms_translations():
        from flask_babel import get_translations

        request.wtforms_translations = get_translations()

    from app.i18n import register_template_helpers

    register_template_helpers(app)


def _install_error_pages(app: Flask) -> None:
    from app.views.errors import register_error_pages

    register_error_pages(app)

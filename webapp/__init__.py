"""Ichigo: the app factory.

Feature packages import downward only, lowest first (tests/test_import_direction.py checks it):

    auth → events → profiles → contacts → captures → followups → relationships → pwa → api

events are a user's own rows; a profile's card reads them (`?e=<code>`, the active event on the QR);
contacts' encounters point at events; captures file contacts; follow-ups mail them; relationships
read contacts and follow-ups; pwa (the shell) and api compose everything. Shared modules
(db, db_setup, errors, validation, security, ...) belong to no package. A lower package that must
let a higher one act sends a signal (auth's ``user_created``, connected in register_signals).
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from webapp import config as settings
from webapp import messages  # noqa: F401  (marshmallow's messages become ours before any schema is built)

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings from the environment, then ``config`` on top (tests)."""
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    from webapp.validation import IdConverter

    app.url_map.converters["int"] = IdConverter  # bounded ids: a huge id is a 404, not an overflow
    app.config.update(settings.DEFAULTS)
    app.config.update(settings.from_environment(app.instance_path))
    if config:
        if "SQLALCHEMY_DATABASE_URI" in config:
            config = {**config, "SQLALCHEMY_DATABASE_URI": settings.normalise_database_url(
                config["SQLALCHEMY_DATABASE_URI"])}
        app.config.update(config)
    settings.finish(app.config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_signals(app)
    register_checks(app)
    return app


def register_extensions(app: Flask) -> None:
    from webapp import i18n, inputs, security
    from webapp.auth.login import init_login
    from webapp import models  # noqa: F401  (the whole schema, for Alembic)
    from webapp.extensions import api, babel, csrf, db, limiter, migrate
    from webapp.limits import trust_proxies

    trust_proxies(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    init_login(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    from webapp.api import docs

    api.ERROR_SCHEMA = docs.ErrorOut  # flask-smorest's own default error response describes its own envelope
    api.init_app(app, spec_kwargs={"extra_plugins": [docs.DocumentPlugin()]})
    docs.init_spec(api)
    from webapp.validation import IdConverter, id_param_schema

    api.register_converter(IdConverter, id_param_schema)
    security.register_security(app)
    inputs.init_app(app)
    from webapp.db_setup import configure_engine

    configure_engine(app)


def register_blueprints(app: Flask) -> None:
    from webapp.api import register_api
    from webapp.auth.views import bp as auth_bp
    from webapp.captures.public import bp as share_bp
    from webapp.captures.views import bp as captures_bp
    from webapp.contacts.views import bp as contacts_bp
    from webapp.events.views import bp as events_bp
    from webapp.extensions import api
    from webapp.followups.views import bp as followups_bp
    from webapp.profiles.views import bp as profiles_bp
    from webapp.pwa.views import bp as pwa_bp
    from webapp.relationships.views import bp as relationships_bp

    app.register_blueprint(pwa_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(profiles_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(contacts_bp)
    app.register_blueprint(captures_bp)
    app.register_blueprint(share_bp)
    app.register_blueprint(followups_bp)
    app.register_blueprint(relationships_bp)
    register_api(api)
    if app.config.get("BENCH_ENDPOINTS"):
        from webapp.api.bench import bp as bench_bp

        app.register_blueprint(bench_bp)


def register_errorhandlers(app: Flask) -> None:
    from webapp.errors import register_errorhandlers as register

    register(app)


def register_signals(app: Flask) -> None:
    """A lower package announces, a higher one acts: sign-up (auth) gives the user a profile (profiles)."""
    from webapp.auth.services import user_created
    from webapp.profiles.services import on_user_created

    user_created.connect(on_user_created)


def register_checks(app: Flask) -> None:
    """Warnings about what the app runs on, logged once per process."""
    from webapp.followups.compose import warn_if_unpatched_python

    warn_if_unpatched_python()


def register_commands(app: Flask) -> None:
    """CLI groups live on their feature blueprints."""
    from webapp.followups.cli import bp as followups_cli
    from webapp.relationships.cli import bp as reminders_cli

    app.register_blueprint(followups_cli)
    app.register_blueprint(reminders_cli)

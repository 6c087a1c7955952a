"""Locale and time zone choice: the user's setting, then a `lang` cookie, then Accept-Language."""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here: services raise English messages
    (the JSON API keeps them), and HTML pages translate them where they are shown (`tr_error`)."""
    return message


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    cookie = request.cookies.get("lang")
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def init_app(app) -> None:
    from flask_babel import get_locale

    from webapp.validation import translate_error

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["tr_error"] = translate_error
    app.jinja_env.add_extension("jinja2.ext.i18n")

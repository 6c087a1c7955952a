"""Locale and time zone choice: the user's setting, then a `lang` cookie, then Accept-Language."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from flask import current_app, has_request_context, request
from flask_babel.speaklater import LazyString
from flask_login import current_user

#: how a moment is shown on pages, by language: no seconds, the weekday, the year only when it is
#: not this year (CLDR patterns: 「12月6日(土) 9:00」, "Sat 6 Dec, 9:00")
TIME_PATTERNS = {
    "ja": ("M月d日(E) H:mm", "y年M月d日(E) H:mm"),
    "en": ("EEE d MMM, H:mm", "EEE d MMM y, H:mm"),
}


def N_(message: str) -> str:
    """Mark text that is stored in English (a follow-up's `last_error`) for extraction; pages
    translate it where they show it (`tr_error`). Messages raised to the user are lazy (`_l`)."""
    return message


def msgid(message) -> str:
    """The English text of a message, lazy or not (what is stored)."""
    args = getattr(message, "_args", None)
    return str(args[0]) if isinstance(message, LazyString) and args else str(message)


def tr_error(message):
    """The `tr_error` filter: a message in the user's language. Messages arrive translated (or
    lazy); English stored earlier (a follow-up's `last_error`) is looked up in the catalogue."""
    from flask_babel import gettext

    if isinstance(message, LazyString):
        return str(message)
    if not isinstance(message, str) or not message.strip():
        return message  # gettext("") would be the catalogue's header
    return gettext(message)


def format_local_time(value: datetime | None, locale: str, tz: str) -> str:
    """A moment as people write it, in a time zone and language (English for any other language;
    UTC for an unknown zone); '' for none."""
    if value is None:
        return ""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    language = locale if locale in TIME_PATTERNS else "en"
    local = value.astimezone(zone)
    this_year, other_year = TIME_PATTERNS[language]
    pattern = this_year if local.year == datetime.now(timezone.utc).astimezone(zone).year else other_year
    return format_datetime(local, pattern, tzinfo=zone, locale=language)


def local_time(value: datetime | None) -> str:
    """The `local_time` filter: `format_local_time` in the request's language and the user's zone."""
    from flask_babel import get_locale, get_timezone

    return format_local_time(value, str(get_locale() or "en").split("_")[0], str(get_timezone()))


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a command or the worker: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
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

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["tr_error"] = tr_error
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.add_extension("jinja2.ext.i18n")

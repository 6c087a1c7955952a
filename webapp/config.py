"""Settings from the environment, with the embedded defaults of DESIGN.md."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def normalise_database_url(url: str) -> str:
    """Accept a plain ``postgresql://`` URL as users write it and route it through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """Build the settings mapping the app factory applies before any override."""
    env = os.environ.get
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    public_base = (env("PUBLIC_BASE_URL") or "").rstrip("/") or None
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            env("DATABASE_URL") or "sqlite:///" + str(Path(instance_path) / "ichigo.db")
        ),
        "MAIL_URL": env("MAIL_URL") or "maildir:" + str(Path(instance_path) / "maildir"),
        "MAIL_FROM": env("MAIL_FROM") or "ichigo@localhost",
        "PUBLIC_BASE_URL": public_base,
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE"), None),
        "TRUSTED_PROXIES": env("TRUSTED_PROXIES") or 0,
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI") or "memory://",
        "AUTH_RATE_LIMIT": env("AUTH_RATE_LIMIT") or "10 per minute;100 per hour",
        "AUTH_ACCOUNT_LIMIT": env("AUTH_ACCOUNT_LIMIT") or "10 per 15 minutes;50 per day",
        "MAX_CONTENT_LENGTH": int(env("MAX_CONTENT_LENGTH") or 1024 * 1024),
        "BENCH_ENDPOINTS": _bool(env("BENCH_ENDPOINTS"), False),
        "FOLLOWUP_MAX_PER_HOUR": int(env("FOLLOWUP_MAX_PER_HOUR") or 30),
        "FOLLOWUP_MAX_PER_DAY": int(env("FOLLOWUP_MAX_PER_DAY") or 100),
        "FOLLOWUP_MAX_ATTEMPTS": int(env("FOLLOWUP_MAX_ATTEMPTS") or 8),
        "FOLLOWUP_LEASE_SECONDS": float(env("FOLLOWUP_LEASE_SECONDS") or 60),
        "MAIL_TIMEOUT": float(env("MAIL_TIMEOUT") or 30),
        # a room of 300 behind one venue address shares back within ten minutes; a bot does not
        "SHARE_BACK_LIMIT_PER_ADDRESS": env("SHARE_BACK_LIMIT_PER_ADDRESS") or "60 per minute;600 per hour",
        "SHARE_BACK_LIMIT_PER_CARD": env("SHARE_BACK_LIMIT_PER_CARD") or "600 per 10 minutes;3000 per day",
        # the capture form asks while a name is typed (debounced): a fast typist sends a few a second
        "READING_RATE_LIMIT": env("READING_RATE_LIMIT") or "120 per minute;2000 per hour",
        "SHARE_BACK_MIN_SECONDS": float(env("SHARE_BACK_MIN_SECONDS") or 3),
    }


def finish(config) -> None:
    """Settings derived from others once overrides are in: cookies are Secure in production,
    i.e. when the public origin is https (or SESSION_COOKIE_SECURE says so)."""
    if config.get("SESSION_COOKIE_SECURE") is None:
        base = config.get("PUBLIC_BASE_URL") or ""
        config["SESSION_COOKIE_SECURE"] = base.startswith("https://")
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    if config.get("PUBLIC_BASE_URL"):
        config["PUBLIC_BASE_URL"] = config["PUBLIC_BASE_URL"].rstrip("/")
    config["TRUSTED_PROXIES"] = proxy_count(config.get("TRUSTED_PROXIES"))
    for name in LIMIT_SETTINGS:
        check_limit(name, config[name])


#: the rate-limit settings checked at start-up, so a typo stops the start instead of every request
LIMIT_SETTINGS = ("AUTH_RATE_LIMIT", "AUTH_ACCOUNT_LIMIT", "SHARE_BACK_LIMIT_PER_ADDRESS", "SHARE_BACK_LIMIT_PER_CARD",
                  "READING_RATE_LIMIT")


def proxy_count(value) -> int:
    """TRUSTED_PROXIES as a whole number of proxies, 0 or more; anything else stops the start."""
    if value is None or value == "":
        return 0
    text = str(value).strip()
    if isinstance(value, bool) or not text.isascii() or not text.isdigit():
        raise ValueError(f"TRUSTED_PROXIES must be how many proxies stand in front of the app "
                         f"(0, 1, 2, ...), not {value!r}")
    return int(text)


def check_limit(name: str, value) -> None:
    """A limit is written like `10 per minute;100 per hour`; anything else stops the start."""
    from limits import parse_many

    try:
        if isinstance(value, str) and parse_many(value):
            return
    except ValueError:
        pass
    raise ValueError(f"{name} must be rate limits like '10 per minute;100 per hour', not {value!r}")


def _bool(value: str | None, default: bool | None) -> bool | None:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


#: Settings that do not depend on the environment.
DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_CHECK_DEFAULT": False,  # checked in security.csrf_guard, which skips Bearer calls
    "WTF_CSRF_TIME_LIMIT": None,  # a token lives as long as the session: pages stay open for hours
    "LANGUAGES": ["ja", "en"],
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
    "API_TITLE": "Ichigo API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "QR_CACHE_SIZE": 512,
    #: when Redis is down, count in this process's memory rather than failing every limited request
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_KEY_PREFIX": "ichigo",
    "JSON_SORT_KEYS": False,
}

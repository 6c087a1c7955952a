"""The installable app shell, pure: the web app manifest and the service worker's text.

The service worker is static/sw.js with two constants put in front: VERSION, a hash of the worker
and of every file it precaches (so any change to them installs a new worker, which drops the old
caches), and SHELL, the URLs it precaches.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

#: static files every screen needs, precached when the worker installs
SHELL_STATIC = (
    "css/app.css",
    "js/app.js",
    "js/outbox.js",
    "js/capture.js",
    "js/scan.js",
    "js/vcard.js",
    "js/card.js",
    "js/show-qr.js",
    "icons/icon.svg",
    "icons/icon-192.png",
)
#: pages precached too: they hold nothing private, so they can be fetched without a session
SHELL_PAGES = ("/offline", "/manifest.webmanifest")

THEME_COLOR = "#ffffff"
BACKGROUND_COLOR = "#fdf8f5"


def build_manifest(*, lang: str, description: str, shortcuts: list[dict]) -> dict:
    """The web app manifest: installable, standalone, started at the home screen."""
    return {
        "id": "/",
        "name": "Ichigo",
        "short_name": "Ichigo",
        "description": description,
        "lang": lang,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": "/static/icons/icon-maskable-512.png", "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
            {"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
        "shortcuts": shortcuts,
    }


def build_service_worker(static_folder: str | Path) -> str:
    """static/sw.js preceded by its VERSION and SHELL constants."""
    static = Path(static_folder)
    source = (static / "sw.js").read_text(encoding="utf-8")
    digest = hashlib.sha256(source.encode())
    for name in (*SHELL_STATIC, "js/outbox.js"):
        digest.update(name.encode() + b"\0" + (static / name).read_bytes())
    shell = [*SHELL_PAGES, *(f"/static/{name}" for name in SHELL_STATIC)]
    head = (f"const VERSION = {json.dumps(digest.hexdigest()[:12])};\n"
            f"const SHELL = {json.dumps(shell)};\n")
    return head + source

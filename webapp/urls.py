"""Where a form may send the browser next: a path on this site, never another one."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import url_for

#: browsers drop tab, CR and LF from URLs ("/\t/evil.example" is "//evil.example", another site) and
#: read a backslash as a slash; no same-site path a page of ours links to holds any of them
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this site (with its query and fragment), else the start page."""
    if target and target.startswith("/") and not target.startswith("//") and not _UNSAFE.search(target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("pwa.home")

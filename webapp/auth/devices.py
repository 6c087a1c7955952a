"""A short label for a login's browser ("Safari, iOS"), from a fixed list: the User-Agent header is
the visitor's own text, so none of it is stored or shown, only the names below."""
from __future__ import annotations

import re

#: first match wins: Edge, Opera and Samsung's browser also say "Chrome", iOS browsers "Safari"
BROWSERS = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\bFirefox/|\bFxiOS/")),
    ("Chrome", re.compile(r"\bChrome/|\bCriOS/|\bChromium/")),
    ("Safari", re.compile(r"\bSafari/")),
)
SYSTEMS = (
    ("iOS", re.compile(r"\biPhone\b|\biPad\b|\biPod\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMacintosh\b|\bMac OS X\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)


def describe_user_agent(user_agent: str | None) -> str:
    """"Browser, system" from a User-Agent header, either part left out when unknown; "" for neither."""
    text = (user_agent or "")[:512]
    browser = next((name for name, pattern in BROWSERS if pattern.search(text)), None)
    system = next((name for name, pattern in SYSTEMS if pattern.search(text)), None)
    return ", ".join(part for part in (browser, system) if part)

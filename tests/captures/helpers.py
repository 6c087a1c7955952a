"""Visiting a card and sending its share-back form as a person would: open the page, type, send."""
from __future__ import annotations

import re
import time

import time_machine

STAMP = re.compile(r'name="stamp" value="([^"]*)"')


def form_stamp(html: str) -> str | None:
    """The render stamp the share-back form carries, if any."""
    match = STAMP.search(html)
    return match.group(1) if match else None


def share_back(client, slug, data, *, query="", headers=None, typing_seconds=10):
    """Open the card page, take `typing_seconds` to fill in the form, then send it."""
    html = client.get(f"/c/{slug}{query}", headers=headers or {}).get_data(as_text=True)
    form = dict(data)
    stamp = form_stamp(html)
    if stamp is not None:
        form["stamp"] = stamp
    with time_machine.travel(time.time() + typing_seconds):
        return client.post(f"/c/{slug}/connect{query}", data=form, headers=headers or {})

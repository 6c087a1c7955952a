"""The follow-up review page on a phone (390×844), in English and Japanese: a contact met twice gets a
draft in their language with both meetings' promises and the latest conversation, the notes of every
meeting beside it, a personal line added with one tap, and send now."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in
from webapp.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def met_twice(live_server, person, name, email, first, second):
    """Two meetings at two events (60 days apart); the draft for the second; its id."""
    from webapp.auth.models import User
    from webapp.captures.schemas import CaptureIn
    from webapp.captures.services import capture_contact
    from webapp.db import utcnow
    from webapp.events.services import create_event
    from webapp.followups.services import draft_for_event

    def work():
        owner = db.session.get(User, person.id)
        events = []
        for days_ago, (event_name, fields) in zip((60, 1), (first, second)):
            event = create_event(owner, {"name": event_name, "starts_at": utcnow() - timedelta(days=days_ago)})
            events.append(event.id)
            raw = {"client_id": str(uuid.uuid4()), "name": name, "email": email, "event_id": event.id,
                   "captured_at": (utcnow() - timedelta(days=days_ago)).isoformat(), **fields}
            capture_contact(owner, CaptureIn().load(raw), raw=raw)
        return draft_for_event(owner, events[1], card_url=f"{live_server.url}/c/{person.slug}").ids[0]

    return live_server.run(work)


def stored(live_server, followup_id):
    from webapp.followups.models import FollowUp

    return live_server.run(lambda: db.session.scalars(select(FollowUp).where(FollowUp.id == followup_id)).one())


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_english_draft_for_tom_from_a_japanese_account(new_context, make_person, live_server, screenshot):
    me = make_person(name="山田 太郎")
    followup_id = met_twice(live_server, me, "Tom Baker", "tom@example.com",
                            ("Tokyo AI Meetup", {"conversation": "Offline-first tutoring apps",
                                                 "promise": "send the pilot deck", "needs": "資金調達"}),
                            ("PyCon JP", {"conversation": "Hiring in Osaka", "promise": "intro to Sato-san"}))
    page = new_context(locale="ja-JP").new_page()
    log_in(page, me)
    page.goto(f"/followups/{followup_id}")

    body = page.locator("#body").input_value()
    assert body.startswith("Hi Tom Baker,") and "“Hiring in Osaka”" in body
    assert "send the pilot deck; intro to Sato-san" in body and "資金調達" not in body
    notes = page.locator("#notes")
    for text in ("Tokyo AI Meetup", "Offline-first tutoring apps", "資金調達", "intro to Sato-san"):
        assert text in notes.inner_text()
    assert page.locator("mark", has_text="Hiring in Osaka").count() == 1
    assert page.locator("#untouched").is_visible() and fits_the_phone(page)
    screenshot(page, "followup-review-ja-ui-en-draft")

    page.locator("button[value=add_line]").click()
    page.wait_for_url(f"**/followups/{followup_id}?saved=add_line")
    assert "challenge you mentioned" in page.locator("#body").input_value()
    assert page.locator("#untouched").count() == 0

    written = "\n".join("As promised, the deck: https://example.com/deck" if line.startswith("[[") else line
                        for line in page.locator("#body").input_value().split("\n"))
    page.fill("#body", written)
    page.locator("button[value=send_now]").click()
    page.wait_for_url(f"**/followups/{followup_id}?saved=send_now")
    row = stored(live_server, followup_id)
    assert row.status == "queued" and "https://example.com/deck" in row.body and row.is_edited


def test_a_japanese_draft_for_hanako_from_an_english_account(new_context, make_person, live_server, screenshot,
                                                            expected_errors):
    expected_errors.append("status of 422")  # the refused approval below answers 422, as it should
    me = make_person(name="Taro Yamada", keyword="I build AI tools for teachers")
    followup_id = met_twice(live_server, me, "佐藤 花子", "hanako@example.com",
                            ("Tokyo AI Meetup", {"conversation": "教育AIの話", "promise": "記事を送る"}),
                            ("PyCon JP", {"conversation": "地方の学校でのAI導入", "memorable": "青いスカーフ"}))
    page = new_context(locale="en-US").new_page()
    log_in(page, me)
    page.goto(f"/followups/{followup_id}")

    body = page.locator("#body").input_value()
    assert body.startswith("佐藤 花子様") and "「地方の学校でのAI導入」のお話" in body
    assert "前回Tokyo AI Meetupでうかがった「教育AI」のお話" in body and "記事を送る" in body
    assert "日本語" in page.locator("main").inner_text()
    assert page.locator("#fill-ins").is_visible() and fits_the_phone(page)
    screenshot(page, "followup-review-en-ui-ja-draft")

    page.locator("button[value=approve]").click()  # a line is still to write: refused, and it says why
    assert "[[ … ]]" in page.locator("main").inner_text()
    assert stored(live_server, followup_id).status == "draft"

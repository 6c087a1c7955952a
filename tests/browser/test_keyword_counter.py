"""The brand keyword's limit at 390×844: a live counter counts what the server counts (characters,
not UTF-16 units), a keyword of 61 characters is refused with that reason, and nothing is stored."""
from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from webapp.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEYWORD = "AIと教育を掛け合わせる仕事をしています"


@pytest.fixture
def expected_errors() -> list[str]:
    return ["status of 422"]  # the refused form comes back as a 422 page, which chromium logs


def stored_keyword(live_server, person) -> str:
    from webapp.profiles.models import Profile

    return live_server.run(lambda: db.session.scalar(db.select(Profile.keyword).where(Profile.slug == person.slug)))


@pytest.mark.parametrize(("locale", "refusal"), [("en-US", "At most 60 characters."), ("ja-JP", "60文字以内")])
def test_a_keyword_of_61_characters_shows_the_counter_and_is_refused(new_context, live_server, make_person,
                                                                      locale, refusal):
    person = make_person(keyword=KEYWORD)
    page = new_context(locale=locale).new_page()
    log_in(page, person)
    page.goto("/profile")
    counter = page.locator("#keyword-count")
    assert counter.inner_text().startswith(f"{len(KEYWORD)} / 60")
    box = page.locator("#keyword")
    box.fill("")
    box.press_sequentially("あ" * 59 + "🍓")  # an emoji is one character, as the server counts
    assert counter.inner_text().startswith("60 / 60")
    assert "over" not in (counter.get_attribute("class") or "")
    box.press_sequentially("い")
    assert box.input_value() == "あ" * 59 + "🍓い"  # nothing cut off while typing
    assert counter.inner_text().startswith("61 / 60") and "over" in counter.get_attribute("class")
    assert counter.is_visible() and counter.bounding_box()["x"] + counter.bounding_box()["width"] <= 390
    page.locator("#profile-form button[type=submit]").click()
    page.wait_for_load_state()
    error = page.locator("#keyword-error")
    assert refusal in error.inner_text()
    assert page.locator("#keyword").input_value() == "あ" * 59 + "🍓い"  # what was typed stays to be fixed
    assert page.locator("#keyword-count").inner_text().startswith("61 / 60")
    assert stored_keyword(live_server, person) == KEYWORD

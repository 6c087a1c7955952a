"""The phone's screen at 390×844: "Show my QR" full screen with the active event in its code (decoded
from what the screen shows, online and offline), the bottom bar, the contact list's first screen,
and my own card seen while logged in. Screenshots of the main screens are kept for people to look at."""
from __future__ import annotations

import io
import uuid

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from tests.browser.conftest import log_in, wait_for_worker, wait_until, wait_until_kept
from tests.browser.test_pwa import contacts_of
from webapp.events.models import Event
from webapp.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH, HEIGHT = 390, 844
#: the smallest tap target we allow (px), as WCAG 2.5.5 and the platforms' guidelines ask
TAP = 44


def event_code(live_server, owner_id) -> tuple[int, str]:
    return live_server.run(lambda: tuple(db.session.execute(
        select(Event.id, Event.code).where(Event.owner_id == owner_id, Event.is_active.is_(True))).one()))


def shown_qr(page) -> str:
    """What a phone camera would read off this screen: the one QR code zxing-cpp finds on it."""
    image = Image.open(io.BytesIO(page.screenshot()))
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, f"{len(found)} codes on the screen"
    return found[0].text


def box(page, selector):
    return page.locator(selector).bounding_box()


def qr_ready(page):
    wait_until(page, """() => [...document.querySelectorAll('.qr-full')]
        .filter((img) => !img.hidden).every((img) => img.complete && img.naturalWidth > 0)""")


def capture(live_server, owner_id, name, **fields):
    from webapp.auth.models import User
    from webapp.captures.services import capture_contact

    def work():
        owner = db.session.get(User, owner_id)
        data = {"client_id": str(uuid.uuid4()), "name": name, **fields}
        return capture_contact(owner, data, raw={k: str(v) for k, v in data.items()}).contact_id

    return live_server.run(work)


def test_the_event_qr_decodes_to_the_event_link_and_a_share_back_lands_in_that_event(
        page, new_context, live_server, make_person, screenshot):
    me = make_person(name="Ken Sato", keyword="I build AI tools for teachers", event="PyCon JP")
    event_id, code = event_code(live_server, me.id)
    log_in(page, me)
    page.goto("/qr")
    qr_ready(page)
    event_link = f"{live_server.url}/c/{me.slug}?e={code}"
    assert shown_qr(page) == event_link
    assert page.get_by_text("QR code for PyCon JP", exact=True).is_visible()

    # full screen: the code starts at the top, whole, with the keyword under it, and no bar anywhere
    qr = box(page, ".qr-full:not([hidden])")
    assert qr["y"] <= 1 and qr["width"] >= WIDTH - 1 and qr["y"] + qr["height"] <= HEIGHT
    keyword = box(page, ".qr-keyword")
    assert qr["y"] + qr["height"] <= keyword["y"] and keyword["y"] + keyword["height"] <= HEIGHT
    assert page.locator(".topbar, .tabbar").count() == 0
    screenshot(page, "qr-event-en")

    # one tap: the plain card, in place
    page.get_by_role("link", name="Show my plain card instead").click()
    qr_ready(page)
    assert shown_qr(page) == f"{live_server.url}/c/{me.slug}"
    assert page.url.endswith("/qr")  # no page load: it works offline as well
    page.get_by_role("link", name="Show the QR for PyCon JP").click()
    assert shown_qr(page) == event_link

    visitor = new_context().new_page()  # someone at the event scans it with their phone's camera
    visitor.goto(event_link)
    visitor.fill("#sb-name", "鈴木 一郎")
    visitor.fill("#sb-email", "ichiro@example.com")
    visitor.wait_for_timeout(1100)  # a person takes longer than SHARE_BACK_MIN_SECONDS to type
    visitor.get_by_role("button", name="Send my contact").click()
    visitor.wait_for_url(f"**/c/{me.slug}/connect")
    [(name, _email, _url, [(source, _client, met_at)])] = contacts_of(live_server, me.id)
    assert (name, source, met_at) == ("鈴木 一郎", "share_back", event_id)


def test_the_event_qr_and_the_switch_work_offline(page, live_server, make_person):
    me = make_person(event="PyCon JP")
    _event_id, code = event_code(live_server, me.id)
    log_in(page, me)
    wait_for_worker(page)
    wait_until_kept(page, "/qr", f"/c/{me.slug}/qr.svg", f"/c/{me.slug}/qr.svg?e={code}")
    page.context.set_offline(True)
    page.goto("/qr")
    qr_ready(page)
    assert shown_qr(page) == f"{live_server.url}/c/{me.slug}?e={code}"
    page.get_by_role("link", name="Show my plain card instead").click()
    qr_ready(page)
    assert shown_qr(page) == f"{live_server.url}/c/{me.slug}"


def test_show_my_qr_in_japanese(new_context, live_server, make_person, screenshot):
    me = make_person(event="PyCon JP")
    page = new_context(locale="ja-JP").new_page()
    log_in(page, me)
    page.goto("/qr")
    qr_ready(page)
    assert page.get_by_text("PyCon JP用のQRコード", exact=True).is_visible()
    assert page.get_by_role("link", name="イベントなしのQRコードにする").is_visible()
    screenshot(page, "qr-event-ja")


@pytest.mark.parametrize("path", ["/", "/contacts", "/events", "/capture"])
def test_the_bottom_bar_stays_at_the_bottom_with_big_tap_targets(page, live_server, make_person, path):
    me = make_person(event="PyCon JP")
    for i in range(12):  # enough to scroll
        capture(live_server, me.id, f"Person {i:02d}", conversation="a long talk about tools " * 4)
    log_in(page, me)
    page.goto(path)
    assert page.locator(".topbar").is_hidden()  # the bar replaces the eight-link header on a phone
    bar = page.locator(".tabbar")
    assert bar.is_visible()
    before = bar.bounding_box()
    assert before["y"] + before["height"] == pytest.approx(HEIGHT, abs=1) and before["width"] == WIDTH
    page.mouse.wheel(0, 5000)
    page.wait_for_timeout(200)
    assert bar.bounding_box() == before  # fixed: it does not scroll away
    tabs = page.locator(".tabbar .tab")
    assert tabs.all_inner_texts() == ["Home", "Capture", "My QR", "Contacts", "More"]
    for tab in tabs.all():
        size = tab.bounding_box()
        assert size["width"] >= TAP and size["height"] >= TAP
    # the last thing on the page is not hidden under the bar
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(100)
    bottom = page.evaluate("""() => Math.max(...[...document.querySelectorAll('#main > *')]
        .map((el) => el.getBoundingClientRect()).filter((r) => r.height > 0).map((r) => r.bottom))""")
    assert bottom <= before["y"] + 1


def test_more_opens_the_rest_one_tap_away(page, make_person, screenshot):
    me = make_person()
    log_in(page, me)
    page.get_by_text("More").click()
    menu = page.locator(".more-menu")
    assert menu.is_visible()
    assert [t.strip() for t in menu.locator("a").all_inner_texts()] == [
        "Events", "Follow-ups", "Reminders", "Profile", "Settings", "Log out"]
    for link in menu.locator("a").all():
        size = link.bounding_box()
        assert size["height"] >= TAP and size["y"] + size["height"] <= box(page, ".tabbar")["y"] + 1
    screenshot(page, "more-menu-en")
    page.mouse.click(WIDTH // 2, 200)  # a tap elsewhere folds it
    assert menu.is_hidden()
    page.get_by_text("More").click()
    page.get_by_role("link", name="Events").click()
    page.wait_for_url("**/events")


@pytest.mark.parametrize("locale,suffix", [("en-US", "en"), ("ja-JP", "ja")])
def test_home_and_the_event_page(new_context, live_server, make_person, screenshot, locale, suffix):
    me = make_person(event="PyCon JP")
    event_id, _code = event_code(live_server, me.id)
    capture(live_server, me.id, "佐藤 花子", event_id=event_id, conversation="教育AIの話", promise="記事を送る")
    page = new_context(locale=locale).new_page()
    log_in(page, me)
    greeting = page.locator("h1").inner_text()
    assert me.name in greeting
    screenshot(page, f"home-{suffix}")
    page.goto(f"/events/{event_id}")
    button = page.locator("#main form button[type=submit]").first
    assert button.inner_text() == {"en": "Stop using it as my current event", "ja": "参加中のイベントから外す"}[suffix]
    size = button.bounding_box()
    assert size["height"] >= TAP
    screenshot(page, f"event-{suffix}")


@pytest.mark.parametrize("locale,suffix", [("en-US", "en"), ("ja-JP", "ja")])
def test_the_contact_list_shows_people_in_the_first_screen(new_context, live_server, make_person, screenshot,
                                                            locale, suffix):
    me = make_person(event="PyCon JP")
    event_id, _code = event_code(live_server, me.id)
    for name in ("佐藤 花子", "Tom Baker", "鈴木 一郎"):
        capture(live_server, me.id, name, event_id=event_id, company="ACME",
                conversation="Offline-first tutoring app architecture")
    page = new_context(locale=locale).new_page()
    log_in(page, me)
    page.goto("/contacts")
    search = box(page, "#q")
    assert search["y"] < 200  # search on top
    assert page.locator("#event_id").is_hidden()  # filters folded
    first = page.locator(".contacts li").first.bounding_box()
    bar = box(page, ".tabbar")
    assert first["y"] + first["height"] <= bar["y"]  # a whole person in view, above the bar
    screenshot(page, f"contacts-{suffix}")


@pytest.mark.parametrize("locale,suffix", [("en-US", "en"), ("ja-JP", "ja")])
def test_my_own_card_while_logged_in_leads_back_into_the_app(new_context, live_server, make_person, screenshot,
                                                             locale, suffix):
    me = make_person()
    page = new_context(locale=locale).new_page()
    log_in(page, me)
    page.goto(f"/c/{me.slug}")
    own = page.locator("#own-card")
    own.wait_for()
    assert page.locator(".share-back").is_hidden() and page.locator(".card-actions").is_hidden()
    assert page.locator("#add-contact").is_hidden()
    links = [own.locator("a").nth(i).get_attribute("href") for i in range(own.locator("a").count())]
    assert links == ["/qr", "/profile", "/"]
    for link in own.locator("a").all():
        assert link.bounding_box()["height"] >= TAP
    screenshot(page, f"own-card-{suffix}")
    own.locator('a[href="/qr"]').click()
    page.wait_for_url("**/qr")

    visitor = new_context(locale=locale).new_page()  # anyone else still sees the share-back form
    visitor.goto(f"/c/{me.slug}")
    visitor.wait_for_load_state("networkidle")
    assert visitor.locator(".share-back").is_visible() and visitor.locator("#own-card").is_hidden()

"""Capture on a phone (390×844): the first screen holds the event, the name, its reading, the
conversation and Save; a kanji name gets a reading shown before Save and is found by kana; a vCard
scanned offline is read on the phone and stored once back online, without a second scan."""
from __future__ import annotations

import qrcode
import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in, wait_for_worker, wait_until
from webapp.contacts.models import Contact
from webapp.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST_SCREEN = ("#event_id", "#name", "#name_reading", "#conversation", "#capture-form button[type=submit]")


def stored(live_server, owner_id):
    """[(name, name_reading, is_reading_guessed, email, company, [source, …])] in the database."""

    def work():
        rows = db.session.scalars(select(Contact).where(Contact.owner_id == owner_id).order_by(Contact.id))
        return [(c.name, c.name_reading, c.is_reading_guessed, c.email, c.company, [e.source for e in c.encounters])
                for c in rows]

    return live_server.run(work)


def on_first_screen(page, selector: str) -> bool:
    """Inside the viewport without scrolling, and not covered by anything (a bottom bar, say)."""
    return page.evaluate("""(selector) => {
        const element = document.querySelector(selector);
        const box = element.getBoundingClientRect();
        if (box.height === 0 || box.top < 0 || box.bottom > window.innerHeight) return false;
        const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        return hit === element || element.contains(hit);
    }""", selector)


def test_a_kanji_name_gets_a_reading_before_save_and_kana_search_finds_it(new_context, live_server, make_person,
                                                                          screenshot):
    me = make_person(event="PyCon JP")
    page = new_context(locale="ja-JP").new_page()
    log_in(page, me)
    page.goto("/capture")
    assert page.locator("#event_id option:checked").inner_text().startswith("PyCon JP")  # the active event
    assert [s for s in FIRST_SCREEN if not on_first_screen(page, s)] == []
    assert page.locator("#email").is_hidden() and page.locator("#promise").is_hidden()  # one tap away

    page.fill("#name", "佐藤 花子")
    wait_until(page, "() => document.querySelector('#name_reading').value === 'さとう はなこ'")
    assert page.locator("#name_reading-hint").inner_text() == "名前から推測しました。確認してください。"
    page.fill("#conversation", "教育AIの話")
    assert [s for s in FIRST_SCREEN if not on_first_screen(page, s)] == []  # with the hint shown too
    screenshot(page, "capture-ja")
    page.locator("#capture-more summary").click()
    assert page.locator("#email").is_visible()
    page.click("#capture-form button[type=submit]")
    page.wait_for_url("**/capture?done=*")
    assert stored(live_server, me.id) == [("佐藤 花子", "さとう はなこ", True, "", "", ["manual"])]

    for query in ("さとう", "ｻﾄｳ"):
        page.goto("/contacts")
        page.fill("#q", query)
        page.press("#q", "Enter")
        page.wait_for_url("**/contacts?*")
        assert page.locator("#main").get_by_text("佐藤 花子").count() >= 1, query


def test_a_typed_reading_is_never_replaced_by_the_guess(page, live_server, make_person):
    me = make_person()
    log_in(page, me)
    page.goto("/capture")
    assert [s for s in FIRST_SCREEN if not on_first_screen(page, s)] == []  # in English too
    page.fill("#name_reading", "しょうじ けん")
    page.fill("#name", "東海林 健")
    page.wait_for_timeout(800)  # longer than the guess waits for the typing to stop
    assert page.locator("#name_reading").input_value() == "しょうじ けん"
    page.fill("#name", "山田 太郎")  # and a guess the user then edits is theirs
    page.fill("#name_reading", "")
    wait_until(page, "() => document.querySelector('#name_reading').value === 'やまだ たろう'")
    page.fill("#name_reading", "やまだ たろ")
    page.fill("#name", "山田 太郎 ")
    page.wait_for_timeout(800)
    assert page.locator("#name_reading").input_value() == "やまだ たろ"
    page.click("#capture-form button[type=submit]")
    page.wait_for_url("**/capture?done=*")
    assert stored(live_server, me.id) == [("山田 太郎", "やまだ たろ", False, "", "", ["manual"])]


VCARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:鈴木;一郎;;;\r\nFN:鈴木 一郎\r\nX-PHONETIC-LAST-NAME:すずき\r\n"
         "X-PHONETIC-FIRST-NAME:いちろう\r\nORG:いちご株式会社\r\nEMAIL:ichiro@example.jp\r\n"
         "TEL:+81-90-1234-5678\r\nEND:VCARD\r\n")


def test_a_vcard_scanned_offline_is_read_on_the_phone_and_stored_once_back_online(page, live_server, make_person,
                                                                                   tmp_path):
    me = make_person(event="PyCon JP")
    photo = tmp_path / "vcard.png"
    qrcode.make(VCARD).save(photo)
    log_in(page, me)
    wait_for_worker(page)
    page.goto("/capture")
    wait_until(page, """async () => {  // the page kept the QR decoder for offline use
        for (const name of await caches.keys()) {
            if (name.startsWith('ichigo-static-') && await (await caches.open(name)).match('/static/vendor/jsqr/jsQR.js')) return true;
        }
        return false;
    }""")
    page.context.set_offline(True)
    page.set_input_files("#scan-file", str(photo))
    wait_until(page, "() => document.querySelector('#name').value === '鈴木 一郎'")
    assert page.locator("#name_reading").input_value() == "すずき いちろう"
    assert page.locator("#company").is_visible() and page.locator("#company").input_value() == "いちご株式会社"
    assert page.locator("#email").input_value() == "ichiro@example.jp"
    assert "Read on this phone while offline: 鈴木 一郎" in page.locator("#scan-status").inner_text()
    page.fill("#conversation", "Talked about QR cards")
    page.click("#capture-form button[type=submit]")
    page.wait_for_selector("#capture-status:has-text('Saved on this phone')")
    assert stored(live_server, me.id) == []

    page.context.set_offline(False)  # sent from the outbox: no second scan
    wait_until(page, "ichigoOutbox.count().then((n) => n === 0)")
    assert stored(live_server, me.id) == [
        ("鈴木 一郎", "すずき いちろう", False, "ichiro@example.jp", "いちご株式会社", ["scan"])]


@pytest.mark.parametrize("payload", [
    VCARD,
    "BEGIN:VCARD\nVERSION:2.1\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E4=BD=90=E8=97=A4;=E8=8A=B1=E5=AD=90\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E4=BD=90=E8=97=A4 =E8=8A=B1=E5=AD=90\nTEL;CELL:0901234\n"
    "EMAIL;INTERNET:A@B.jp\nEND:VCARD",
    "BEGIN:VCARD\nVERSION:3.0\nFN:Jane Doe\nURL:javascript:alert(1)\nORG:Acme\\, Inc.;R&D\nEND:VCARD",
    "BEGIN:VCARD\nVERSION:4.0\nN:Doe;John;;;\nEMAIL:not an address\nURL:https://john.example/c\nEND:VCARD",
    "MECARD:N:佐藤,花子;SOUND:さとう,はなこ;TEL:09012345678;EMAIL:hanako@example.jp;;",
    "MECARD:N:Doe,John;URL:https\\://john.example;;",
])
def test_the_phone_reads_a_card_as_the_server_does(page, live_server, make_person, payload):
    from webapp.captures.scan import read_payload

    log_in(page, make_person())
    page.goto("/capture")
    on_phone = page.evaluate("async (p) => (await import('/static/js/vcard.js')).readCard(p)", payload)
    assert on_phone == read_payload(payload, own_origin=live_server.url).capture


def test_the_text_for_someone_without_email_is_copied_exactly(new_context, live_server, make_person):
    me = make_person()

    def seed():
        import uuid

        from webapp.auth.models import User
        from webapp.captures.services import capture_contact
        from webapp.events.services import create_event

        owner = db.session.get(User, me.id)
        event = create_event(owner, {"name": "PyCon JP"})
        data = {"client_id": str(uuid.uuid4()), "name": "鈴木 一郎", "event_id": event.id,
                "conversation": "名刺を切らしていた"}
        capture_contact(owner, data, raw=dict(data))
        return event.id

    event_id = live_server.run(seed)
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, me)
    page.goto(f"/events/{event_id}")
    page.locator(f"form[action='/events/{event_id}/followups'] button[type=submit]").click()
    page.wait_for_url(f"**/events/{event_id}/followups")  # the drafted page
    for _ in range(2):
        field = page.locator("textarea[id^=skipped-]")
        expected = field.input_value()
        assert "名刺を切らしていた" in expected
        page.evaluate("navigator.clipboard.writeText('')")
        page.get_by_role("button", name="Copy the text").click()
        page.wait_for_selector("[id$=-copied]:has-text('Copied')")
        assert page.evaluate("navigator.clipboard.readText()") == expected
        page.goto(f"/events/{event_id}/followups/skipped")  # then the list of everyone without an email

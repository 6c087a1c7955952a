"""The phone app in a real browser: installable, the card offline, captures offline and synced
exactly once, scanning from a photo, "Add to my contacts", and the share-back form without JS."""
from __future__ import annotations

import qrcode
import pytest
from sqlalchemy import func, select

from tests.browser.conftest import log_in, wait_for_worker, wait_until, wait_until_kept
from webapp.contacts.models import Contact, Encounter
from webapp.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def contacts_of(live_server, owner_id):
    """[(name, email, card_url, [(source, client_id, event_id), ...])] as the database has them."""

    def work():
        contacts = db.session.scalars(select(Contact).where(Contact.owner_id == owner_id).order_by(Contact.id))
        return [(c.name, c.email, c.card_url, [(e.source, e.client_id, e.event_id) for e in c.encounters])
                for c in contacts]

    return live_server.run(work)


def encounters_with(live_server, client_id):
    return live_server.run(lambda: db.session.scalar(
        select(func.count()).select_from(Encounter).where(Encounter.client_id == client_id)))


def test_manifest_and_a_registered_service_worker(page, live_server):
    page.goto("/login")
    manifest = page.evaluate("""async () => {
        const link = document.querySelector('link[rel="manifest"]');
        return (await fetch(link.href)).json();
    }""")
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    registration = page.evaluate("""async () => {
        const registration = await navigator.serviceWorker.ready;
        return { scope: registration.scope, script: registration.active.scriptURL };
    }""")
    assert registration == {"scope": f"{live_server.url}/", "script": f"{live_server.url}/sw.js"}
    caches = page.evaluate("caches.keys()")
    assert any(name.startswith("ichigo-static-") for name in caches)


def test_my_own_card_and_qr_reload_offline(page, new_context, make_person):
    me = make_person(name="山田 太郎", keyword="AIと教育を掛け合わせる仕事をしています")
    log_in(page, me)
    wait_for_worker(page)
    wait_until_kept(page, "/", "/capture", "/qr", f"/c/{me.slug}", f"/c/{me.slug}/qr.svg")
    page.context.set_offline(True)
    page.goto(f"/c/{me.slug}")
    assert page.locator(".card-keyword").inner_text() == "AIと教育を掛け合わせる仕事をしています"
    page.reload()
    assert page.locator(".card-keyword").inner_text() == "AIと教育を掛け合わせる仕事をしています"
    page.goto("/qr")
    wait_until(page, "() => document.querySelector('.qr-full').complete")
    assert page.evaluate("document.querySelector('.qr-full').naturalWidth") > 0
    page.goto("/contacts")  # never kept: the offline page stands in
    assert page.locator("h1").inner_text() == "You are offline"


def test_a_card_a_visitor_opened_stays_available_offline(new_context, make_person):
    owner = make_person(name="Ken Sato", keyword="I build AI tools for teachers")
    visitor = new_context().new_page()  # no account on this server
    visitor.goto(f"/c/{owner.slug}?e=nothing")
    wait_for_worker(visitor)
    wait_until_kept(visitor, f"/c/{owner.slug}?e=nothing")
    visitor.context.set_offline(True)
    visitor.goto(f"/c/{owner.slug}")
    assert visitor.locator(".card-keyword").inner_text() == "I build AI tools for teachers"


def test_an_updated_worker_drops_old_caches_and_keeps_the_cards(new_context, live_server, make_person):
    from webapp.pwa.views import SERVICE_WORKER

    owner = make_person(name="Ken Sato", keyword="I build AI tools for teachers")
    page = new_context().new_page()
    page.goto(f"/c/{owner.slug}")
    wait_for_worker(page)
    wait_until_kept(page, f"/c/{owner.slug}")
    [old] = [name for name in page.evaluate("caches.keys()") if name.startswith("ichigo-static-")]
    original = live_server.app.extensions[SERVICE_WORKER]
    live_server.app.extensions[SERVICE_WORKER] = original.replace(
        'const VERSION = "', 'const VERSION = "next-', 1)  # a deploy that changed the shell
    try:
        page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.update())")
        wait_until(page, """async (old) => {
            const names = await caches.keys();
            return !names.includes(old) && names.some((name) => name.startsWith("ichigo-static-next-"));
        }""", old)
    finally:
        live_server.app.extensions[SERVICE_WORKER] = original
    page.context.set_offline(True)
    page.reload()
    assert page.locator(".card-keyword").inner_text() == "I build AI tools for teachers"


def test_offline_capture_syncs_exactly_once_and_a_replay_adds_nothing(page, live_server, make_person):
    me = make_person(event="PyCon JP")
    log_in(page, me)
    wait_for_worker(page)
    wait_until_kept(page, "/capture")
    page.goto("/capture")
    page.context.set_offline(True)
    page.fill("#name", "佐藤 花子")
    page.fill("#conversation", "教育AIの話")
    page.click("#capture-form button[type=submit]")
    page.wait_for_selector("#capture-status:has-text('Saved on this phone')")
    assert page.locator("#name").input_value() == ""  # ready for the next person
    page.reload()  # offline, from the service worker; the outbox survives
    page.wait_for_selector("[data-outbox-count]:has-text('waiting to be sent: 1')")
    [item] = page.evaluate("ichigoOutbox.list()")
    assert item["capture"]["name"] == "佐藤 花子" and item["capture"]["event_id"] is not None
    assert contacts_of(live_server, me.id) == []

    page.context.set_offline(False)  # the page's "online" handler (and Background Sync) send it
    wait_until(page, "ichigoOutbox.count().then((n) => n === 0)")
    page.wait_for_selector("[data-outbox]", state="hidden")
    [(name, _email, _url, encounters)] = contacts_of(live_server, me.id)
    assert name == "佐藤 花子" and [(s, c) for s, c, _e in encounters] == [("manual", item["client_id"])]

    # The answer got lost and the phone sends the same capture again: the server knows it.
    outcome = page.evaluate("""async (item) => {
        await ichigoOutbox.add(item.capture, { userId: item.user_id });
        return ichigoOutbox.sync();
    }""", item)
    assert outcome["sent"] == 1 and outcome["results"][item["client_id"]]["created"] is False
    assert encounters_with(live_server, item["client_id"]) == 1
    assert len(contacts_of(live_server, me.id)) == 1


def test_a_capture_whose_answer_is_lost_is_resent_and_stored_once(page, live_server, make_person):
    me = make_person()
    log_in(page, me)
    lost = []

    def lose_the_answer(route):
        route.fetch()  # the server stores the capture...
        lost.append(route.request.url)
        route.abort("connectionreset")  # ...but the phone never hears back

    page.context.route("**/api/v1/captures/batch", lose_the_answer)  # the worker's requests too
    page.goto("/capture")
    page.fill("#name", "Yui")
    page.click("#capture-form button[type=submit]")
    page.wait_for_selector("#capture-status:has-text('Saved on this phone')")
    assert lost and page.evaluate("ichigoOutbox.count()") == 1
    [(_n, _e, _u, [(_s, client_id, _ev)])] = contacts_of(live_server, me.id)
    # The outbox may be retrying right now; let that lost answer finish before the network heals.
    page.context.unroute_all(behavior="wait")
    page.goto("/")  # a page opens: the outbox is sent again
    wait_until(page, "ichigoOutbox.count().then((n) => n === 0)")
    assert encounters_with(live_server, client_id) == 1 and len(contacts_of(live_server, me.id)) == 1


def test_an_invalid_offline_capture_waits_to_be_fixed(page, live_server, make_person):
    me = make_person()
    log_in(page, me)
    wait_for_worker(page)
    wait_until_kept(page, "/capture")
    page.goto("/capture")
    page.context.set_offline(True)
    page.fill("#name", "Mika")
    page.click("#capture-more summary")  # email and the rest are one tap away
    page.fill("#email", "mika-at-example")
    page.click("#capture-form button[type=submit]")
    page.wait_for_selector("#capture-status:has-text('Saved on this phone')")
    page.context.set_offline(False)
    fix = page.locator("[data-outbox-problems] a")
    fix.wait_for()
    assert fix.inner_text() == "Fix and send: Mika"
    fix.click()
    page.wait_for_selector("#email-error")
    assert page.locator("#email").input_value() == "mika-at-example"
    page.fill("#email", "mika@example.com")
    page.click("#capture-form button[type=submit]")
    page.wait_for_url("**/capture?done=*")
    assert [(n, e) for n, e, _u, _enc in contacts_of(live_server, me.id)] == [("Mika", "mika@example.com")]
    assert page.evaluate("ichigoOutbox.count()") == 0


def test_a_capture_queued_while_logged_out_waits_for_the_login(page, live_server, make_person):
    me = make_person()
    log_in(page, me)
    wait_for_worker(page)
    wait_until_kept(page, "/capture")
    page.goto("/capture")
    page.context.set_offline(True)
    page.fill("#name", "Aiko")
    page.click("#capture-form button[type=submit]")
    page.wait_for_selector("#capture-status:has-text('Saved on this phone')")
    page.context.clear_cookies()  # the session ended meanwhile
    page.context.set_offline(False)
    page.wait_for_selector("[data-outbox-login]", state="visible")
    assert contacts_of(live_server, me.id) == []
    log_in(page, me)  # the home screen sends what waited
    wait_until(page, "ichigoOutbox.count().then((n) => n === 0)")
    assert [n for n, _e, _u, _enc in contacts_of(live_server, me.id)] == ["Aiko"]


def test_scanning_a_photo_of_a_card_fills_the_capture_form(page, live_server, make_person, tmp_path):
    other = make_person(name="Ken Sato", keyword="I build AI tools for teachers", company="Ichigo Labs")
    me = make_person()
    card_url = f"{live_server.url}/c/{other.slug}"
    photo = tmp_path / "card.png"
    qrcode.make(card_url).save(photo)
    log_in(page, me)
    page.goto("/capture")
    page.set_input_files("#scan-file", str(photo))
    wait_until(page, "() => document.querySelector('#name').value === 'Ken Sato'")
    assert page.locator("#company").input_value() == "Ichigo Labs"
    assert page.locator("#scan-status").inner_text() == "Scanned: Ken Sato"
    page.fill("#conversation", "Talked about grading tools")
    page.click("#capture-form button[type=submit]")
    page.wait_for_url("**/capture?done=*")
    [(name, _email, url, encounters)] = contacts_of(live_server, me.id)
    assert (name, url, encounters[0][0]) == ("Ken Sato", card_url, "scan")


def y4m_of(image, path, size=(640, 480)):
    """A one-frame Y4M video of ``image`` (grey, centred): what chromium's fake camera shows."""
    from PIL import Image

    frame = Image.new("L", size, 255)
    image = image.convert("L")
    frame.paste(image, ((size[0] - image.width) // 2, (size[1] - image.height) // 2))
    chroma = bytes([128]) * (size[0] // 2 * size[1] // 2)
    with open(path, "wb") as fh:
        fh.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        fh.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


@pytest.fixture
def camera(playwright, tmp_path, live_server, make_person):
    """A chromium whose rear camera films someone's card QR (and that person)."""
    from tests.browser.conftest import launch

    other = make_person(name="Aiko Mori", keyword="I teach robots to draw")
    video = tmp_path / "camera.y4m"
    y4m_of(qrcode.make(f"{live_server.url}/c/{other.slug}", box_size=8).get_image(), video)
    browser = launch(playwright, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                     f"--use-file-for-fake-video-capture={video}")
    yield browser, other
    browser.close()


def test_scanning_with_the_camera_fills_the_capture_form(camera, new_context, live_server, make_person):
    browser, other = camera
    me = make_person()
    page = new_context(on=browser, permissions=["camera"]).new_page()
    log_in(page, me)
    page.goto("/capture")
    page.get_by_role("button", name="Scan a QR code").click()
    wait_until(page, "() => document.querySelector('#name').value === 'Aiko Mori'")
    assert page.locator("#scan-dialog").is_hidden()  # the camera is closed again
    assert page.evaluate("document.querySelector('#scan-video').srcObject") is None
    assert page.locator("input[name=card_url]").input_value() == f"{live_server.url}/c/{other.slug}"


def test_a_logged_in_visitor_adds_a_card_to_their_contacts(new_context, live_server, make_person):
    owner = make_person(name="Ken Sato", keyword="I build AI tools for teachers")
    me = make_person(event="PyCon JP")
    page = new_context().new_page()
    log_in(page, me)
    page.goto(f"/c/{owner.slug}")
    button = page.get_by_role("button", name="Add to my contacts")
    button.wait_for()
    assert page.locator("#add-contact [data-where]").inner_text() == "At PyCon JP"
    button.click()
    page.wait_for_selector("#add-contact [data-result]:has-text('Added to your contacts.')")
    [(name, _email, url, [(source, _client, event_id)])] = contacts_of(live_server, me.id)
    assert (name, url, source) == ("Ken Sato", f"{live_server.url}/c/{owner.slug}", "scan")
    assert event_id is not None

    page.goto(f"/c/{me.slug}")  # my own card offers nothing
    page.wait_for_load_state("networkidle")
    assert page.locator("#add-contact").is_hidden()
    anonymous = new_context().new_page()
    anonymous.goto(f"/c/{owner.slug}")
    anonymous.wait_for_load_state("networkidle")
    assert anonymous.locator("#add-contact").is_hidden()


def test_the_share_back_form_works_without_javascript(new_context, live_server, make_person):
    owner = make_person(name="Ken Sato", keyword="I build AI tools for teachers")
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"/c/{owner.slug}")
    page.fill("#sb-name", "鈴木 一郎")
    page.fill("#sb-email", "ichiro@example.com")
    page.fill("#sb-message", "教育AIの話をしました")
    page.wait_for_timeout(1100)  # a person takes longer than SHARE_BACK_MIN_SECONDS to type all that
    page.get_by_role("button", name="Send my contact").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/c/{owner.slug}/connect")
    [(name, email, _url, [(source, _c, _e)])] = contacts_of(live_server, owner.id)
    assert (name, email, source) == ("鈴木 一郎", "ichiro@example.com", "share_back")


def batch_posts(page):
    """Count the batches the phone sends (page and service worker alike)."""
    sent = []
    page.context.on("request", lambda request: request.url.endswith("/api/v1/captures/batch") and sent.append(1))
    return sent


def outbox_items(page):
    return page.evaluate("ichigoOutbox.list()")


def test_a_server_error_is_shown_and_retried_later_not_in_a_loop(page, live_server, make_person, expected_errors):
    expected_errors.append("status of 500")
    me = make_person()
    log_in(page, me)
    down = {"on": True}

    def failing(route):
        if down["on"]:
            route.fulfill(status=500, content_type="application/json",
                          body='{"error": {"code": "internal_error", "message": "Boom.", "fields": {}}}')
        else:
            response = route.fetch()
            route.fulfill(response=response)

    page.context.route("**/api/v1/captures/batch", failing)
    sent = batch_posts(page)
    page.goto("/capture")
    page.fill("#name", "Ren")
    page.click("#capture-form button[type=submit]")
    page.wait_for_selector("#capture-status:has-text('could not store it yet')")
    retry = page.locator("[data-outbox-retry]")
    retry.wait_for()
    assert "HTTP 500" in retry.inner_text() and "trying again in" in retry.inner_text()
    [item] = outbox_items(page)
    assert item["state"] == "waiting" and item["attempts"] == 1 and item["failure"] == "server"
    page.wait_for_timeout(1500)
    assert len(sent) == 1  # one try, then it waits: no loop hammering a failing server
    assert contacts_of(live_server, me.id) == []

    down["on"] = False  # the server recovers; the timer sends it at the announced time
    wait_until(page, "ichigoOutbox.count().then((n) => n === 0)", timeout_ms=20_000)
    assert [name for name, _e, _u, _enc in contacts_of(live_server, me.id)] == ["Ren"]
    assert len(sent) == 2
    page.wait_for_selector("[data-outbox]", state="hidden")


def test_in_a_batch_a_refused_item_waits_to_be_fixed_and_a_failed_one_is_retried(page, live_server, make_person):
    me = make_person()
    log_in(page, me)
    wait_for_worker(page)
    wait_until_kept(page, "/capture")
    page.goto("/capture")
    page.context.set_offline(True)
    for name, email in [("Aoi", ""), ("Bad", "bad-at-example"), ("Chika", ""), ("Daichi", "")]:
        page.fill("#name", name)
        if email:
            page.click("#capture-more summary")  # closed again after each save
            page.fill("#email", email)
        page.click("#capture-form button[type=submit]")
        page.wait_for_selector(f"#capture-status:has-text('Saved on this phone: {name}')")
    sent = batch_posts(page)

    def daichi_fails(route):  # the server stores what it can; Daichi's item hits a busy database
        response = route.fetch()
        body = response.json()
        for item, capture in zip(body["items"], route.request.post_data_json):
            if capture["name"] == "Daichi":
                item.update(status=503, result=None, error={"code": "unavailable", "message": "Busy.", "fields": {}})
        route.fulfill(response=response, json=body)

    page.context.route("**/api/v1/captures/batch", daichi_fails)
    page.context.set_offline(False)
    wait_until(page, "ichigoOutbox.list().then((items) => items.length === 2)")
    assert sent == [1]  # all four in one batch
    by_name = {item["capture"]["name"]: item for item in outbox_items(page)}
    assert by_name["Bad"]["state"] == "invalid" and "email" in by_name["Bad"]["error"]["fields"]
    assert by_name["Daichi"]["state"] == "waiting" and by_name["Daichi"]["failure"] == "server"
    stored = sorted(name for name, _e, _u, _enc in contacts_of(live_server, me.id))
    assert stored == ["Aoi", "Chika", "Daichi"]  # stored; the phone just did not hear so

    page.context.unroute_all(behavior="wait")
    wait_until(page, "ichigoOutbox.list().then((items) => items.length === 1)", timeout_ms=20_000)
    [left] = outbox_items(page)
    assert left["capture"]["name"] == "Bad" and left["state"] == "invalid"  # never resent as it is
    assert len(sent) == 2
    assert sorted(name for name, _e, _u, _enc in contacts_of(live_server, me.id)) == ["Aoi", "Chika", "Daichi"]
    page.locator("[data-outbox-problems] a", has_text="Fix and send: Bad").wait_for()

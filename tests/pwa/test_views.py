"""The installable shell over HTTP: manifest, service worker, offline page, session, home screen."""
import re
import uuid
from datetime import date, timedelta

import pytest

from tests.captures.helpers import STAMP
from tests.conftest import bearer, make_token, make_user
from tests.profiles.helpers import fill_profile


def test_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["name"] and manifest["short_name"] and manifest["theme_color"] and manifest["background_color"]
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200
        response.close()


def test_every_page_links_the_manifest_and_loads_scripts_without_blocking(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'type="module"' in tag or " defer " in tag or tag.endswith(" defer>"), tag
    assert "<script>" not in html


def test_service_worker_is_served_from_the_root_and_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    assert re.match(r'const VERSION = "[0-9a-f]{12}";\nconst SHELL = \[', source)


def test_everything_the_worker_precaches_is_there_without_a_session(client):
    source = client.get("/sw.js").get_data(as_text=True)
    shell = re.search(r"const SHELL = (\[.*?\]);", source).group(1)
    urls = re.findall(r'"([^"]+)"', shell)
    assert "/offline" in urls and "/static/css/app.css" in urls and "/static/js/outbox.js" in urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_offline_page_holds_nothing_private(client, logged_in):
    response = client.get("/offline")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "offline" in html.lower()
    assert "csrf" not in html and logged_in.name not in html


def test_session_answers_anonymous_visitors_without_making_a_session(client):
    response = client.get("/api/v1/session")
    assert response.status_code == 200
    assert response.get_json() == {"authenticated": False, "user_id": None, "name": None, "card_slug": None,
                                   "active_event": None, "csrf_token": None}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_session_gives_a_logged_in_browser_the_token_for_its_api_calls(client, logged_in):
    slug = fill_profile(logged_in).slug
    me = client.get("/api/v1/session").get_json()
    assert me["authenticated"] is True and me["user_id"] == logged_in.id
    assert me["card_slug"] == slug and me["active_event"] is None
    capture = {"client_id": str(uuid.uuid4()), "name": "佐藤 花子"}
    assert client.post("/api/v1/captures", json=capture).status_code == 400  # cookie without the header
    response = client.post("/api/v1/captures", json=capture, headers={"X-CSRFToken": me["csrf_token"]})
    assert response.status_code == 201 and response.get_json()["client_id"] == capture["client_id"]


def test_session_names_the_active_event(client, logged_in):
    token = make_token(logged_in)
    event = client.post("/api/v1/events", json={"name": "PyCon JP", "is_active": True}, headers=bearer(token))
    assert event.status_code == 201
    me = client.get("/api/v1/session").get_json()
    assert me["active_event"] == {"id": event.get_json()["id"], "name": "PyCon JP"}


def test_session_over_bearer_has_no_csrf_token(client, app):
    user = make_user()
    me = client.get("/api/v1/session", headers=bearer(make_token(user))).get_json()
    assert me["authenticated"] is True and me["csrf_token"] is None


def test_card_page_is_the_same_for_every_visitor_and_offers_adding_client_side(client, auth, app):
    owner = make_user()
    slug = fill_profile(owner).slug
    anonymous = client.get(f"/c/{slug}").get_data(as_text=True)
    visitor = make_user()
    auth.login(visitor.email)
    logged_in = client.get(f"/c/{slug}").get_data(as_text=True)
    # each response's share-back form notes when it was rendered, and nothing about who asked
    assert STAMP.sub("stamp", anonymous) == STAMP.sub("stamp", logged_in)
    assert 'id="add-contact" hidden' in anonymous and "/static/js/card.js" in anonymous
    assert "csrf" not in anonymous


def test_home_shows_the_active_event_capture_qr_and_what_is_due(client, logged_in):
    slug = fill_profile(logged_in).slug
    token = make_token(logged_in)
    client.post("/api/v1/events", json={"name": "PyCon JP", "goal": "三人と深く話す", "is_active": True},
                headers=bearer(token))
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    for name, promise, due in [("佐藤 花子", "記事を送る", yesterday), ("Ken", "Intro to Mika", None)]:
        body = {"client_id": str(uuid.uuid4()), "name": name, "promise": promise, "promise_due": due}
        assert client.post("/api/v1/captures", json=body, headers=bearer(token)).status_code == 201
    html = client.get("/").get_data(as_text=True)
    assert "PyCon JP" in html and "三人と深く話す" in html
    assert 'href="/capture"' in html and 'href="/qr"' in html
    assert "記事を送る" in html and "Intro to Mika" in html
    assert html.index("記事を送る") < html.index("Intro to Mika")  # dated promises first
    assert 'class="overdue"' in html
    keep = re.search(r'<meta name="ichigo-keep" content="([^"]+)">', html).group(1).split()
    code = client.get("/api/v1/events", headers=bearer(token)).get_json()["items"][0]["code"]
    assert keep == ["/", "/capture", "/qr", f"/c/{slug}", f"/c/{slug}/qr.svg", f"/c/{slug}/qr.svg?e={code}"]


def test_home_shows_nothing_of_another_users_promises(client, logged_in, app):
    other = make_user()
    body = {"client_id": str(uuid.uuid4()), "name": "X", "promise": "秘密の約束"}
    client.post("/api/v1/captures", json=body, headers=bearer(make_token(other)))
    html = client.get("/").get_data(as_text=True)
    assert "秘密の約束" not in html and "Nothing is due" in html


def test_capture_page_offers_scanning_and_the_outbox(client, logged_in):
    html = client.get("/capture").get_data(as_text=True)
    assert 'id="capture-form"' in html and 'id="scan-file"' in html and "data-outbox" in html
    assert "/static/js/capture.js" in html and "/static/js/scan.js" in html


@pytest.mark.parametrize("path", ["/static/vendor/jsqr/jsQR.js", "/static/vendor/jsqr/LICENSE",
                                  "/static/js/qr-worker.js"])
def test_the_qr_decoder_is_vendored_with_its_licence(client, path):
    response = client.get(path)
    assert response.status_code == 200
    response.close()

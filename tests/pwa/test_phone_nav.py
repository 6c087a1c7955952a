"""The phone's chrome: a bottom bar with what is done at an event, the rest one tap away ("More");
/qr is the whole screen, without any bar."""
import re

import pytest

from tests.profiles.helpers import fill_profile


def tabbar(html: str) -> str:
    match = re.search(r'<nav class="tabbar"[^>]*>(.*?)</nav>', html, re.S)
    assert match, "no bottom bar"
    return match.group(1)


@pytest.mark.parametrize("path", ["/", "/capture", "/contacts", "/events", "/followups", "/profile", "/settings"])
def test_every_app_screen_has_the_bottom_bar(client, logged_in, path):
    bar = tabbar(client.get(path).get_data(as_text=True))
    direct = re.findall(r'<a class="tab"[^>]*href="([^"]+)"', bar)
    assert direct == ["/", "/capture", "/qr", "/contacts"]
    more = re.search(r"<details[^>]*>.*?<summary[^>]*>.*?More.*?</summary>(.*?)</details>", bar, re.S)
    assert more, "no More menu"
    assert re.findall(r'href="([^"]+)"', more.group(1)) == [
        "/events", "/followups", "/reminders", "/profile", "/settings", "/logout"]


def test_the_bar_marks_where_you_are(client, logged_in):
    bar = tabbar(client.get("/contacts").get_data(as_text=True))
    assert re.search(r'<a class="tab"[^>]*href="/contacts" aria-current="page"', bar)
    bar = tabbar(client.get("/events").get_data(as_text=True))
    assert re.search(r'<details class="tabbar-more is-current"', bar)


def test_logged_out_pages_have_no_bottom_bar(client):
    assert 'class="tabbar"' not in client.get("/login").get_data(as_text=True)


def test_show_my_qr_is_the_whole_screen(client, logged_in):
    fill_profile(logged_in)
    html = client.get("/qr").get_data(as_text=True)
    assert 'class="tabbar"' not in html and 'class="topbar' not in html
    body = html.split("<main", 1)[1]
    # the code comes first, the keyword right under it, then a way back into the app
    assert body.index('class="qr-full"') < body.index('class="qr-keyword"') < body.index('href="/"')


def test_the_bottom_bar_speaks_japanese(client, auth, logged_in):
    from webapp.auth.services import update_settings

    update_settings(logged_in, {"locale": "ja"})
    bar = tabbar(client.get("/").get_data(as_text=True))
    labels = [re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r'<span class="tab-label">(.*?)</span>', bar)]
    assert labels == ["ホーム", "記録", "マイQR", "連絡先", "その他"]

"""The event carried by the QR: /qr and /c/<slug>/qr.svg|png?e=<code> encode the card link of the
active event; a code that is not the owner's own encodes the plain card and shows nothing else."""
import re

import pytest

from tests.conftest import make_user
from tests.profiles.helpers import decode_png, decode_svg, fill_profile
from webapp.events.services import create_event

BASE = "https://ichigo.test"


@pytest.fixture
def event(owner):
    return create_event(owner, {"name": "PyCon JP 2025", "is_active": True})


def decoded(client, path):
    response = client.get(path)
    assert response.status_code == 200
    [result] = (decode_svg if path.split("?")[0].endswith(".svg") else decode_png)(response.data)
    return result.text


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_the_qr_with_an_event_code_encodes_the_event_link(client, card_path, event, fmt):
    assert decoded(client, f"{card_path}/qr.{fmt}?e={event.code}") == f"{BASE}{card_path}?e={event.code}"
    assert decoded(client, f"{card_path}/qr.{fmt}") == f"{BASE}{card_path}"


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_a_code_that_is_not_the_owners_event_falls_back_to_the_plain_card(client, card_path, event, fmt):
    stranger = make_user()
    fill_profile(stranger)
    theirs = create_event(stranger, {"name": "Secret offsite", "is_active": True})
    for code in (theirs.code, "nosuchcode", "x" * 40, "", "%3Cb%3E", event.code.upper()):
        assert decoded(client, f"{card_path}/qr.{fmt}?e={code}") == f"{BASE}{card_path}", code


def test_the_event_qr_is_cached_apart_from_the_plain_one(client, card_path, event):
    plain = client.get(f"{card_path}/qr.svg")
    for_event = client.get(f"{card_path}/qr.svg?e={event.code}")
    assert plain.headers["ETag"] != for_event.headers["ETag"]
    again = client.get(f"{card_path}/qr.svg?e={event.code}", headers={"If-None-Match": for_event.headers["ETag"]})
    assert again.status_code == 304


def test_show_my_qr_carries_the_active_event_and_switches_to_the_plain_card(client, auth, owner, card_path, event):
    auth.login(owner.email)
    html = client.get("/qr").get_data(as_text=True)
    assert f'src="{card_path}/qr.svg?e={event.code}"' in html
    assert f"{BASE}{card_path}?e={event.code}" in html
    assert "PyCon JP 2025" in html
    switch = re.search(r'<a [^>]*href="/qr\?plain=1"[^>]*>([^<]+)</a>', html)
    assert switch and switch.group(1).strip() == "Show my plain card instead"
    # both codes are on the page, so the one-tap switch works offline too
    assert f'src="{card_path}/qr.svg"' in html

    plain = client.get("/qr?plain=1").get_data(as_text=True)
    assert f'src="{card_path}/qr.svg"' in plain and f"?e={event.code}" not in plain
    assert re.search(r'<a [^>]*href="/qr"[^>]*>\s*Show the QR for PyCon JP 2025\s*</a>', plain)


def test_show_my_qr_without_an_active_event_is_the_plain_card(client, auth, owner, card_path):
    create_event(owner, {"name": "Past meetup", "is_active": False})
    auth.login(owner.email)
    html = client.get("/qr").get_data(as_text=True)
    assert f'src="{card_path}/qr.svg"' in html and "?e=" not in html and "Past meetup" not in html
    assert "plain=1" not in html


def test_show_my_qr_names_the_event_in_japanese(client, auth, owner, card_path, event):
    owner_locale(owner, "ja")
    auth.login(owner.email)
    html = client.get("/qr").get_data(as_text=True)
    assert "PyCon JP 2025用のQRコード" in html and "イベントなしのQRコードにする" in html


def owner_locale(user, locale):
    from webapp.auth.services import update_settings

    update_settings(user, {"locale": locale})


def test_home_keeps_the_event_qr_for_offline(client, auth, owner, card_path, event):
    auth.login(owner.email)
    html = client.get("/").get_data(as_text=True)
    keep = re.search(r'<meta name="ichigo-keep" content="([^"]+)">', html).group(1).split()
    assert f"{card_path}/qr.svg?e={event.code}" in keep and f"{card_path}/qr.svg" in keep

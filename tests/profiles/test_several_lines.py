"""Offers and asks take several lines (README: "the lines of what I can offer"): kept on save, shown
as lines on the card, carried safely into the vCard; other control characters stay refused."""
from pathlib import Path

import pytest
import vobject

from tests.conftest import bearer, csrf_token_of
from tests.profiles.helpers import FULL_PROFILE

OFFERS = "AI導入の相談\n採点ツールのデモ\nR&Dの壁打ち"
ASKS = "現場の先生の声\n実証実験に協力してくれる学校"


def put(client, owner, **fields):
    return client.put("/api/v1/profile", json={**FULL_PROFILE, **fields}, headers=bearer(owner.token))


def test_offers_and_asks_keep_their_lines_through_the_api(client, owner):
    response = put(client, owner, offers=OFFERS, asks=ASKS.replace("\n", "\r\n"))
    assert response.status_code == 200, response.get_json()
    body = client.get("/api/v1/profile", headers=bearer(owner.token)).get_json()
    assert body["offers"] == OFFERS and body["asks"] == ASKS


def test_the_profile_form_takes_several_lines_of_offers(client, owner, auth):
    assert auth.login(owner.email).status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    offers_box = page[page.index('name="offers"') - 200:page.index('name="offers"') + 200]
    assert "data-single-line" not in offers_box.split("<textarea")[-1].split(">")[0]
    form = {**{k: v for k, v in FULL_PROFILE.items() if k != "links"}, "links": "\n".join(FULL_PROFILE["links"]),
            "offers": OFFERS.replace("\n", "\r\n"), "asks": ASKS, "csrf_token": csrf_token_of(client, "/profile")}
    if FULL_PROFILE["signature_color"]:
        form["use_color"] = "1"
    assert client.post("/profile", data=form).status_code == 302
    assert client.get("/api/v1/profile", headers=bearer(owner.token)).get_json()["offers"] == OFFERS


def test_the_card_shows_each_line_escaped(client, owner, card_path):
    put(client, owner, offers=OFFERS)
    html = client.get(card_path).get_data(as_text=True)
    assert "AI導入の相談\n採点ツールのデモ\nR&amp;Dの壁打ち" in html
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert ".card-intro dd { white-space: pre-line; }" in css  # each line on a line of its own


@pytest.mark.parametrize("bad", ["ab\x1bcd", "ab\x00cd", "a\u2028b", "a\u202eb", "<script>x</script>"])
def test_other_control_characters_are_still_refused(client, owner, bad):
    response = put(client, owner, offers="一行目\n" + bad)
    assert response.status_code == 422 and list(response.get_json()["error"]["fields"]) == ["offers"]


def test_a_line_break_cannot_add_a_property_to_the_vcard(client, owner, card_path):
    put(client, owner, offers="相談\nEMAIL:evil@example.com\nEND:VCARD")
    text = client.get(card_path + ".vcf").get_data(as_text=True)
    card = vobject.readOne(text)
    assert [e.value for e in card.contents.get("email", [])] == [FULL_PROFILE["public_email"]]
    assert "相談\nEMAIL:evil@example.com\nEND:VCARD" in card.note.value

"""A Japanese name's reading is guessed when none is typed, so the person is found by kana; a typed
reading always wins. Over the API, the share-back form, the contact edit and the search."""
import uuid

import pytest

from tests.captures.helpers import share_back
from tests.conftest import bearer, make_token, make_user
from webapp.contacts.models import Contact
from webapp.extensions import db
from webapp.profiles import services as profiles


@pytest.fixture
def token(app):
    return make_token(make_user())


def cap(**kw):
    return {"client_id": str(uuid.uuid4()), "name": "佐藤 花子", **kw}


def post(client, token, **kw):
    r = client.post("/api/v1/captures", json=cap(**kw), headers=bearer(token))
    assert r.status_code in (200, 201), r.get_json()
    return r.get_json()["contact_id"]


def contact_json(client, token, contact_id):
    return client.get(f"/api/v1/contacts/{contact_id}", headers=bearer(token)).get_json()


def test_a_capture_without_reading_stores_the_guess_marked_as_guessed(client, token):
    out = contact_json(client, token, post(client, token))
    assert (out["name_reading"], out["is_reading_guessed"]) == ("さとう はなこ", True)


def test_a_typed_reading_is_stored_as_typed_and_not_marked(client, token):
    out = contact_json(client, token, post(client, token, name="東海林 健", name_reading="しょうじ けん"))
    assert (out["name_reading"], out["is_reading_guessed"]) == ("しょうじ けん", False)


def test_a_latin_name_gets_no_reading(client, token):
    out = contact_json(client, token, post(client, token, name="Jane Doe"))
    assert (out["name_reading"], out["is_reading_guessed"]) == ("", False)


def test_meeting_again_never_replaces_a_typed_reading_but_a_typed_one_replaces_a_guess(client, token):
    typed = post(client, token, name="東海林 健", name_reading="しょうじ けん", email="ken@example.jp")
    post(client, token, name="東海林 健", email="ken@example.jp")  # no reading: the guess does not replace it
    assert contact_json(client, token, typed)["name_reading"] == "しょうじ けん"

    guessed = post(client, token, name="小鳥遊 ひな", email="hina@example.jp")
    post(client, token, name="小鳥遊 ひな", name_reading="たかなし ひな", email="hina@example.jp")
    out = contact_json(client, token, guessed)
    assert (out["name_reading"], out["is_reading_guessed"]) == ("たかなし ひな", False)


@pytest.mark.parametrize("query", ["さとう", "サトウ", "ｻﾄｳ", "さとうはなこ", "はなこ"])
def test_kana_search_finds_the_kanji_name_whose_reading_was_guessed(client, token, query):
    hanako = post(client, token)
    post(client, token, name="鈴木 一郎")
    r = client.get("/api/v1/contacts", query_string={"q": query}, headers=bearer(token))
    assert [item["id"] for item in r.get_json()["items"]] == [hanako]


def test_a_batch_from_the_phone_gets_the_guess_too(client, token):
    r = client.post("/api/v1/captures/batch", json=[cap(name="高橋 太郎")], headers=bearer(token))
    contact_id = r.get_json()["items"][0]["result"]["contact_id"]
    assert contact_json(client, token, contact_id)["name_reading"] == "たかはし たろう"


def test_a_shared_back_japanese_name_gets_a_guessed_reading(client):
    owner = make_user(name="田中 一郎")
    profiles.update_profile(owner, {"name": "田中 一郎", "keyword": "地方の中小企業にAIを届ける"})
    share_back(client, profiles.get_profile_for(owner).slug, {"name": "鈴木 花子", "email": "hana@example.com"})
    contact = db.session.scalar(db.select(Contact).where(Contact.owner_id == owner.id))
    assert (contact.name_reading, contact.is_reading_guessed) == ("すずき はなこ", True)


def test_editing_the_reading_makes_it_typed_and_a_new_name_gets_a_new_guess(client, token):
    contact_id = post(client, token)
    r = client.patch(f"/api/v1/contacts/{contact_id}", json={"name": "高橋 花子"}, headers=bearer(token))
    assert (r.get_json()["name_reading"], r.get_json()["is_reading_guessed"]) == ("たかはし はなこ", True)
    r = client.patch(f"/api/v1/contacts/{contact_id}", json={"name_reading": "たかはし はなこ"},
                     headers=bearer(token))  # the user confirms the guess by sending it
    assert r.get_json()["is_reading_guessed"] is False
    r = client.patch(f"/api/v1/contacts/{contact_id}", json={"name": "高橋 華子"}, headers=bearer(token))
    assert (r.get_json()["name_reading"], r.get_json()["is_reading_guessed"]) == ("たかはし はなこ", False)

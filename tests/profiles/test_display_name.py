"""One display name: the profile's name is the one the home screen, the card, the mails, the digest
and the session use, edited in one place (the profile); Settings has no second name field."""
import re

from tests.conftest import bearer, csrf_token_of, make_token, make_user
from tests.profiles.helpers import fill_profile
from webapp.auth.models import User
from webapp.extensions import db
from webapp.profiles.services import get_profile_for


def stored(user) -> tuple[str, str]:
    db.session.rollback()
    return db.session.get(User, user.id).name, get_profile_for(user).name


def test_home_greets_the_name_on_the_card(client, auth, app):
    user = make_user(name="やまだ")  # what was typed at sign-up
    fill_profile(user, name="山田 太郎")
    auth.login(user.email)
    html = client.get("/").get_data(as_text=True)
    assert "Hello, 山田 太郎" in html and "やまだ" not in html


def test_renaming_in_the_profile_renames_everywhere(client, auth, app):
    user = make_user(name="Taro")
    fill_profile(user, name="Taro Yamada")
    assert stored(user) == ("Taro Yamada", "Taro Yamada")
    token = make_token(user)
    auth.login(user.email)
    assert client.get("/api/v1/session").get_json()["name"] == "Taro Yamada"
    assert client.get("/api/v1/session", headers=bearer(token)).get_json()["name"] == "Taro Yamada"


def test_settings_shows_the_name_and_sends_you_to_the_profile_to_change_it(client, auth, app):
    user = make_user(name="Taro")
    fill_profile(user, name="Taro Yamada")
    auth.login(user.email)
    html = client.get("/settings").get_data(as_text=True)
    assert 'name="name"' not in html
    assert re.search(r'Taro Yamada.*?<a href="/profile#name"', html, re.S)


def test_an_old_settings_form_with_a_name_makes_no_second_name(client, auth, app):
    user = make_user(name="Taro")
    fill_profile(user, name="Taro Yamada")
    auth.login(user.email)
    token = csrf_token_of(client, "/settings")
    response = client.post("/settings", data={"csrf_token": token, "name": "Someone Else", "locale": "en",
                                              "timezone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert stored(user) == ("Taro Yamada", "Taro Yamada")

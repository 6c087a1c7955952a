"""Logging out logs out: each browser login is a row of its own (user_sessions), so a copied
session or remember cookie dies with the login it belongs to, and Settings can end them all."""
import re

import pytest

from tests.conftest import bearer, csrf_token_of, make_token, make_user

PRIVATE = "/api/v1/auth/tokens"  # any private answer: 200 logged in, 401 not


def login(client, user, *, remember=False, password=None, user_agent=None):
    token = csrf_token_of(client, "/login")
    data = {"email": user.email, "password": password or user.plain_password, "csrf_token": token}
    if remember:
        data["remember"] = "on"
    headers = {"User-Agent": user_agent} if user_agent else {}
    response = client.post("/login", data=data, headers=headers)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def copy_cookies(source, target, names=("session", "remember_token")):
    """What a thief does with a cookie jar: the same cookies, another browser."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found else None


def logged_in(client) -> bool:
    status = client.get(PRIVATE).status_code
    assert status in (200, 401)
    return status == 200


def post_settings(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token_of(client, "/settings")})


def test_a_session_cookie_copied_before_logout_stops_working_after_logout(app, client):
    user = make_user()
    login(client, user)
    thief = app.test_client()
    copy_cookies(client, thief, names=("session",))
    assert logged_in(thief)

    client.post("/logout", data={"csrf_token": csrf_token_of(client, "/logout")})

    assert not logged_in(client)
    assert not logged_in(thief)


def test_a_remember_cookie_copied_before_logout_stops_working_after_logout(app, client):
    user = make_user()
    login(client, user, remember=True)
    thief = app.test_client()
    copy_cookies(client, thief, names=("remember_token",))
    assert logged_in(thief)  # the remember cookie alone logs a browser in

    client.post("/logout", data={"csrf_token": csrf_token_of(client, "/logout")})

    fresh_thief = app.test_client()  # no session cookie made from the remember cookie either
    copy_cookies(thief, fresh_thief, names=("remember_token",))
    assert not logged_in(thief)
    assert not logged_in(fresh_thief)


def test_the_remember_cookie_differs_on_each_login(app):
    user = make_user()
    first, second = app.test_client(), app.test_client()
    login(first, user, remember=True)
    login(second, user, remember=True)
    assert cookie(first, "remember_token") and cookie(second, "remember_token")
    assert cookie(first, "remember_token") != cookie(second, "remember_token")


def test_logging_out_on_one_phone_keeps_the_other_logged_in(app):
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user)
    login(laptop, user, remember=True)
    phone.post("/logout", data={"csrf_token": csrf_token_of(phone, "/logout")})
    assert not logged_in(phone)
    assert logged_in(laptop)


def test_a_session_of_the_old_kind_naming_only_the_user_is_refused(app, client):
    user = make_user()
    forged = app.session_interface.get_signing_serializer(app).dumps({"_user_id": str(user.id), "_fresh": True})
    client.set_cookie("session", forged)
    assert not logged_in(client)


def test_the_csrf_token_of_the_login_page_is_not_valid_after_login(client):
    user = make_user()
    before = csrf_token_of(client, "/login")
    client.post("/login", data={"email": user.email, "password": user.plain_password, "csrf_token": before})
    stale = client.post("/settings", data={"name": "Stale", "locale": "en", "timezone": "UTC", "csrf_token": before})
    assert stale.status_code == 400 and "CSRF" in stale.get_data(as_text=True)
    after = csrf_token_of(client, "/settings")
    assert after != before
    fresh = client.post("/settings", data={"name": "Fresh", "locale": "en", "timezone": "UTC", "csrf_token": after})
    assert fresh.status_code == 302


def test_log_out_everywhere_ends_every_session_and_remember_cookie_but_keeps_api_tokens(app, client):
    user = make_user()
    token = make_token(user)
    login(client, user, remember=True)
    other = app.test_client()
    login(other, user, remember=True)
    remembered = app.test_client()
    copy_cookies(other, remembered, names=("remember_token",))
    assert logged_in(other) and logged_in(remembered)

    response = post_settings(client, "/settings/sessions", {"end": "all"})

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not logged_in(client) and not logged_in(other) and not logged_in(remembered)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "logged out on every device" in page
    assert client.get(PRIVATE, headers=bearer(token)).status_code == 200  # tokens are listed and revoked apart


def test_settings_lists_the_logins_and_ends_one_of_them(app, client):
    user = make_user()
    login(client, user, user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile Safari/604.1")
    other = app.test_client()
    login(other, user, user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36")
    html = client.get("/settings").get_data(as_text=True)
    assert "Safari, iOS" in html and "Chrome, Linux" in html and "This browser" in html
    others = re.findall(r'name="end" value="(\d+)"', html)
    assert len(others) == 1  # this browser ends itself with "Log out", not from the list

    response = post_settings(client, "/settings/sessions", {"end": others[0]})

    assert response.status_code == 302
    assert logged_in(client) and not logged_in(other)
    assert "Chrome, Linux" not in client.get("/settings").get_data(as_text=True)


def test_ending_another_users_login_is_not_found(app, client):
    owner, stranger = make_user(), make_user()
    victim = app.test_client()
    login(victim, owner)
    login(client, stranger)
    victim_html = victim.get("/settings").get_data(as_text=True)
    ids = re.findall(r'data-session="(\d+)"', victim_html)
    assert ids
    response = post_settings(client, "/settings/sessions", {"end": ids[0]})
    assert response.status_code == 404
    assert logged_in(victim)


def test_changing_the_password_ends_the_other_sessions_and_the_api_tokens_and_keeps_this_browser(app, client):
    user = make_user()
    token = make_token(user)
    login(client, user, remember=True)
    other = app.test_client()
    login(other, user, remember=True)
    thief = app.test_client()
    copy_cookies(client, thief)  # a copy of this very browser's cookies
    old_remember = cookie(client, "remember_token")

    response = post_settings(client, "/settings/password", {
        "current_password": user.plain_password, "new_password": "a much better passphrase",
        "new_password_again": "a much better passphrase"})

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your password was changed" in page and "1 API token" in page
    assert logged_in(client)
    assert cookie(client, "remember_token") not in (None, old_remember)  # still remembered, anew
    assert not logged_in(other) and not logged_in(thief)
    assert client.get(PRIVATE, headers=bearer(token)).status_code == 401
    login(app.test_client(), user, password="a much better passphrase")
    stranger = app.test_client()
    old = stranger.post("/login", data={"email": user.email, "password": user.plain_password,
                                        "csrf_token": csrf_token_of(stranger, "/login")})
    assert old.status_code == 401


@pytest.mark.parametrize("fields,error", [
    ({"current_password": "not my password", "new_password": "a much better passphrase",
      "new_password_again": "a much better passphrase"}, "current_password-error"),
    ({"current_password": None, "new_password": "a much better passphrase",
      "new_password_again": "another passphrase"}, "new_password_again-error"),
    ({"current_password": None, "new_password": "short", "new_password_again": "short"}, "new_password-error"),
])
def test_a_refused_password_change_changes_nothing(app, client, fields, error):
    user = make_user()
    token = make_token(user)
    login(client, user)
    other = app.test_client()
    login(other, user)
    data = {key: value or user.plain_password for key, value in fields.items()}

    response = post_settings(client, "/settings/password", data)

    assert response.status_code == 422
    assert f'id="{error}"' in response.get_data(as_text=True)
    assert logged_in(client) and logged_in(other)
    assert client.get(PRIVATE, headers=bearer(token)).status_code == 200
    login(app.test_client(), user)  # the old password still works


def test_logged_in_pages_and_api_answers_are_never_stored(client, user):
    login(client, user)
    for path in ("/", "/settings", "/contacts", "/api/v1/auth/tokens", "/api/v1/session", "/api/v1/contacts/999999"):
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "no-store", path
    anonymous = client.application.test_client()
    assert anonymous.get("/api/v1/contacts").headers.get("Cache-Control") == "no-store"  # a 401 too
    assert anonymous.get("/api/v1/openapi.json").headers.get("Cache-Control") == "no-store"


def test_shared_pages_keep_their_caching_for_a_logged_in_visitor(client, user):
    from tests.profiles.helpers import fill_profile

    slug = fill_profile(user).slug
    login(client, user)
    for path in (f"/c/{slug}", f"/c/{slug}.json", f"/c/{slug}.vcf", "/offline", "/static/css/app.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
        response.close()
    assert "public" in client.get(f"/c/{slug}/qr.svg").headers["Cache-Control"]


def test_logging_in_again_in_the_same_browser_replaces_its_login(app, client):
    user = make_user()
    login(client, user, remember=True)
    copy = app.test_client()
    copy_cookies(client, copy)
    again = client.post("/login", data={"email": user.email, "password": user.plain_password,
                                        "csrf_token": csrf_token_of(client, "/settings")})
    assert again.status_code == 302
    html = client.get("/settings").get_data(as_text=True)
    assert html.count("data-session=") == 1  # one login for this browser, not two
    assert logged_in(client) and not logged_in(copy)


@pytest.mark.parametrize("end", ["", "abc", "-1", "0", "99999999999999999999", "１"])
def test_ending_a_login_that_is_not_there_is_not_found(client, end):
    login(client, make_user())
    response = post_settings(client, "/settings/sessions", {"end": end})
    assert response.status_code == 404
    assert logged_in(client)


def test_a_cookie_naming_a_huge_login_id_is_refused(app, client):
    forged = app.session_interface.get_signing_serializer(app).dumps({"_user_id": "9" * 18 + ".key"})
    client.set_cookie("session", forged)
    assert not logged_in(client)


def test_guessing_the_current_password_is_limited_per_account(app, client):
    user = make_user()
    login(client, user)
    wrong = {"current_password": "a guess", "new_password": "a much better passphrase",
             "new_password_again": "a much better passphrase"}
    statuses = [post_settings(client, "/settings/password", wrong).status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    other = app.test_client()  # another browser of the same account, elsewhere: the same budget
    other.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    login(other, user)
    assert post_settings(other, "/settings/password", wrong).status_code == 429

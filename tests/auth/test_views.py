"""Sign-up, log-in and log-out pages."""
from tests.conftest import csrf_token_of, make_user


def test_signup_page_creates_account_and_logs_in(client):
    token = csrf_token_of(client, "/signup")
    r = client.post("/signup", data={"name": "鈴木 花子", "email": "hana@example.com",
                                     "password": "long-enough-pw", "csrf_token": token})
    assert r.status_code == 302
    assert client.get("/api/v1/auth/tokens").status_code == 200  # the cookie session works


def test_signup_form_errors_show_again_with_messages(client):
    token = csrf_token_of(client, "/signup")
    r = client.post("/signup", data={"name": "", "email": "not-an-email", "password": "x", "csrf_token": token})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="email-error"' in html and 'id="password-error"' in html and 'id="name-error"' in html
    assert 'value="not-an-email"' in html  # what the user typed is kept


def test_form_post_without_csrf_token_is_refused(client):
    r = client.post("/signup", data={"name": "A", "email": "a@example.com", "password": "long-enough-pw"})
    assert r.status_code == 400
    assert "CSRF" in r.get_data(as_text=True)


def test_login_wrong_password_shows_form_again(client, app):
    user = make_user()
    token = csrf_token_of(client, "/login")
    r = client.post("/login", data={"email": user.email, "password": "nope-nope", "csrf_token": token})
    assert r.status_code == 401
    assert "Email or password is not right." in r.get_data(as_text=True)


def test_login_redirects_only_to_same_site(client, app, auth):
    user = make_user()
    token = csrf_token_of(client, "/login")
    r = client.post("/login", data={"email": user.email, "password": user.plain_password,
                                    "csrf_token": token, "next": "//evil.example/x"})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_logout_ends_the_session(client, logged_in, auth):
    assert client.get("/api/v1/auth/tokens").status_code == 200
    auth.logout()
    assert client.get("/api/v1/auth/tokens").status_code == 401


def test_session_cookie_is_httponly_and_lax(client, app):
    user = make_user()
    token = csrf_token_of(client, "/login")
    r = client.post("/login", data={"email": user.email, "password": user.plain_password, "csrf_token": token})
    cookie = r.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" in cookie  # PUBLIC_BASE_URL is https in the test config


def test_login_is_rate_limited(client, app):
    user = make_user()
    token = csrf_token_of(client, "/login")
    statuses = [client.post("/login", data={"email": user.email, "password": "wrong-pass",
                                           "csrf_token": token}).status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_api_signup_is_rate_limited(client):
    statuses = [client.post("/api/v1/auth/signup", json={"email": f"u{i}@example.com", "password": "long-enough-pw",
                                                         "name": "U"}).status_code for i in range(11)]
    assert statuses[-1] == 429
    assert client.post("/api/v1/auth/signup", json={}).get_json()["error"]["code"] == "too_many_requests"


def test_settings_change_language_switches_the_interface(client, logged_in, auth):
    token = auth.csrf("/settings")
    r = client.post("/settings", data={"name": "山田 太郎", "locale": "ja", "timezone": "Asia/Tokyo", "csrf_token": token})
    assert r.status_code == 302
    html = client.get("/settings", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "設定" in html  # the user's setting wins over the browser's language


def test_accept_language_chooses_japanese_when_logged_out(client):
    html = client.get("/login", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ja">' in html and "ログイン" in html
    html = client.get("/login", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Log in" in html


def test_settings_refuses_unknown_time_zone(client, logged_in, auth):
    token = auth.csrf("/settings")
    r = client.post("/settings", data={"name": "A", "locale": "en", "timezone": "Mars/Olympus", "csrf_token": token})
    assert r.status_code == 422 and "Unknown time zone." in r.get_data(as_text=True)


def test_settings_revokes_a_token(client, logged_in, auth):
    from tests.conftest import bearer, make_token

    token = make_token(logged_in)
    tid = client.get("/api/v1/auth/tokens").get_json()["items"][0]["id"]
    r = client.post("/settings", data={"revoke": str(tid), "csrf_token": auth.csrf("/settings")})
    assert r.status_code == 200
    assert client.get("/api/v1/auth/tokens", headers=bearer(token)).status_code == 401


def test_revoking_a_token_id_out_of_range_is_not_found(client, logged_in, auth):
    r = client.post("/settings", data={"revoke": "9" * 20, "csrf_token": auth.csrf("/settings")})
    assert r.status_code == 404
    r = client.delete("/api/v1/auth/tokens/" + "9" * 20, headers={"X-CSRFToken": auth.csrf("/settings")})
    assert r.status_code == 404

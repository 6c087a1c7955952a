"""Log-in limits protect the room: per real client behind the proxy, per account across addresses,
one budget for log-in, sign-up and token creation, and the owner's own browser is never locked out."""
import pytest

from tests.conftest import build_app, csrf_token_of, make_user
from webapp.extensions import db


@pytest.fixture
def proxied_app(backend, tmp_path):
    """The app as deployed behind one proxy (nginx) that sets X-Forwarded-For."""
    app = build_app(backend, tmp_path, TRUSTED_PROXIES=1)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def login(client, email, password, address=None):
    headers = {"X-Forwarded-For": address} if address else {}
    token = csrf_token_of(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       headers=headers)


def token_request(client, email, password, address=None):
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": password}, headers=headers)


def test_clients_behind_the_proxy_each_have_their_own_budget(proxied_app):
    make_user(email="victim@example.com")
    client = proxied_app.test_client()
    guesses = [login(client, "victim@example.com", f"guess-{i}", "198.51.100.7").status_code for i in range(11)]
    assert guesses[:10] == [401] * 10 and guesses[10] == 429
    # someone else in the room, behind the same proxy, still gets to type their password
    other = make_user(email="other@example.com")
    assert login(proxied_app.test_client(), other.email, "typo-typo", "198.51.100.8").status_code == 401
    assert login(proxied_app.test_client(), other.email, other.plain_password, "198.51.100.8").status_code == 302


def test_a_forged_forwarded_for_buys_no_new_budget_without_a_trusted_proxy(client, app):
    user = make_user()
    statuses = [login(client, user.email, "wrong-pass", f"203.0.113.{i}").status_code for i in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429


def test_wrong_passwords_for_one_account_from_many_addresses_are_limited(proxied_app):
    user = make_user(email="target@example.com")
    statuses = [login(proxied_app.test_client(), "Target@Example.com", f"guess-{i}", f"192.0.2.{i}").status_code
                for i in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    # the lock is on the account, across log-in and token creation, not on the addresses
    fresh = proxied_app.test_client()
    r = token_request(fresh, user.email, user.plain_password, "192.0.2.200")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.get_json()["error"]["code"] == "too_many_requests"
    assert login(fresh, "someone-else@example.com", "guess", "192.0.2.200").status_code == 401


def test_a_locked_account_says_why_and_how_long(proxied_app):
    user = make_user()
    for i in range(10):
        token_request(proxied_app.test_client(), user.email, f"guess-{i}", f"192.0.2.{i}")
    r = login(proxied_app.test_client(), user.email, user.plain_password, "192.0.2.99")
    assert r.status_code == 429
    assert 0 < int(r.headers["Retry-After"]) <= 15 * 60
    html = r.get_data(as_text=True)
    assert "Too many wrong passwords for this account" in html and "minutes" in html


def test_the_owners_own_browser_still_logs_in_while_the_account_is_attacked(proxied_app):
    user = make_user()
    mine = proxied_app.test_client()
    assert login(mine, user.email, user.plain_password, "198.51.100.1").status_code == 302
    mine.post("/logout", data={"csrf_token": csrf_token_of(mine, "/logout")})
    for i in range(12):
        login(proxied_app.test_client(), user.email, f"guess-{i}", f"192.0.2.{i}")
    assert login(proxied_app.test_client(), user.email, user.plain_password, "192.0.2.50").status_code == 429
    # my phone remembers it logged in here before, from whatever network it is on now
    assert login(mine, user.email, user.plain_password, "203.0.113.9").status_code == 302


def test_a_remembered_browser_of_one_account_is_not_a_pass_for_another(proxied_app):
    mine, victim = make_user(), make_user()
    attacker = proxied_app.test_client()
    assert login(attacker, mine.email, mine.plain_password, "198.51.100.1").status_code == 302
    attacker.post("/logout", data={"csrf_token": csrf_token_of(attacker, "/logout")})
    for i in range(10):
        login(proxied_app.test_client(), victim.email, f"guess-{i}", f"192.0.2.{i}")
    assert login(attacker, victim.email, "another-guess", "198.51.100.2").status_code == 429


def test_log_in_sign_up_and_token_creation_share_one_budget_per_address(client, app):
    user = make_user()
    for i in range(4):
        assert login(client, user.email, f"guess-{i}").status_code == 401
    for i in range(3):
        assert token_request(client, user.email, f"guess-{i}").status_code == 401
    for i in range(3):
        r = client.post("/api/v1/auth/signup", json={"email": f"new{i}@example.com", "password": "long-enough-pw",
                                                     "name": "N"})
        assert r.status_code == 201
    token = csrf_token_of(client, "/signup")
    r = client.post("/signup", data={"email": "one-more@example.com", "password": "long-enough-pw", "name": "M",
                                     "csrf_token": token})
    assert r.status_code == 429


def test_a_room_behind_one_address_can_all_log_in(client, app):
    users = [make_user() for _ in range(25)]
    statuses = []
    for user in users:
        fresh = app.test_client()
        statuses.append(login(fresh, user.email, user.plain_password).status_code)
    assert statuses == [302] * 25

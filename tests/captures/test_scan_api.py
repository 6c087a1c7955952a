"""POST /api/v1/scan fills the capture form from what a QR code holds."""
from tests.conftest import bearer, make_token, make_user
from webapp.contacts.models import Contact
from webapp.extensions import db
from webapp.profiles import services as profiles


def test_scanning_a_card_of_this_server_fills_in_the_public_card(client, app):
    owner = make_user(name="田中 一郎")
    profiles.update_profile(owner, {"name": "田中 一郎", "keyword": "AIと教育を掛け合わせる仕事をしています",
                                    "company": "いちご", "public_email": "ichiro@example.jp"})
    slug = profiles.get_profile_for(owner).slug
    token = make_token(make_user())
    r = client.post("/api/v1/scan", json={"payload": f"https://ichigo.test/c/{slug}"}, headers=bearer(token))
    assert r.status_code == 200
    body = r.get_json()
    assert body["kind"] == "ichigo_card"
    assert body["capture"]["name"] == "田中 一郎" and body["capture"]["email"] == "ichiro@example.jp"
    assert body["card"]["keyword"] == "AIと教育を掛け合わせる仕事をしています"
    assert owner.email not in r.get_data(as_text=True)  # the login email is never shown


def test_scan_stores_nothing(client, app):
    token = make_token(make_user())
    client.post("/api/v1/scan", json={"payload": "https://example.org/me"}, headers=bearer(token))
    assert db.session.scalar(db.select(db.func.count()).select_from(Contact)) == 0


def test_unreadable_code_is_422_with_a_reason(client, app):
    token = make_token(make_user())
    r = client.post("/api/v1/scan", json={"payload": "z" * 3000}, headers=bearer(token))
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"]["payload"]


def test_unknown_card_of_this_server_is_a_clear_4xx(client, app):
    token = make_token(make_user())
    r = client.post("/api/v1/scan", json={"payload": "https://ichigo.test/c/zzzzzzzzzzzzzz"}, headers=bearer(token))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "card_not_found"

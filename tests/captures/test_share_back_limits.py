"""The share-back form stays open for a whole room (through the proxy, or behind one venue address)
while bots are stopped: honeypot, a per-address limit, and a form sent faster than a person types."""
import time

import pytest
import time_machine

from tests.captures.helpers import form_stamp, share_back
from tests.conftest import build_app, make_user
from webapp.contacts.models import Contact
from webapp.extensions import db
from webapp.profiles import services as profiles


@pytest.fixture
def proxied_app(backend, tmp_path):
    app = build_app(backend, tmp_path, TRUSTED_PROXIES=1)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def make_card(name="田中 一郎"):
    user = make_user(name=name)
    profiles.update_profile(user, {"name": name, "keyword": "地方の中小企業にAIを届ける"})
    return user, profiles.get_profile_for(user).slug


def contacts_of(owner) -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(Contact).where(Contact.owner_id == owner.id))


def test_a_room_of_300_shares_back_through_the_proxy_within_ten_minutes(proxied_app):
    owner, slug = make_card()
    client = proxied_app.test_client()
    start = time.time()
    statuses = []
    with time_machine.travel(start, tick=False) as traveller:
        for i in range(300):
            traveller.move_to(start + i * 2)  # 300 people within ten minutes
            address = {"X-Forwarded-For": f"10.1.{i // 200}.{i % 200 + 1}"}
            statuses.append(share_back(client, slug, {"name": f"参加者 {i}", "email": f"p{i}@example.com"},
                                       headers=address).status_code)
    assert statuses == [200] * 300
    assert contacts_of(owner) == 300


def test_a_room_behind_one_venue_address_shares_back_within_ten_minutes(client, app):
    """The venue's Wi-Fi shows the whole room to us as one address."""
    owner, slug = make_card()
    start = time.time()
    statuses = []
    with time_machine.travel(start, tick=False) as traveller:
        for i in range(300):
            traveller.move_to(start + i * 2)
            statuses.append(share_back(client, slug, {"name": f"参加者 {i}", "email": f"p{i}@example.com"}).status_code)
    assert statuses == [200] * 300
    assert contacts_of(owner) == 300


def test_bots_refused_by_the_honeypot_do_not_close_the_card_for_the_room(proxied_app):
    proxied_app.config["SHARE_BACK_LIMIT_PER_CARD"] = "5 per hour"
    owner, slug = make_card()
    client = proxied_app.test_client()
    for i in range(10):
        r = share_back(client, slug, {"name": "Bot", "email": f"bot{i}@example.com", "leave_empty": "http://spam"},
                       headers={"X-Forwarded-For": f"192.0.2.{i}"})
        assert r.status_code == 422
    r = share_back(client, slug, {"name": "鈴木 花子", "email": "hana@example.com"},
                   headers={"X-Forwarded-For": "198.51.100.1"})
    assert r.status_code == 200
    assert contacts_of(owner) == 1


def test_the_card_limit_still_stops_a_flood_of_accepted_share_backs(proxied_app):
    proxied_app.config["SHARE_BACK_LIMIT_PER_CARD"] = "5 per hour"
    owner, slug = make_card()
    client = proxied_app.test_client()
    statuses = [share_back(client, slug, {"name": f"P{i}", "email": f"p{i}@example.com"},
                           headers={"X-Forwarded-For": f"192.0.2.{i}"}).status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]
    assert contacts_of(owner) == 5


def test_a_form_sent_faster_than_a_person_types_is_refused_and_keeps_what_was_typed(client, app):
    owner, slug = make_card()
    stamp = form_stamp(client.get(f"/c/{slug}").get_data(as_text=True))
    typed = {"name": "Quick Bot", "email": "quick@example.com", "message": "見てね http://spam.example"}
    r = client.post(f"/c/{slug}/connect", data={**typed, "stamp": stamp or ""})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "faster than" in html
    assert 'value="Quick Bot"' in html and 'value="quick@example.com"' in html and "spam.example</textarea>" in html
    assert contacts_of(owner) == 0
    # a person who really was that quick just presses Send again a moment later
    again = form_stamp(html)
    with time_machine.travel(time.time() + 5):
        r = client.post(f"/c/{slug}/connect", data={**typed, "stamp": again})
    assert r.status_code == 200 and contacts_of(owner) == 1


@pytest.mark.parametrize("stamp", [None, "", "garbage", "other-card", "tampered"])
def test_a_form_without_a_valid_stamp_is_refused_and_can_be_sent_again(client, app, stamp):
    owner, slug = make_card()
    _other, other_slug = make_card("佐藤 二郎")
    with time_machine.travel(time.time() - 60):  # the pages were opened a minute ago
        real = form_stamp(client.get(f"/c/{slug}").get_data(as_text=True))
        elsewhere = form_stamp(client.get(f"/c/{other_slug}").get_data(as_text=True))
    assert real and elsewhere
    value = {"other-card": elsewhere, "tampered": (real[:-2] + ("AA" if real[-2:] != "AA" else "BB"))}.get(stamp, stamp)
    typed = {"name": "鈴木 花子", "email": "hana@example.com", "message": "またお話ししましょう"}
    r = client.post(f"/c/{slug}/connect", data=typed if value is None else {**typed, "stamp": value})
    assert r.status_code == 422 and contacts_of(owner) == 0
    html = r.get_data(as_text=True)
    assert 'value="鈴木 花子"' in html and "またお話ししましょう</textarea>" in html  # nothing lost
    with time_machine.travel(time.time() + 5):
        r = client.post(f"/c/{slug}/connect", data={**typed, "stamp": form_stamp(html)})
    assert r.status_code == 200 and contacts_of(owner) == 1


def test_a_card_page_kept_on_the_phone_for_days_still_takes_a_share_back(client, app):
    owner, slug = make_card()
    with time_machine.travel(time.time() - 3 * 24 * 3600):
        stamp = form_stamp(client.get(f"/c/{slug}").get_data(as_text=True))
    r = client.post(f"/c/{slug}/connect", data={"name": "A", "email": "a@example.com", "stamp": stamp})
    assert r.status_code == 200 and contacts_of(owner) == 1


def test_a_page_older_than_a_week_asks_to_send_again_and_loses_nothing(client, app):
    owner, slug = make_card()
    with time_machine.travel(time.time() - 30 * 24 * 3600):
        stamp = form_stamp(client.get(f"/c/{slug}").get_data(as_text=True))
    r = client.post(f"/c/{slug}/connect", data={"name": "A", "email": "a@example.com", "stamp": stamp})
    assert r.status_code == 422 and 'value="a@example.com"' in r.get_data(as_text=True)
    with time_machine.travel(time.time() + 5):
        r = client.post(f"/c/{slug}/connect", data={"name": "A", "email": "a@example.com",
                                                    "stamp": form_stamp(r.get_data(as_text=True))})
    assert r.status_code == 200 and contacts_of(owner) == 1


def test_every_view_of_the_server_cached_card_page_carries_its_own_stamp(client, app):
    owner, slug = make_card()
    start = time.time()
    with time_machine.travel(start - 120):
        first = form_stamp(client.get(f"/c/{slug}").get_data(as_text=True))
    second = form_stamp(client.get(f"/c/{slug}").get_data(as_text=True))
    assert first and second and first != second
    # the page served now from the cache was rendered two minutes ago, but its form was not
    r = client.post(f"/c/{slug}/connect", data={"name": "A", "email": "a@example.com", "stamp": second})
    assert r.status_code == 422 and contacts_of(owner) == 0

"""The private calendar feed: a secret, revocable URL; it parses with icalendar and holds no private text."""
from datetime import date

from icalendar import Calendar

from tests.conftest import bearer
from tests.relationships.helpers import days, meet


def new_feed(client, user) -> str:
    response = client.post("/api/v1/reminders/feed", headers=bearer(user.token))
    assert response.status_code == 201
    url = response.get_json()["url"]
    assert url.startswith("https://ichigo.test/feeds/") and url.endswith(".ics")
    return url.removeprefix("https://ichigo.test")


def test_feed_lists_due_touches_and_promise_dates_without_private_text(client, owner, clock):
    meet(owner, tier="grow", email="hanako@example.com", conversation="秘密の話", needs="内緒の悩み",
         memorable="青いスカーフ", promise="転職の件を紹介する", promise_due=date(2025, 6, 20))
    meet(owner, "鈴木 太郎", tier="let_go", promise="本を貸す")  # undated: no calendar date
    clock.shift(days(2))
    path = new_feed(client, owner)
    response = client.get(path)  # no login: the secret is the key
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "no-store" in response.headers["Cache-Control"]
    cal = Calendar.from_ical(response.data)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    # the next 90 days: the promise's date, the light touch (day 30) and the email (day 90), not the meeting
    assert {s: e.decoded("dtstart") for s, e in events.items()} == {
        "佐藤 花子: A promise is due": date(2025, 6, 20),
        "佐藤 花子: Time for a light touch": date(2025, 7, 1),
        "佐藤 花子: Time for an email or article": date(2025, 8, 30),
    }
    text = response.get_data(as_text=True)
    for private in ("秘密の話", "内緒の悩み", "青いスカーフ", "転職の件を紹介する", "本を貸す", "grow", "Grow",
                    "hanako@example.com"):
        assert private not in text
    assert len({str(e["uid"]) for e in cal.walk("VEVENT")}) == len(events)


def test_feed_is_revocable_and_a_new_link_retires_the_old(client, owner, clock):
    old = new_feed(client, owner)
    new = new_feed(client, owner)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.get("/api/v1/reminders/settings", headers=bearer(owner.token)).get_json()["has_feed"] is True
    assert client.delete("/api/v1/reminders/feed", headers=bearer(owner.token)).status_code == 204
    assert client.get(new).status_code == 404
    assert client.get("/feeds/guess.ics").status_code == 404
    assert client.get("/feeds/" + "x" * 300 + ".ics").status_code == 404

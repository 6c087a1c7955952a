"""Keep-in-touch pages: what is due (and on the home screen), triage, review, promises, matches,
rhythms and settings; one-tap forms; another user's contact is a 404; bad input a 4xx, never a 500."""
import re
from datetime import date

import pytest

from tests.conftest import csrf_token_of
from tests.relationships.helpers import days, fresh, items, meet
from webapp.contacts.models import Contact
from webapp.extensions import db
from webapp.relationships import services
from webapp.relationships import settings as reminder_settings


def login(client, user):
    token = csrf_token_of(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": user.plain_password,
                                           "csrf_token": token})
    assert response.status_code == 302
    return user


@pytest.fixture
def logged(client, owner):
    return login(client, owner)


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token_of(client, "/reminders"), **data})


def test_due_page_and_home_show_what_is_due_with_one_action(client, logged, clock):
    hanako = meet(logged, tier="grow", email="hanako@example.com", conversation="教育AI", needs="採用")
    clock.shift(days(91))
    login(client, logged)  # a session does not last three months
    page = client.get("/reminders").get_data(as_text=True)
    assert "佐藤 花子" in page and "教育AI" in page and "採用" in page
    assert f'action="/contacts/{hanako}/checkin"' in page  # the email rhythm offers a draft
    assert 'name="kind" value="like"' in page  # the light touch: one tap
    assert 'action="/reminders/snooze"' in page
    home = client.get("/").get_data(as_text=True)
    assert 'id="keep-heading"' in home and f'action="/contacts/{hanako}/checkin"' in home


def test_one_tap_touch_from_the_due_list(client, logged, clock):
    hanako = meet(logged, tier="grow")
    clock.shift(days(31))
    response = post(client, f"/contacts/{hanako}/touch", kind="like", next="/reminders?kind=touch")
    assert response.status_code == 302 and response.headers["Location"] == "/reminders?kind=touch"
    assert items(logged) == []


def test_triage_sorts_in_one_tap(client, logged, clock):
    hanako = meet(logged, conversation="教育AIの話")
    page = client.get("/reminders/triage").get_data(as_text=True)
    assert "教育AIの話" in page
    response = post(client, f"/contacts/{hanako}/tier", tier="grow", next="/reminders/triage")
    assert response.status_code == 302
    fresh()
    assert db.session.get(Contact, hanako).tier == "grow"
    assert "Everyone is sorted." in client.get("/reminders/triage").get_data(as_text=True)


def test_review_page_warns_above_the_cap(client, logged, clock):
    reminder_settings.update_settings(logged, {"grow_cap": 1})
    meet(logged, "A", tier="grow")
    assert 'role="alert"' not in client.get("/reminders/review").get_data(as_text=True)
    meet(logged, "B", tier="grow")
    assert 'role="alert"' in client.get("/reminders/review?tier=grow").get_data(as_text=True)
    assert client.get("/reminders/review?tier=vip").status_code == 404


def test_promise_done_page(client, logged, clock):
    meet(logged, promise="記事を送る")
    page = client.get("/promises").get_data(as_text=True)
    promise_id = re.search(r'action="/promises/(\d+)/done"', page).group(1)
    assert post(client, f"/promises/{promise_id}/done", log_kind="email").status_code == 302
    assert "記事を送る" in client.get("/promises?status=done").get_data(as_text=True)
    assert post(client, f"/promises/{promise_id}/done", log_kind="fax").status_code == 422


def test_cadence_page_saves_and_explains_errors(client, logged):
    assert client.get("/reminders/cadence").status_code == 200
    response = post(client, "/reminders/cadence", tier="grow", touch_every="14", email_every="60",
                    meet_every="120", meet_within="90")
    assert response.status_code == 422
    assert "meet_within-error" in response.get_data(as_text=True)
    response = post(client, "/reminders/cadence", tier="grow", touch_every="often")
    assert response.status_code == 422 and "touch_every-error" in response.get_data(as_text=True)
    assert post(client, "/reminders/cadence", tier="grow", touch_every="14").status_code == 302
    fresh()
    assert [r["every_days"] for r in services.list_policies(logged)[1]["rhythms"]] == [14]
    assert post(client, "/reminders/cadence", tier="grow", reset="1").status_code == 302
    fresh()
    assert services.list_policies(logged)[1]["is_default"]


def test_settings_page_digest_cap_and_feed(client, logged):
    assert post(client, "/reminders/settings", grow_cap="0", digest="daily").status_code == 422
    assert post(client, "/reminders/settings", grow_cap="12", digest="hourly").status_code == 422
    assert post(client, "/reminders/settings", grow_cap="12", digest="weekly").status_code == 302
    fresh()
    settings = reminder_settings.get_settings(logged)
    assert (settings.grow_cap, settings.digest) == (12, "weekly")
    page = post(client, "/reminders/settings", action="new_feed").get_data(as_text=True)
    url = re.search(r"<code>(https://ichigo\.test/feeds/[^<]+\.ics)</code>", page).group(1)
    assert client.get(url.removeprefix("https://ichigo.test")).status_code == 200


def test_matches_page(client, logged):
    assert "Write what you can offer" in client.get("/reminders/matches").get_data(as_text=True)


def test_contact_page_has_one_tap_touches_and_promises(client, logged, clock):
    hanako = meet(logged, email="hanako@example.com")
    page = client.get(f"/contacts/{hanako}").get_data(as_text=True)
    assert f'action="/contacts/{hanako}/touch"' in page and f'action="/contacts/{hanako}/promises"' in page
    assert post(client, f"/contacts/{hanako}/promises", text="記事を送る", due_on="2025-06-10").status_code == 302
    assert post(client, f"/contacts/{hanako}/promises", text="", due_on="").status_code == 422
    assert post(client, f"/contacts/{hanako}/promises", text="x", due_on="soon").status_code == 422
    response = post(client, f"/contacts/{hanako}/checkin")
    assert response.status_code == 302 and response.headers["Location"].startswith("/followups/")


@pytest.mark.parametrize("path,data", [
    ("/contacts/{c}/touch", {"kind": "call"}), ("/contacts/{c}/tier", {"tier": "grow"}),
    ("/contacts/{c}/checkin", {}), ("/contacts/{c}/promises", {"text": "x"}),
    ("/reminders/snooze", {"contact_id": "{c}", "kind": "review", "days": "7"}),
])
def test_another_users_contact_is_404(client, logged, stranger, path, data):
    theirs = meet(stranger, email="x@example.com")
    data = {k: v.format(c=theirs) for k, v in data.items()}
    assert post(client, path.format(c=theirs), **data).status_code == 404


@pytest.mark.parametrize("path,data", [
    ("/contacts/{c}/touch", {"kind": "fax"}), ("/contacts/{c}/tier", {"tier": "vip"}),
    ("/reminders/snooze", {"contact_id": "x", "kind": "review"}),
    ("/reminders/snooze", {"contact_id": "{c}", "kind": "review", "days": "999"}),
    ("/reminders/snooze", {"contact_id": "{c}", "kind": "touch", "days": "7"}),
    ("/reminders/snooze", {"contact_id": "{c}", "kind": "nap", "days": "7"}),
])
def test_bad_forms_are_422(client, logged, path, data):
    mine = meet(logged)
    data = {k: v.format(c=mine) for k, v in data.items()}
    assert post(client, path.format(c=mine), **data).status_code == 422


def test_a_bad_next_stays_on_the_site(client, logged):
    mine = meet(logged)
    response = post(client, f"/contacts/{mine}/touch", kind="call", next="https://evil.example/")
    assert response.headers["Location"] == "/"


def test_every_kind_of_reminder_renders(client, owner, clock):
    meet(owner, "Unsorted")
    meet(owner, "Reviewed", tier="maintain", promise="本を貸す")
    meet(owner, "Dated", tier="grow", promise="記事を送る", promise_due=date(2025, 6, 3))
    clock.shift(days(400))
    login(client, owner)
    page = client.get("/reminders").get_data(as_text=True)
    assert {item.kind for item in items(owner)} == {"sort", "review", "touch", "promise"}
    for text in ("Unsorted", "Reviewed", "本を貸す", "記事を送る", "no date", "overdue", "Keep in Maintain"):
        assert text in page, text
    for kind in ("touch", "promise", "review", "sort"):
        assert client.get(f"/reminders?kind={kind}").status_code == 200
    assert client.get("/reminders?kind=x&cursor=junk").status_code == 200  # ignored, first page

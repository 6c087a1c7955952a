"""English counts agree with their nouns: "1 draft", "2 drafts" (Japanese has one form)."""
from html import unescape

import pytest

from tests.followups.test_views import event_with_people, me  # noqa: F401  (fixture)


def drafts(client, user, count: int) -> None:
    """``count`` drafts: one per event (of the two people met there, one has an email address)."""
    made = []
    for _ in range(count):
        event_id = event_with_people(client, user)
        made += client.post(f"/api/v1/events/{event_id}/followups", headers=user.headers).get_json()["ids"]
    assert len(made) == count


def english(client, path) -> str:
    return unescape(client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True))


@pytest.mark.parametrize(("count", "home"), [(1, "1 follow-up draft to review"), (2, "2 follow-up drafts to review")])
def test_draft_counts_agree_in_english(client, me, count, home):  # noqa: F811
    drafts(client, me, count)
    assert home in english(client, "/")


def test_one_draft_is_a_draft_not_drafts(client, me):  # noqa: F811
    drafts(client, me, 1)
    followup_id = client.get("/api/v1/followups", headers=me.headers).get_json()["items"][0]["id"]
    page = english(client, f"/followups/{followup_id}")
    assert '<span class="status-badge">Draft</span>' in page

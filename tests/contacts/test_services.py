"""Contact rules without HTTP: search, filters, keyset pages, edits, deletion and merging."""
from datetime import date

import pytest

from tests.contacts.helpers import T0, capture, make_event
from webapp.contacts import services
from webapp.contacts.models import Contact, Encounter, Promise
from webapp.errors import Conflict, NotFound, ValidationFailed
from webapp.extensions import db


def names(page):
    return [row.name for row in page.items]


def count(model, **where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**where))


@pytest.mark.parametrize("query", ["ヤマダ", "やまだ", "ﾔﾏﾀﾞ", "太郎", "山田"])
def test_search_is_kana_width_and_case_insensitive(owner, query):
    capture(owner, "やまだ 太郎", name_reading="山田")
    capture(owner, "鈴木 一郎")
    assert names(services.list_contacts(owner, query)) == ["やまだ 太郎"]


def test_search_finds_hiragana_name_typed_in_half_width_katakana(owner):
    capture(owner, "ｶﾀｶﾅ ｼﾞﾛｳ")
    capture(owner, "やまだ 太郎")
    assert names(services.list_contacts(owner, "かたかな")) == ["ｶﾀｶﾅ ｼﾞﾛｳ"]
    assert names(services.list_contacts(owner, "カタカナ")) == ["ｶﾀｶﾅ ｼﾞﾛｳ"]


def test_search_finds_by_company_ignoring_case(owner):
    capture(owner, "Jane", company="ACME Robotics")
    capture(owner, "John", company="Globex")
    assert names(services.list_contacts(owner, "acme")) == ["Jane"]
    assert names(services.list_contacts(owner, "ＲＯＢＯ")) == ["Jane"]


def test_search_treats_percent_and_underscore_as_text(owner):
    capture(owner, "Plain")
    capture(owner, "Fifty", company="50%Off")
    assert names(services.list_contacts(owner, "%")) == ["Fifty"]
    assert names(services.list_contacts(owner, "0%o")) == ["Fifty"]


def test_blank_query_lists_everyone(owner):
    capture(owner, "A")
    capture(owner, "B", minutes=1)
    assert names(services.list_contacts(owner, "　 ")) == ["B", "A"]


def test_list_never_shows_another_users_contacts(owner, stranger):
    capture(stranger, "Their contact")
    assert names(services.list_contacts(owner)) == []


def test_filter_by_event_keeps_people_met_there_at_any_meeting(owner):
    first, second = make_event(owner, "First"), make_event(owner, "Second")
    capture(owner, "Both", email="both@example.com", event_id=first)
    capture(owner, "Both", email="both@example.com", event_id=second, minutes=5)
    capture(owner, "Only first", event_id=first)
    capture(owner, "Nowhere", event_id=None)
    assert names(services.list_contacts(owner, event_id=second)) == ["Both"]
    assert sorted(names(services.list_contacts(owner, event_id=first))) == ["Both", "Only first"]


def test_filter_by_another_users_event_is_refused(owner, stranger):
    theirs = make_event(stranger)
    with pytest.raises(ValidationFailed) as info:
        services.list_contacts(owner, event_id=theirs)
    assert "event_id" in info.value.fields


def test_filter_by_tier(owner):
    grow = capture(owner, "Grow me")
    capture(owner, "Unsorted")
    services.update_contact(owner, grow, {"tier": "grow"})
    assert names(services.list_contacts(owner, tier="grow")) == ["Grow me"]
    assert names(services.list_contacts(owner, tier="let_go")) == []
    with pytest.raises(ValidationFailed):
        services.list_contacts(owner, tier="gold")


def test_pages_return_every_contact_exactly_once_in_order(owner):
    # three people met at the very same moment: the id breaks the tie
    ids = [capture(owner, f"P{i}", minutes=i if i < 4 else 4) for i in range(8)]
    seen, cursor = [], None
    while True:
        page = services.list_contacts(owner, cursor=cursor, limit=3)
        seen += [row.id for row in page.items]
        if page.next_cursor is None:
            break
        cursor = services.decode_cursor(page.next_cursor)
    assert seen == sorted(ids, key=lambda i: (min(ids.index(i), 4), i), reverse=True)
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


def test_last_page_has_no_next(owner):
    capture(owner, "Only")
    assert services.list_contacts(owner, limit=1).next_cursor is None


@pytest.mark.parametrize("junk", ["", "nope", "!!!", "MjAyNXwx", "x" * 500])
def test_junk_cursor_decodes_to_none(junk):
    assert services.decode_cursor(junk) is None


def test_list_shows_what_was_said_at_the_latest_meeting(owner):
    capture(owner, "Sato", email="s@example.com", conversation="教育AIの話")
    capture(owner, "Sato", email="s@example.com", conversation="採点ツールの続き", minutes=30)
    capture(owner, "Sato", email="s@example.com", minutes=60)  # a meeting without notes
    assert [row.last_conversation for row in services.list_contacts(owner).items] == ["採点ツールの続き"]


def test_update_changes_fields_and_search_keys(owner):
    contact_id = capture(owner, "Old Name")
    services.update_contact(owner, contact_id, {"name": "ヤマダ", "company": "Initech", "email": None})
    assert names(services.list_contacts(owner, "やまだ")) == ["ヤマダ"]
    assert names(services.list_contacts(owner, "initech")) == ["ヤマダ"]
    assert db.session.get(Contact, contact_id).email == ""


def test_changing_tier_records_the_review_and_keeping_it_does_not(owner):
    contact_id = capture(owner)
    services.update_contact(owner, contact_id, {"name": "Renamed", "tier": "unsorted"}, now=T0)
    assert db.session.get(Contact, contact_id).tier_reviewed_at is None
    services.update_contact(owner, contact_id, {"tier": "maintain"}, now=T0)
    contact = db.session.get(Contact, contact_id)
    assert contact.tier == "maintain" and contact.tier_reviewed_at == T0


def test_email_of_another_contact_is_a_conflict_that_names_it(owner):
    first = capture(owner, "First", email="same@example.com")
    second = capture(owner, "Second")
    with pytest.raises(services.ContactClash) as info:
        services.update_contact(owner, second, {"email": "same@example.com"})
    assert info.value.status == 409 and info.value.other_id == first and "merge" in info.value.message
    assert db.session.get(Contact, second).email == ""


def test_card_link_of_another_contact_is_a_conflict(owner):
    capture(owner, "First", card_url="https://cards.example/c/abc")
    second = capture(owner, "Second")
    with pytest.raises(Conflict):
        services.update_contact(owner, second, {"card_url": "https://CARDS.example/c/abc/"})


def test_another_users_contact_is_not_found(owner, stranger):
    theirs = capture(stranger, "Theirs")
    with pytest.raises(NotFound):
        services.get_contact_for(owner, theirs)
    with pytest.raises(NotFound):
        services.update_contact(owner, theirs, {"name": "Mine now"})
    with pytest.raises(NotFound):
        services.delete_contact(owner, theirs)
    with pytest.raises(NotFound):
        services.get_contact_for(owner, 2**40)
    assert db.session.get(Contact, theirs).name == "Theirs"


def test_delete_removes_meetings_and_promises(owner):
    contact_id = capture(owner, promise="記事を送る")
    services.delete_contact(owner, contact_id)
    assert count(Contact) == count(Encounter) == count(Promise) == 0


def test_merge_moves_meetings_promises_and_notes_and_leaves_nothing_behind(owner):
    event = make_event(owner, "Meetup")
    keep = capture(owner, "山田 太郎", conversation="first talk", promise="send slides")
    other = capture(owner, "ヤマダ タロウ", email="taro@example.com", company="Acme", event_id=event,
                    conversation="second talk", promise="intro to Sato", promise_due=date(2025, 7, 1),
                    minutes=90)
    flagged = capture(owner, "やまだ たろう", minutes=100)
    assert db.session.get(Contact, flagged).possible_duplicate_of_id in (keep, other)
    services.update_contact(owner, keep, {"notes": "likes tea"})
    services.update_contact(owner, other, {"notes": "has a dog", "tier": "grow"})

    merged = services.merge_contacts(owner, keep, other)

    db.session.expire_all()
    assert merged.id == keep and db.session.get(Contact, other) is None
    contact = db.session.get(Contact, keep)
    assert [e.conversation for e in contact.encounters] == ["first talk", "second talk"]
    assert {p.text for p in contact.promises} == {"send slides", "intro to Sato"}
    assert "likes tea" in contact.notes and "has a dog" in contact.notes and "ヤマダ タロウ" in contact.notes
    assert (contact.email, contact.company, contact.tier) == ("taro@example.com", "Acme", "grow")
    assert contact.last_met_at == db.session.get(Encounter, contact.encounters[-1].id).met_at
    assert count(Encounter, contact_id=other) == count(Promise, contact_id=other) == 0
    assert count(Contact, possible_duplicate_of_id=other) == 0
    assert names(services.list_contacts(owner, event_id=event)) == ["山田 太郎"]


def test_merge_keeps_values_that_differ_in_the_notes(owner):
    keep = capture(owner, "Jane", email="jane@work.example", company="Globex")
    other = capture(owner, "Jane", email="jane@home.example", company="Globex", title="CTO")
    services.merge_contacts(owner, keep, other)
    contact = db.session.get(Contact, keep)
    assert contact.email == "jane@work.example" and contact.title == "CTO"
    assert "jane@home.example" in contact.notes and "Globex" not in contact.notes


def test_merging_a_contact_into_itself_is_refused(owner):
    contact_id = capture(owner)
    with pytest.raises(ValidationFailed):
        services.merge_contacts(owner, contact_id, contact_id)
    assert count(Contact) == 1


def test_merge_with_another_users_contact_is_not_found_and_changes_nothing(owner, stranger):
    mine, theirs = capture(owner, "Mine"), capture(stranger, "Theirs")
    for keep, other in [(mine, theirs), (theirs, mine)]:
        with pytest.raises(NotFound):
            services.merge_contacts(owner, keep, other)
    assert count(Contact) == 2 and count(Encounter) == 2


def test_event_choices_are_only_the_owners(owner, stranger):
    make_event(stranger, "Theirs")
    mine = make_event(owner, "Mine")
    assert [e.id for e in services.list_event_choices(owner)] == [mine]

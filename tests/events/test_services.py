"""Event rules at the service layer: ownership, one active event, times, pages, people met."""
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import make_user
from webapp.auth.models import User
from webapp.captures.schemas import CaptureIn
from webapp.captures.services import capture_contact
from webapp.contacts.models import Contact, Encounter
from webapp.errors import NotFound, ValidationFailed
from webapp.events import services
from webapp.events.models import Event
from webapp.extensions import db

JST = timezone(timedelta(hours=9))
START = datetime(2026, 5, 1, 18, 0, tzinfo=JST)


def meet(owner, event, name="佐藤 花子", **fields):
    raw = {"client_id": str(uuid.uuid4()), "name": name, "event_id": event.id if event else None, **fields}
    return capture_contact(owner, CaptureIn().load(raw), raw=raw)


def active_ids(owner):
    return list(db.session.scalars(
        db.select(Event.id).where(Event.owner_id == owner.id, Event.is_active.is_(True))))


def test_created_event_keeps_its_fields_and_stores_times_in_utc(owner):
    event = services.create_event(owner, {"name": "PyCon JP", "starts_at": START, "place": "東京",
                                          "community": "PyCon", "why_here": "教育の話を聞きに", "goal": "3人と話す"})
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert stored.starts_at == datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
    assert stored.starts_at.utcoffset() == timedelta(0)
    assert (stored.name, stored.place, stored.goal) == ("PyCon JP", "東京", "3人と話す")
    assert stored.is_active is False and stored.owner_id == owner.id


def test_event_code_is_short_and_differs_between_events(owner):
    a = services.create_event(owner, {"name": "A"})
    b = services.create_event(owner, {"name": "B"})
    assert 6 <= len(a.code) <= 16 and a.code.isalnum()
    assert a.code != b.code


def test_end_before_start_is_refused_on_ends_at(owner):
    with pytest.raises(ValidationFailed) as caught:
        services.create_event(owner, {"name": "A", "starts_at": START, "ends_at": START - timedelta(minutes=1)})
    assert list(caught.value.fields) == ["ends_at"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_patching_only_the_end_is_checked_against_the_stored_start(owner):
    event = services.create_event(owner, {"name": "A", "starts_at": START})
    with pytest.raises(ValidationFailed) as caught:
        services.update_event(owner, event.id, {"ends_at": START - timedelta(hours=1), "name": "B"})
    assert "ends_at" in caught.value.fields
    db.session.expire_all()
    assert db.session.get(Event, event.id).name == "A"  # nothing of the failed change was kept


def test_end_equal_to_start_is_allowed(owner):
    event = services.create_event(owner, {"name": "A", "starts_at": START, "ends_at": START})
    assert event.ends_at == event.starts_at


def test_activating_b_deactivates_a(owner):
    a = services.create_event(owner, {"name": "A", "is_active": True})
    b = services.create_event(owner, {"name": "B"})
    assert active_ids(owner) == [a.id]
    services.activate_event(owner, b.id)
    assert active_ids(owner) == [b.id]
    assert services.find_active_event(owner).id == b.id


def test_creating_an_active_event_deactivates_the_previous_one(owner):
    a = services.create_event(owner, {"name": "A", "is_active": True})
    b = services.create_event(owner, {"name": "B", "is_active": True})
    assert active_ids(owner) == [b.id]
    db.session.expire_all()
    assert db.session.get(Event, a.id).is_active is False


def test_updating_is_active_moves_the_active_event(owner):
    a = services.create_event(owner, {"name": "A", "is_active": True})
    b = services.create_event(owner, {"name": "B"})
    services.update_event(owner, b.id, {"is_active": True})
    assert active_ids(owner) == [b.id]
    services.update_event(owner, a.id, {"name": "A2"})  # no is_active: B stays active
    assert active_ids(owner) == [b.id]


def test_activating_the_active_event_again_keeps_it_active(owner):
    a = services.create_event(owner, {"name": "A", "is_active": True})
    services.activate_event(owner, a.id)
    assert active_ids(owner) == [a.id]


def test_concurrent_activations_leave_exactly_one_active_event(app, owner):
    event_ids = [services.create_event(owner, {"name": f"e{i}"}).id for i in range(4)]
    user_id, errors = owner.id, []
    barrier = threading.Barrier(len(event_ids))

    def activate(event_id):
        try:
            with app.app_context():
                user = db.session.get(User, user_id)
                barrier.wait()
                services.activate_event(user, event_id)
                db.session.remove()
        except Exception as exc:  # reported below; an exception in a thread would only warn
            errors.append(exc)

    threads = [threading.Thread(target=activate, args=(event_id,)) for event_id in event_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    db.session.rollback()
    assert len(active_ids(owner)) == 1


def test_deactivating_leaves_no_active_event(owner):
    a = services.create_event(owner, {"name": "A", "is_active": True})
    services.deactivate_event(owner, a.id)
    assert active_ids(owner) == [] and services.find_active_event(owner) is None


def test_each_user_has_their_own_active_event(owner, stranger):
    mine = services.create_event(owner, {"name": "Mine", "is_active": True})
    theirs = services.create_event(stranger, {"name": "Theirs", "is_active": True})
    assert active_ids(owner) == [mine.id] and active_ids(stranger) == [theirs.id]


@pytest.mark.parametrize("call", [
    lambda user, event_id: services.get_event_for(user, event_id),
    lambda user, event_id: services.update_event(user, event_id, {"name": "taken over"}),
    lambda user, event_id: services.activate_event(user, event_id),
    lambda user, event_id: services.deactivate_event(user, event_id),
    lambda user, event_id: services.delete_event(user, event_id),
    lambda user, event_id: services.list_people_met(user, event_id),
], ids=["get", "update", "activate", "deactivate", "delete", "people_met"])
def test_another_users_event_is_not_found_and_untouched(owner, stranger, call):
    event = services.create_event(stranger, {"name": "Theirs", "is_active": True})
    with pytest.raises(NotFound):
        call(owner, event.id)
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert stored is not None and stored.name == "Theirs" and stored.is_active is True


def test_missing_event_is_not_found(owner):
    with pytest.raises(NotFound):
        services.get_event_for(owner, 999_999)


def test_list_orders_latest_start_first_and_undated_last(owner, stranger):
    undated = services.create_event(owner, {"name": "undated"})
    old = services.create_event(owner, {"name": "old", "starts_at": START - timedelta(days=30)})
    new = services.create_event(owner, {"name": "new", "starts_at": START})
    services.create_event(stranger, {"name": "not mine", "starts_at": START})
    page = services.list_events(owner)
    assert [e.name for e in page.items] == ["new", "old", "undated"]
    assert [e.id for e in page.items] == [new.id, old.id, undated.id]
    assert page.next_cursor is None


def test_pages_cover_every_event_once_across_ties_and_undated_ones(owner):
    specs = [START, START, None, START - timedelta(days=1), None, START + timedelta(days=1), START]
    created = [services.create_event(owner, {"name": f"e{i}", "starts_at": s}).id for i, s in enumerate(specs)]
    seen, cursor = [], None
    for _ in range(10):
        page = services.list_events(owner, cursor, limit=2)
        assert len(page.items) <= 2
        seen += [e.id for e in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(created) and len(seen) == len(set(seen))
    assert seen == [e.id for e in services.list_events(owner, limit=100).items]


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4IiwgMV0", "WzEsICJ4Il0", "bnVsbA"])
def test_a_cursor_we_did_not_make_is_a_validation_error(owner, cursor):
    with pytest.raises(ValidationFailed) as caught:
        services.list_events(owner, cursor)
    assert "cursor" in caught.value.fields


def test_deleting_an_event_keeps_its_contacts_and_encounters(owner):
    event = services.create_event(owner, {"name": "A"})
    result = meet(owner, event, conversation="教育AIの話")
    services.delete_event(owner, event.id)
    db.session.expire_all()
    assert db.session.get(Event, event.id) is None
    encounter = db.session.get(Encounter, result.encounter_id)
    assert encounter is not None and encounter.event_id is None
    assert encounter.conversation == "教育AIの話"
    assert db.session.get(Contact, result.contact_id) is not None


def test_people_met_lists_this_events_contacts_newest_first_each_once(owner):
    event = services.create_event(owner, {"name": "A"})
    elsewhere = services.create_event(owner, {"name": "B"})
    now = datetime.now(timezone.utc)
    first = meet(owner, event, name="Early", email="early@example.com", company="ACME",
                 conversation="Rust の話", captured_at=(now - timedelta(hours=2)).isoformat())
    meet(owner, event, name="Late", conversation="教育", captured_at=(now - timedelta(hours=1)).isoformat())
    meet(owner, event, name="Early", email="early@example.com", conversation="二回目",
         captured_at=(now - timedelta(minutes=30)).isoformat())
    meet(owner, elsewhere, name="Other event")
    meet(owner, None, name="No event")
    people = services.list_people_met(owner, event.id)
    assert [p.name for p in people] == ["Early", "Late"]
    assert people[0].contact_id == first.contact_id and people[0].company == "ACME"
    assert people[0].conversations == ["二回目", "Rust の話"]


def test_people_met_is_empty_for_a_new_event(owner):
    event = services.create_event(owner, {"name": "A"})
    assert services.list_people_met(owner, event.id) == []


def test_a_capture_without_event_goes_to_the_active_event(owner):
    a = services.create_event(owner, {"name": "A", "is_active": True})
    b = services.create_event(owner, {"name": "B"})
    raw = {"client_id": str(uuid.uuid4()), "name": "X"}
    first = capture_contact(owner, CaptureIn().load(raw), raw=raw)
    services.activate_event(owner, b.id)
    raw = {"client_id": str(uuid.uuid4()), "name": "Y"}
    second = capture_contact(owner, CaptureIn().load(raw), raw=raw)
    db.session.expire_all()
    assert db.session.get(Encounter, first.encounter_id).event_id == a.id
    assert db.session.get(Encounter, second.encounter_id).event_id == b.id


def test_deleting_a_user_deletes_their_events(app):
    user = make_user()
    services.create_event(user, {"name": "A"})
    db.session.delete(user)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0

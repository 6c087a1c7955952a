"""The home screen's summary: the active event, open promises due first, drafts waiting."""
import uuid
from datetime import date

from tests.conftest import make_user
from webapp.captures.schemas import CaptureIn
from webapp.captures.services import capture_contact
from webapp.contacts.models import Promise
from webapp.db import utcnow
from webapp.events.services import create_event
from webapp.extensions import db
from webapp.pwa.services import PROMISES_SHOWN, home_summary

TODAY = date(2026, 6, 1)


def promise(owner, text, due=None, name="佐藤 花子"):
    raw = {"client_id": str(uuid.uuid4()), "name": name, "promise": text}
    if due:
        raw["promise_due"] = due
    return capture_contact(owner, CaptureIn().load(raw), raw=raw)


def test_an_empty_account_has_nothing_due(app):
    summary = home_summary(make_user(), today=TODAY)
    assert summary.active_event is None and summary.promises == [] and summary.open_promises == 0
    assert summary.drafts == 0


def test_the_active_event_is_shown(app):
    owner = make_user()
    create_event(owner, {"name": "PyCon JP", "is_active": True})
    assert home_summary(owner, today=TODAY).active_event.name == "PyCon JP"


def test_open_promises_come_by_due_date_undated_last_and_overdue_is_marked(app):
    owner = make_user()
    promise(owner, "someday")
    promise(owner, "late", "2026-05-20")
    promise(owner, "soon", "2026-06-03")
    summary = home_summary(owner, today=TODAY)
    assert [(p.text, p.is_overdue) for p in summary.promises] == [("late", True), ("soon", False),
                                                                   ("someday", False)]
    assert summary.promises[0].contact_name == "佐藤 花子"


def test_only_the_first_few_are_listed_but_all_are_counted_and_kept_ones_are_not(app):
    owner = make_user()
    for n in range(PROMISES_SHOWN + 2):
        promise(owner, f"p{n}", f"2026-06-{10 + n}")
    kept = db.session.scalar(db.select(Promise).where(Promise.text == "p0"))
    kept.done_at = utcnow()
    db.session.commit()
    summary = home_summary(owner, today=TODAY)
    assert len(summary.promises) == PROMISES_SHOWN and summary.open_promises == PROMISES_SHOWN + 1
    assert "p0" not in [p.text for p in summary.promises]


def test_another_users_promises_are_not_mine(app):
    owner, other = make_user(), make_user()
    promise(other, "theirs", "2026-06-02")
    assert home_summary(owner, today=TODAY).open_promises == 0

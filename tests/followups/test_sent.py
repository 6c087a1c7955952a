""""Sent" is one thing: a follow-up the worker sent and one the user sent by hand leave the same
row state, the same logged touch and the same last email on the contact."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.followups.smtp_server import make_queued, smtp_sink  # noqa: F401  (a fixture)
from tests.followups.test_worker import app, clock, fresh, owner, worker_for  # noqa: F401  (fixtures)
from webapp.contacts.models import Contact
from webapp.extensions import db
from webapp.followups import services
from webapp.contacts.models import Interaction


def what_sent_left(row_id: int) -> tuple:
    row = fresh(row_id)
    [touch] = db.session.scalars(select(Interaction).where(Interaction.follow_up_id == row_id)).all()
    contact = db.session.get(Contact, row.contact_id)
    db.session.commit()
    return ((row.status, row.sent_at, row.last_error, row.lease_owner),
            (touch.kind, touch.owner_id, touch.contact_id, touch.occurred_at),
            contact.last_email_at)


def test_sent_by_the_worker_and_by_hand_leave_the_same_state(app, owner, smtp_sink, clock):  # noqa: F811
    by_worker, by_hand = make_queued(owner, 2)
    services.mark_sent_by_hand(owner, by_hand.id, now=clock.now)
    assert worker_for(app, smtp_sink.url, clock).run_once().sent == 1

    worker_state, hand_state = what_sent_left(by_worker.id), what_sent_left(by_hand.id)
    assert worker_state[0] == hand_state[0] == ("sent", clock.now, "", "")
    assert worker_state[1][0] == hand_state[1][0] == "email"
    assert worker_state[1][3] == hand_state[1][3] == clock.now
    assert worker_state[2] == hand_state[2] == clock.now  # each contact's email rhythm restarts
    assert (fresh(by_hand.id).is_sent_by_hand, fresh(by_worker.id).is_sent_by_hand) == (True, False)


def test_a_contact_last_emailed_later_keeps_that_time_either_way(app, owner, smtp_sink, clock):  # noqa: F811
    later = clock.now + timedelta(days=1)
    contact = Contact(owner_id=owner.id, name="佐藤 花子", email="hanako@example.net", last_email_at=later)
    db.session.add(contact)
    db.session.commit()
    by_worker, by_hand = make_queued(owner, 2, contact=contact)
    services.mark_sent_by_hand(owner, by_hand.id, now=clock.now)
    assert worker_for(app, smtp_sink.url, clock).run_once().sent == 1
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).last_email_at == later
    assert len(db.session.scalars(select(Interaction).where(Interaction.contact_id == contact.id)).all()) == 2

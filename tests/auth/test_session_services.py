"""Browser logins at the service layer: a key that is wrong, ended or expired is refused."""
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import make_user
from webapp.auth import sessions
from webapp.auth.models import UserSession
from webapp.db import utcnow
from webapp.extensions import db

DAY = timedelta(days=1)


def start(user, *, remember=False, lifetime=31 * DAY, now=None):
    row, key = sessions.create_user_session(user, remember=remember, device="Firefox, Linux",
                                            lifetime=lifetime, now=now)
    return row.id, sessions.login_id(row, key)


def find(login_id, now=None):
    return sessions.find_login(login_id, session_lifetime=31 * DAY, now=now)


def test_a_login_is_found_by_its_id_and_key_only(app):
    user = make_user()
    session_id, login_id = start(user)
    found = find(login_id)
    assert found.user.id == user.id and found.session_id == session_id and not found.is_remembered
    _other_id, other_login = start(user)
    wrong_key = f"{session_id}.{other_login.partition('.')[2]}"
    for refused in (wrong_key, str(user.id), f"{session_id}.", "", "x.y", f"{session_id}", "9" * 40 + ".k"):
        assert find(refused) is None, refused


def test_the_key_is_stored_only_hashed(app):
    user = make_user()
    session_id, login_id = start(user)
    key = login_id.partition(".")[2]
    assert key not in db.session.get(UserSession, session_id).key_hash


def test_a_login_not_kept_lives_a_month_past_its_last_use(app):
    user = make_user()
    now = utcnow()
    _id, login_id = start(user, now=now)
    assert find(login_id, now + 20 * DAY) is not None  # used: its life moves on
    assert find(login_id, now + 40 * DAY) is not None
    assert find(login_id, now + 72 * DAY) is None


def test_a_kept_login_ends_a_year_after_it_started_however_much_it_is_used(app):
    user = make_user()
    now = utcnow()
    _id, login_id = start(user, remember=True, lifetime=365 * DAY, now=now)
    for day in range(30, 365, 30):
        assert find(login_id, now + day * DAY) is not None
    assert find(login_id, now + 366 * DAY) is None


def test_the_last_use_is_noted_at_most_every_few_minutes(app):
    user = make_user()
    now = utcnow()
    session_id, login_id = start(user, now=now)

    def last_seen():
        db.session.rollback()
        return db.session.scalar(select(UserSession.last_seen_at).where(UserSession.id == session_id))

    find(login_id, now + timedelta(minutes=1))
    assert last_seen() == now
    find(login_id, now + sessions.TOUCH_EVERY)
    assert last_seen() == now + sessions.TOUCH_EVERY


def test_a_new_login_clears_the_users_expired_ones_and_only_theirs(app):
    user, other = make_user(), make_user()
    long_ago = utcnow() - 400 * DAY
    old_id, _ = start(user, now=long_ago)
    others_old, _ = start(other, now=long_ago)
    start(user)
    db.session.rollback()
    assert db.session.get(UserSession, old_id) is None
    assert db.session.get(UserSession, others_old) is not None
    assert [row.id for row in sessions.list_user_sessions(other)] == []  # expired: not listed


def test_ending_all_logins_can_keep_the_callers_own(app):
    user, other = make_user(), make_user()
    mine, _ = start(user)
    start(user)
    theirs, _ = start(other)
    assert sessions.end_user_sessions(user, keep=mine) == 1
    assert [row.id for row in sessions.list_user_sessions(user)] == [mine]
    assert [row.id for row in sessions.list_user_sessions(other)] == [theirs]

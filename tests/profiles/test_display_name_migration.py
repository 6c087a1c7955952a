"""The upgrade to one display name: each account takes the name its card and mails already show, so
what other people see stays as it was; a card without a name is never made public by it."""
import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tests.conftest import PG_URL, pg_url, reset_pg_schema
from webapp import create_app
from webapp.extensions import db

BEFORE = "f71ed59afe7a"
NOW = "2026-12-01 00:00:00"


def test_each_account_takes_the_name_on_its_card(tmp_path):
    check_upgrade(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
def test_each_account_takes_the_name_on_its_card_on_postgresql():
    schema = f"name_migration_{os.getpid()}"
    reset_pg_schema(schema)
    try:
        check_upgrade(pg_url(schema))
    finally:
        reset_pg_schema(schema, create=False)


def check_upgrade(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision=BEFORE)
        rows = [  # user id, sign-up name, profile name, keyword
            (1, "やまだ", "山田 太郎", "AIと教育"),   # renamed on the profile: the card's name wins
            (2, "Ken", "Ken", "Teacher tools"),      # the same already
            (3, "Mika", "", ""),                       # no name on the profile, no card: takes Mika
            (4, "Rin", "", "A keyword alone"),         # keyword but no name: stays private, stays unnamed
        ]
        for user_id, user_name, profile_name, keyword in rows:
            db.session.execute(text(
                "INSERT INTO users (id, email, password_hash, name, timezone, is_login_email_reply_to, created_at, "
                "updated_at) VALUES (:id, :email, 'x', :name, 'Asia/Tokyo', false, :now, :now)"),
                {"id": user_id, "email": f"u{user_id}@example.com", "name": user_name, "now": NOW})
            db.session.execute(text(
                "INSERT INTO profiles (user_id, slug, name, name_reading, keyword, current_work, why_here, "
                "next_challenge, signature_text, offers, asks, links, public_email, public_phone, company, title, "
                "created_at, updated_at) VALUES (:id, :slug, :name, '', :keyword, '', '', '', '', '', '', '[]', '', "
                "'', '', '', :now, :now)"),
                {"id": user_id, "slug": f"slug{user_id}abcdefghij", "name": profile_name, "keyword": keyword, "now": NOW})
        db.session.commit()

        upgrade()

        names = db.session.execute(text(
            "SELECT u.name, p.name FROM users u JOIN profiles p ON p.user_id = u.id ORDER BY u.id")).all()
        assert [tuple(row) for row in names] == [("山田 太郎", "山田 太郎"), ("Ken", "Ken"), ("Mika", "Mika"), ("Rin", "")]
        db.session.remove()
        downgrade(revision=BEFORE)  # nothing to undo: the names stay
        assert db.session.scalar(text("SELECT name FROM users WHERE id = 1")) == "山田 太郎"
        db.session.remove()
        db.engine.dispose()

"""The upgrade that gives every contact a language: existing contacts are guessed from their name,
their meetings' notes and what they wrote themselves; existing follow-ups count as edited."""
import importlib.util
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from webapp import create_app
from webapp.contacts.language import guess_language
from webapp.extensions import db

MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/b3c8e1f2a9d7_contact_language_and_edited_follow_ups.py"
NOW = "2026-12-01 00:00:00"


def test_existing_contacts_are_guessed_and_follow_ups_count_as_edited(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}", "SECRET_KEY": "x",
                      "TESTING": True})
    with app.app_context():
        upgrade(revision="f71ed59afe7a")
        for user_id, locale in ((1, "ja"), (2, "en")):
            db.session.execute(text(
                "INSERT INTO users (id, email, password_hash, name, locale, timezone, created_at, updated_at) "
                "VALUES (:id, :email, 'x', 'Taro', :locale, 'Asia/Tokyo', :now, :now)"),
                {"id": user_id, "email": f"u{user_id}@example.com", "locale": locale, "now": NOW})
        people = [(1, 1, "Tom Baker", "manual", "教育AIの話"), (2, 1, "佐藤 花子", "manual", "AI"),
                  (3, 1, "Hanako Sato", "manual", "教育AIの話"), (4, 1, "Jane Doe", "share_back", "はじめまして"),
                  (5, 2, "#42", "manual", ""), (6, 1, "#43", "manual", "")]
        for contact_id, owner_id, name, source, said in people:
            db.session.execute(text(
                "INSERT INTO contacts (id, owner_id, name, name_reading, email, phone, company, title, card_url, "
                "card_url_key, notes, tier, search_key, name_key, reading_key, last_met_at, created_at, updated_at) "
                "VALUES (:id, :owner, :name, '', '', '', '', '', '', '', '', 'unsorted', '', '', '', :now, :now, :now)"),
                {"id": contact_id, "owner": owner_id, "name": name, "now": NOW})
            db.session.execute(text(
                "INSERT INTO encounters (owner_id, contact_id, met_at, source, conversation, needs, memorable, "
                "payload_hash, created_at) VALUES (:owner, :id, :now, :source, :said, '', '', '', :now)"),
                {"owner": owner_id, "id": contact_id, "source": source, "said": said, "now": NOW})
        db.session.execute(text(
            "INSERT INTO follow_ups (owner_id, contact_id, purpose, to_addr, subject, body, status, attempts, "
            "last_error, message_id, lease_owner, fence, is_sent_by_hand, created_at, updated_at) "
            "VALUES (1, 1, 'followup', 't@example.com', 's', 'b', 'draft', 0, '', '', '', 0, false, :now, :now)"),
            {"now": NOW})
        db.session.commit()
        db.session.remove()

        upgrade(revision="b3c8e1f2a9d7")

        languages = dict(db.session.execute(text("SELECT id, language FROM contacts ORDER BY id")).tuples().all())
        assert languages == {1: "en", 2: "ja", 3: "ja", 4: "ja", 5: "en", 6: "ja"}
        assert db.session.scalar(text("SELECT is_edited FROM follow_ups")) in (1, True)
        db.session.remove()
        downgrade(revision="f71ed59afe7a")
        assert db.session.scalar(text("SELECT count(*) FROM contacts")) == 6  # nothing lost on the way back
        db.engine.dispose()


@pytest.mark.parametrize("name,notes,their_words,fallback", [
    ("Tom Baker", "教育AI", "", "ja"), ("Hanako Sato", "教育AI", "", "en"), ("Hanako Sato", "AI", "", "ja"),
    ("Tom Baker（トム・ベイカー）", "", "", "ja"), ("トム Tom", "", "", "en"), ("Jane", "", "こんにちは", "en"),
    ("#42", "", "", "en"), ("#42", "notes", "", "ja"), ("髙橋", "", "", "en"),
])
def test_the_migrations_frozen_guess_agrees_with_the_app_today(name, notes, their_words, fallback):
    spec = importlib.util.spec_from_file_location("language_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module._guess(name, notes, their_words, fallback) == guess_language(
        name, notes, their_words=their_words, fallback=fallback)

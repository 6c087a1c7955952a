"""The upgrade that guesses the readings of contacts stored before readings were guessed: a kanji
name without a reading gets one (marked as guessed) and is found by kana; typed readings and Latin
names are left alone."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from webapp import create_app
from webapp.extensions import db

BEFORE = "f71ed59afe7a"


def test_existing_kanji_names_get_a_guessed_reading_and_kana_finds_them(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}", "SECRET_KEY": "x",
                      "TESTING": True})
    with app.app_context():
        upgrade(revision=BEFORE)
        now = "2026-12-01 00:00:00"
        db.session.execute(text(
            "INSERT INTO users (id, email, password_hash, name, timezone, created_at, updated_at) "
            "VALUES (1, 'taro@example.com', 'x', 'Taro', 'Asia/Tokyo', :now, :now)"), {"now": now})
        for row_id, name, reading, key in ((1, "佐藤 花子", "", "佐藤花子"),
                                           (2, "東海林 健", "しょうじ けん", "東海林健|しょうじけん"),
                                           (3, "Jane Doe", "", "janedoe")):
            db.session.execute(text(
                "INSERT INTO contacts (id, owner_id, name, name_reading, email, phone, company, title, card_url, "
                "card_url_key, notes, tier, search_key, name_key, reading_key, last_met_at, created_at, "
                "updated_at) VALUES (:id, 1, :name, :reading, '', '', 'Acme', '', '', '', '', 'unsorted', :key, "
                "'', '', :now, :now, :now)"), {"id": row_id, "name": name, "reading": reading, "key": key,
                                               "now": now})
        db.session.commit()
        db.session.remove()

        upgrade()

        rows = db.session.execute(text(
            "SELECT id, name_reading, is_reading_guessed, search_key FROM contacts ORDER BY id")).all()
        assert [(r.id, r.name_reading, bool(r.is_reading_guessed)) for r in rows] == [
            (1, "さとう はなこ", True), (2, "しょうじ けん", False), (3, "", False)]
        assert "さとうはなこ" in rows[0].search_key and "acme" in rows[0].search_key

        downgrade(revision=BEFORE)  # the mark goes, the readings and every row stay
        assert db.session.execute(text("SELECT count(*) FROM contacts WHERE name_reading <> ''")).scalar() == 2
        db.engine.dispose()

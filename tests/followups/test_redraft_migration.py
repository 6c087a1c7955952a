"""The upgrade that makes the login email a reply address only by consent: the users' choice
starts as "no", and follow-ups queued under the old rules go back to draft to be approved again."""
import importlib.util
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from webapp import create_app
from webapp.extensions import db
from webapp.followups.outgoing import REDRAFTED_NOTE

MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/a7e3c2d91f04_replies_to_login_email_only_by_consent.py"


def test_queued_follow_ups_go_back_to_draft_and_nobody_has_agreed_yet(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}", "SECRET_KEY": "x",
                      "TESTING": True})
    with app.app_context():
        upgrade(revision="6cba1c79a955")
        now = "2026-12-01 00:00:00"
        db.session.execute(text(
            "INSERT INTO users (id, email, password_hash, name, timezone, created_at, updated_at) "
            "VALUES (1, 'taro@example.com', 'x', 'Taro', 'Asia/Tokyo', :now, :now)"), {"now": now})
        for row_id, purpose, status in ((1, "followup", "queued"), (2, "digest", "queued"), (3, "followup", "sent")):
            db.session.execute(text(
                "INSERT INTO follow_ups (id, owner_id, contact_id, purpose, to_addr, subject, body, status, attempts, "
                "last_error, message_id, mime, lease_owner, fence, is_sent_by_hand, created_at, updated_at) "
                "VALUES (:id, 1, NULL, :purpose, 'h@example.net', 's', 'b', :status, 0, '', '<m@x>', :mime, '', 0, "
                "false, :now, :now)"),
                {"id": row_id, "purpose": purpose, "status": status,
                 "mime": b"Reply-To: taro@example.com\r\n", "now": now})
        db.session.commit()
        db.session.remove()

        upgrade()

        rows = db.session.execute(text("SELECT id, status, mime, last_error FROM follow_ups ORDER BY id")).all()
        assert [(r.id, r.status, r.mime is None) for r in rows] == [(1, "draft", True), (2, "queued", False),
                                                                      (3, "sent", False)]
        assert rows[0].last_error == REDRAFTED_NOTE  # shown translated on the follow-up pages
        assert db.session.scalar(text("SELECT is_login_email_reply_to FROM users")) in (0, False)
        db.engine.dispose()


def test_the_migration_holds_the_same_note_as_the_app():
    spec = importlib.util.spec_from_file_location("redraft_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.REDRAFTED_NOTE == REDRAFTED_NOTE


def test_downgrade_keeps_every_row(tmp_path):
    from flask_migrate import downgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.db'}", "SECRET_KEY": "x",
                      "TESTING": True})
    with app.app_context():
        upgrade()
        db.session.execute(text(
            "INSERT INTO users (id, email, password_hash, name, timezone, is_login_email_reply_to, created_at, "
            "updated_at) VALUES (1, 'taro@example.com', 'x', 'Taro', 'Asia/Tokyo', true, '2026-12-01', '2026-12-01')"))
        db.session.execute(text(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, updated_at) "
            "VALUES (1, 't', 'h', 'p', '2026-12-01', '2026-12-01')"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="6cba1c79a955")
        assert db.session.scalar(text("SELECT count(*) FROM api_tokens")) == 1  # nothing cascaded away
        db.engine.dispose()

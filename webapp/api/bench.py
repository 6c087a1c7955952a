"""Baselines for the benchmarks: bench/capture.py inserts one contact row with plain SQLAlchemy;
bench/reminders.py reads the user's 50 latest contacts with one plain indexed SELECT. Nothing else.

Registered only when BENCH_ENDPOINTS is set (the benchmark sets it); never in a normal run.
"""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required
from sqlalchemy import insert, select

from webapp.contacts.models import Contact
from webapp.db import utcnow
from webapp.db_setup import unit_of_work
from webapp.extensions import db

bp = Blueprint("bench", __name__)


@bp.route("/api/v1/_bench/insert", methods=["POST"])
@login_required
def bare_insert():
    return jsonify({"id": _insert(current_user.id, utcnow())}), 201


@unit_of_work  # as every write in the app: on SQLite BEGIN IMMEDIATE, else a busy writer is a 500
def _insert(owner_id: int, now) -> int:
    result = db.session.execute(insert(Contact).values(
        owner_id=owner_id, name="bench", name_reading="", email="", phone="", company="", title="",
        card_url="", card_url_key="", notes="", tier="unsorted", search_key="bench", name_key="bench",
        reading_key="", last_met_at=now, created_at=now, updated_at=now))
    return result.inserted_primary_key[0]


@bp.route("/api/v1/_bench/contacts", methods=["GET"])
@login_required
def bare_contacts():
    rows = db.session.execute(
        select(Contact.id, Contact.name, Contact.tier, Contact.last_met_at).where(Contact.owner_id == current_user.id)
        .order_by(Contact.last_met_at.desc(), Contact.id.desc()).limit(50)).all()
    return jsonify({"items": [{"id": r.id, "name": r.name, "tier": r.tier, "last_met_at": r.last_met_at.isoformat()}
                              for r in rows]})

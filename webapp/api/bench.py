"""A baseline for bench/capture.py: insert one contact row with plain SQLAlchemy, nothing else.

Registered only when BENCH_ENDPOINTS is set (the benchmark sets it); never in a normal run.
"""
from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user, login_required
from sqlalchemy import insert

from webapp.contacts.models import Contact
from webapp.db import utcnow
from webapp.extensions import db

bp = Blueprint("bench", __name__)


@bp.route("/api/v1/_bench/insert", methods=["POST"])
@login_required
def bare_insert():
    now = utcnow()
    result = db.session.execute(insert(Contact).values(
        owner_id=current_user.id, name="bench", name_reading="", email="", phone="", company="", title="",
        card_url="", card_url_key="", notes="", tier="unsorted", search_key="bench", name_key="bench",
        reading_key="", last_met_at=now, created_at=now, updated_at=now))
    db.session.commit()
    return jsonify({"id": result.inserted_primary_key[0]}), 201

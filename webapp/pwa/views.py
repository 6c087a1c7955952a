"""Home screen and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from webapp.extensions import db

bp = Blueprint("pwa", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("pages/welcome.html")
    from webapp.profiles.services import get_profile_for

    return render_template("pages/home.html", profile=get_profile_for(current_user))


@bp.route("/healthz")
def healthz():
    """Liveness and readiness: the process answers and the database answers a trivial query."""
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    """Choose the interface language when logged out (logged-in users keep it on their account)."""
    target = request.form.get("next") or url_for("pwa.home")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("pwa.home")
    response = make_response(redirect(target))
    if code in ("ja", "en"):
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response

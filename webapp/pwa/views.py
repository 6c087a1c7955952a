"""Home screen, the installable shell (manifest, service worker, offline page) and the health check."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, to_user_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from webapp.db import utcnow
from webapp.extensions import db
from webapp.profiles.services import get_profile_for
from webapp.pwa import shell
from webapp.pwa.services import home_summary
from webapp.urls import safe_next

bp = Blueprint("pwa", __name__)

SERVICE_WORKER = "ichigo_service_worker"


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("pages/welcome.html")
    today = to_user_timezone(utcnow()).date()
    return render_template("pages/home.html", profile=get_profile_for(current_user),
                           summary=home_summary(current_user, today=today))


@bp.route("/manifest.webmanifest")
def manifest():
    shortcuts = [
        {"name": _("Capture someone"), "short_name": _("Capture"), "url": url_for("captures.new"),
         "icons": [{"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"}]},
        {"name": _("Show my QR"), "short_name": _("My QR"), "url": url_for("profiles.show_qr"),
         "icons": [{"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"}]},
    ]
    body = shell.build_manifest(
        lang=str(get_locale()), shortcuts=shortcuts,
        description=_("Be remembered at meetups, remember who you met, and follow up."))
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


@bp.route("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope is the whole app."""
    source = current_app.extensions.get(SERVICE_WORKER)
    if source is None or current_app.debug:
        source = shell.build_service_worker(current_app.static_folder)
        current_app.extensions[SERVICE_WORKER] = source
    response = Response(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
def offline():
    """What the service worker shows for a page it has not kept; holds nothing private."""
    return render_template("pages/offline.html")


@bp.route("/healthz")
def healthz():
    """Liveness and readiness: the process answers and the database answers a trivial query."""
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    """Choose the interface language when logged out (logged-in users keep it on their account)."""
    response = make_response(redirect(safe_next(request.form.get("next"))))
    if code in ("ja", "en"):
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response

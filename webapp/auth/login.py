"""flask-login wiring: load the session's user; 401 JSON for the API, a redirect for pages."""
from __future__ import annotations

from flask import redirect, request, url_for

from webapp.errors import Unauthorized, wants_json
from webapp.extensions import db, login_manager


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        from webapp.auth.models import User

        try:
            return db.session.get(User, int(user_id))
        except (TypeError, ValueError):
            return None

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            raise Unauthorized()
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

"""flask-login wiring: each browser login is a user_sessions row whose id and key both cookies carry,
so ending the row ends every copy of them; 401 JSON for the API, a redirect for pages."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from webapp.auth import sessions
from webapp.auth.devices import describe_user_agent
from webapp.auth.models import User
from webapp.errors import NotFound, Unauthorized, wants_json
from webapp.extensions import login_manager


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.id_attribute = "get_login_id"  # the login's id, not the user's: see start_session

    @login_manager.user_loader
    def load_user(login_id: str):
        login = sessions.find_login(login_id, session_lifetime=current_app.permanent_session_lifetime)
        if login is None:
            return None
        g.user_session = login
        return login.user

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            raise Unauthorized()
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def current_login() -> sessions.Login | None:
    """This browser's login, when the request came with a live session or remember cookie."""
    if not current_user.is_authenticated:
        return None
    return g.get("user_session")  # absent for a Bearer call


def remember_lifetime() -> timedelta:
    duration = current_app.config.get("REMEMBER_COOKIE_DURATION", timedelta(days=365))
    return duration if isinstance(duration, timedelta) else timedelta(seconds=int(duration))


def start_session(user: User, *, remember: bool) -> None:
    """Log this browser in as a new login: an empty session first (no CSRF token or anything else
    carried over, against session fixation), a new key, and so a new remember cookie when asked.
    The login it had before, if any, ends."""
    previous = current_login()
    if previous is not None:
        _end_quietly(previous)
    session.clear()
    g.pop("csrf_token", None)  # flask-wtf's copy for this request
    lifetime = remember_lifetime() if remember else current_app.permanent_session_lifetime
    row, key = sessions.create_user_session(
        user, remember=remember, device=describe_user_agent(request.user_agent.string), lifetime=lifetime)
    user.login_id = sessions.login_id(row, key)
    login_user(user, remember=remember)
    g.user_session = sessions.Login(user, row.id, remember)
    if not remember and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        session["_remember"] = "clear"  # an older login's remember cookie goes too


def end_session() -> None:
    """Log this browser out: its login ends, so a copy of its session or remember cookie made
    earlier stops working as well. The user's other devices stay logged in."""
    login = current_login()
    if login is not None:
        _end_quietly(login)
    forget_browser()


def forget_browser() -> None:
    """Drop this browser's session (its CSRF token too) and its remember cookie."""
    session.clear()
    logout_user()  # after clear(): it marks the remember cookie for deletion in the session
    g.pop("csrf_token", None)
    g.pop("user_session", None)


def _end_quietly(login: sessions.Login) -> None:
    try:
        sessions.end_user_session(login.user, login.session_id)
    except NotFound:
        pass  # ended meanwhile (another tab, "log out everywhere" elsewhere)

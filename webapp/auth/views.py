"""Sign-up, log-in and log-out pages; Settings with its password change and list of logins."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from marshmallow import ValidationError

from webapp.auth import limits, services, sessions
from webapp.auth.login import current_login, end_session, forget_browser, start_session
from webapp.auth.schemas import LoginIn, PasswordChangeIn, SettingsIn, SignupIn
from webapp.errors import AppError, NotFound
from webapp.extensions import limiter
from webapp.forms import form_errors
from webapp.urls import safe_next

bp = Blueprint("auth", __name__)


def form_data(schema_cls, form) -> dict:
    """Only the schema's own fields: csrf_token and next belong to the page, not the account."""
    names = set(schema_cls().fields)
    return {key: form.get(key) for key in form if key in names}


@bp.route("/signup", methods=["GET", "POST"])
@limits.attempt_budget
def signup():
    if request.method == "GET":
        return render_template("auth/signup.html", errors={}, form={})
    try:
        data = SignupIn().load(form_data(SignupIn, request.form))
        user = services.create_user(**data)
    except ValidationError as exc:
        return render_template("auth/signup.html", errors=form_errors(exc), form=request.form), 422
    except AppError as exc:
        return render_template("auth/signup.html", errors=form_errors(exc), form=request.form), exc.status
    start_session(user, remember=False)
    response = redirect(url_for("profiles.edit"))
    limits.remember_device(response, user.email)
    return response


@bp.route("/login", methods=["GET", "POST"])
@limits.password_budget
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next(request.args.get("next")))
        return render_template("auth/login.html", errors={}, form={}, next=request.args.get("next", ""),
                               ended_everywhere=request.args.get("ended") == "everywhere")
    try:
        data = LoginIn().load(form_data(LoginIn, request.form))
        user = services.authenticate(**data)
    except ValidationError as exc:
        return render_template("auth/login.html", errors=form_errors(exc), form=request.form,
                               next=request.form.get("next", "")), 422
    except AppError:
        errors = {"_form": [_("Email or password is not right.")]}
        return render_template("auth/login.html", errors=errors, form=request.form,
                               next=request.form.get("next", "")), 401
    start_session(user, remember=bool(request.form.get("remember")))
    response = redirect(safe_next(request.form.get("next")))
    limits.remember_device(response, user.email)
    return response


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        return render_template("auth/logout.html")
    end_session()
    return redirect(url_for("auth.login"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Account settings: language, time zone, where replies go, and the API tokens (revocable here).
    The name is shown with a link to the profile, its one place."""
    errors, status = {}, 200
    if request.method == "POST":
        if request.form.get("revoke"):
            try:
                services.revoke_token(current_user, int(request.form["revoke"]))
            except (ValueError, AppError):
                errors, status = {"_form": [_("That token was already revoked.")]}, 404
        else:
            try:
                # an unticked checkbox sends nothing: the form always says yes or no
                form = {**form_data(SettingsIn, request.form),
                        "is_login_email_reply_to": bool(request.form.get("is_login_email_reply_to"))}
                data = SettingsIn().load(form)
                services.update_settings(current_user, data)
                return redirect(url_for("auth.settings", saved=1))
            except ValidationError as exc:
                errors, status = form_errors(exc), 422
    from webapp.profiles.services import display_name

    return render_template("auth/settings.html", errors=errors, name=display_name(current_user), form=request.form or {
        "locale": current_user.locale or "", "timezone": current_user.timezone,
        "is_login_email_reply_to": current_user.is_login_email_reply_to,
    }, tokens=services.list_tokens(current_user), timezones=COMMON_TIMEZONES,
        saved=request.args.get("saved"), **logins_section()), status


def logins_section() -> dict:
    """The Settings sections on the password and the logins: where the account is logged in, and
    what the last password change ended."""
    login = current_login()
    notes = []
    if request.args.get("password") == "changed":
        ended, revoked = (_count(request.args.get(key)) for key in ("ended", "revoked"))
        notes = [_("Your password was changed. This browser stays logged in."),
                 ngettext("%(num)d other login was ended.", "%(num)d other logins were ended.", ended),
                 ngettext("%(num)d API token was revoked.", "%(num)d API tokens were revoked.", revoked)]
    return {"logins": sessions.list_user_sessions(current_user),
            "this_login": login.session_id if login else None, "password_notes": notes}


def _count(raw: str | None) -> int:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 7 else 0


def password_change_key() -> str:
    """Wrong current passwords count against the account (whoever holds one of its sessions)."""
    return f"password-change:{current_user.id}" if current_user.is_authenticated else ""


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
@limiter.limit(limits.account_limit, key_func=password_change_key, methods=["POST"],
               deduct_when=lambda response: response.status_code == 422)
def change_password():
    """Change the password: every other login and every API token of the account ends; this
    browser stays logged in, as a new login (so a copy of its old cookies ends too)."""
    if request.method == "GET":
        return render_template("auth/password.html", errors={})
    login = current_login()
    try:
        data = PasswordChangeIn().load(form_data(PasswordChangeIn, request.form))
        ended, revoked = services.change_password(
            current_user, data["current_password"], data["new_password"],
            keep_session=login.session_id if login else None)
    except ValidationError as exc:
        return render_template("auth/password.html", errors=form_errors(exc)), 422
    except AppError as exc:
        return render_template("auth/password.html", errors=form_errors(exc)), exc.status
    if login is not None:
        start_session(login.user, remember=login.is_remembered)
    return redirect(url_for("auth.settings", password="changed", ended=ended, revoked=revoked,
                            _anchor="password"))


@bp.route("/settings/sessions", methods=["POST"])
@login_required
def end_logins():
    """End one of the account's other logins, or all of them ("log out everywhere"; API tokens stay)."""
    if request.form.get("end") == "all":
        sessions.end_user_sessions(current_user)
        forget_browser()
        return redirect(url_for("auth.login", ended="everywhere"))
    session_id = sessions.parse_session_id(request.form.get("end"))
    if session_id is None:
        raise NotFound(_l("That login has already ended."), code="session_not_found")
    sessions.end_user_session(current_user, session_id)
    return redirect(url_for("auth.settings", _anchor="logins"))


#: the zones offered first in the picker; any IANA name is accepted
COMMON_TIMEZONES = ["Asia/Tokyo", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Kolkata",
                    "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC"]

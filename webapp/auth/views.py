"""Sign-up, log-in and log-out pages."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from marshmallow import ValidationError

from webapp.auth import services
from webapp.auth.schemas import LoginIn, SettingsIn, SignupIn
from webapp.errors import AppError
from webapp.extensions import limiter
from webapp.urls import safe_next

bp = Blueprint("auth", __name__)


def auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def form_data(schema_cls, form) -> dict:
    """Only the schema's own fields: csrf_token and next belong to the page, not the account."""
    names = set(schema_cls().fields)
    return {key: form.get(key) for key in form if key in names}


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def signup():
    if request.method == "GET":
        return render_template("auth/signup.html", errors={}, form={})
    try:
        data = SignupIn().load(form_data(SignupIn, request.form))
        user = services.create_user(**data)
    except ValidationError as exc:
        return render_template("auth/signup.html", errors=exc.messages, form=request.form), 422
    except AppError as exc:
        return render_template("auth/signup.html", errors=exc.fields, form=request.form), exc.status
    login_user(user)
    return redirect(url_for("profiles.edit"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next(request.args.get("next")))
        return render_template("auth/login.html", errors={}, form={}, next=request.args.get("next", ""))
    try:
        data = LoginIn().load(form_data(LoginIn, request.form))
        user = services.authenticate(**data)
    except ValidationError as exc:
        return render_template("auth/login.html", errors=exc.messages, form=request.form,
                               next=request.form.get("next", "")), 422
    except AppError:
        errors = {"_form": [_("Email or password is not right.")]}
        return render_template("auth/login.html", errors=errors, form=request.form,
                               next=request.form.get("next", "")), 401
    login_user(user, remember=bool(request.form.get("remember")))
    return redirect(safe_next(request.form.get("next")))


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        return render_template("auth/logout.html")
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Account settings: name, language, time zone, and the API tokens (revocable here)."""
    errors, status = {}, 200
    if request.method == "POST":
        if request.form.get("revoke"):
            try:
                services.revoke_token(current_user, int(request.form["revoke"]))
            except (ValueError, AppError):
                errors, status = {"_form": [_("That token was already revoked.")]}, 404
        else:
            try:
                data = SettingsIn().load(form_data(SettingsIn, request.form))
                services.update_settings(current_user, data)
                return redirect(url_for("auth.settings", saved=1))
            except ValidationError as exc:
                errors, status = exc.messages, 422
    return render_template("auth/settings.html", errors=errors, form=request.form or {
        "name": current_user.name, "locale": current_user.locale or "", "timezone": current_user.timezone,
    }, tokens=services.list_tokens(current_user), timezones=COMMON_TIMEZONES,
        saved=request.args.get("saved")), status


#: the zones offered first in the picker; any IANA name is accepted
COMMON_TIMEZONES = ["Asia/Tokyo", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Asia/Kolkata",
                    "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC"]

"""/api/v1/auth: sign up, and Bearer tokens (create, list, revoke)."""
from __future__ import annotations

from flask_login import current_user, login_required

from webapp.api.blueprint import Blueprint
from webapp.auth import limits, services
from webapp.auth.schemas import NewTokenOut, SignupIn, TokenIn, TokenList, UserOut
from webapp.api.docs import CONFLICT, PROTECTED, RATE_LIMITED

bp = Blueprint("api_auth", __name__, description="Accounts and API tokens")


@bp.route("/signup", methods=["POST"])
@limits.attempt_budget
@bp.arguments(SignupIn())
@bp.response(201, UserOut)
@bp.doc(responses={**CONFLICT, **RATE_LIMITED})
def signup(data):
    """Create an account."""
    return services.create_user(**data)


@bp.route("/tokens", methods=["POST"])
@limits.password_budget
@bp.arguments(TokenIn())
@bp.response(201, NewTokenOut)
@bp.doc(responses=RATE_LIMITED)
def create_token(data):
    """Exchange email and password for a Bearer token (shown once)."""
    user = services.authenticate(data["email"], data["password"])
    token, row = services.create_token(user, data.get("name", ""))
    return {"id": row.id, "name": row.name, "prefix": row.prefix, "created_at": row.created_at,
            "last_used_at": None, "token": token}


@bp.route("/tokens", methods=["GET"])
@login_required
@bp.response(200, TokenList)
@bp.doc(**PROTECTED)
def list_tokens():
    """The caller's live tokens (never the secret itself)."""
    return {"items": services.list_tokens(current_user), "next": None}


@bp.route("/tokens/<int:token_id>", methods=["DELETE"])
@login_required
@bp.response(204)
@bp.doc(**PROTECTED)
def revoke_token(token_id):
    """Revoke a token; it stops working at once."""
    services.revoke_token(current_user, token_id)
    return None

"""Every private page and endpoint requires login: derived from the URL map, so a new route is
covered the day it is added (or must be named public here, on purpose)."""
import re

import pytest

from tests.conftest import csrf_token_of
from webapp import create_app

#: endpoints anyone may call, logged in or not
PUBLIC = {
    "static", "pwa.home", "pwa.healthz", "pwa.set_language", "pwa.manifest", "pwa.service_worker",
    "pwa.offline", "auth.signup", "auth.login", "auth.logout", "api_auth.signup", "api_auth.create_token",
    "api-docs.openapi_json", "api_session.show", "profiles.card", "profiles.card_json", "profiles.card_vcf",
    "profiles.qr_svg", "profiles.qr_png", "share.connect",
    # the private calendar feed: calendar apps cannot log in; the unguessable, revocable secret in
    # its URL is the key (tests/relationships/test_feed.py)
    "relationships.feed",
}


def _private_routes():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True})
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        path = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append(pytest.param(method, path, id=f"{method} {rule.rule}"))
    return routes


PRIVATE = _private_routes()


def test_there_are_private_routes_to_check():
    assert len(PRIVATE) >= 3


@pytest.mark.parametrize("method,path", PRIVATE)
def test_private_route_requires_login(client, method, path):
    if path.startswith("/api/"):
        response = client.open(path, method=method, json={} if method != "GET" else None)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
    else:
        data = None if method == "GET" else {"csrf_token": csrf_token_of(client, "/login")}
        response = client.open(path, method=method, data=data)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")

"""Profile test fixtures: a client whose every request gets its own app context.

The shared ``app`` fixture keeps one app context open, and Flask reuses it for requests, so
``g`` (where flask-login keeps the request's user) would leak from one request to the next: a
Bearer call would leave the following anonymous request logged in. Each request here starts
clean, as it does in production.
"""
import pytest
from flask.testing import FlaskClient

from tests.conftest import make_token, make_user
from tests.profiles.helpers import fill_profile


class FreshContextClient(FlaskClient):
    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def owner(app):
    """A user with a complete public card and a private marker in the login email."""
    user = make_user(email="private-marker-9c1@example.com")
    fill_profile(user)
    user.token = make_token(user)
    return user


@pytest.fixture
def card_path(owner):
    from webapp.profiles.services import get_profile_for

    return f"/c/{get_profile_for(owner).slug}"

"""Contact test fixtures: a client with a fresh app context per request, an owner and a stranger."""
import pytest

from tests.conftest import make_token, make_user
from tests.contacts.helpers import FreshContextClient


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def owner(app):
    user = make_user()
    user.token = make_token(user)
    return user


@pytest.fixture
def stranger(app):
    user = make_user(name="Someone Else")
    user.token = make_token(user)
    return user

"""Contact test fixtures: a client with a fresh app context per request, an owner and a stranger."""
import pytest

from tests.conftest import make_user_with_token


@pytest.fixture
def client(fresh_client):
    return fresh_client


@pytest.fixture
def owner(app):
    return make_user_with_token()


@pytest.fixture
def stranger(app):
    return make_user_with_token(name="Someone Else")

"""Profile test fixtures: a client whose every request gets its own app context, and a card owner."""
import pytest

from tests.conftest import make_token, make_user
from tests.profiles.helpers import fill_profile


@pytest.fixture
def client(fresh_client):
    return fresh_client


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

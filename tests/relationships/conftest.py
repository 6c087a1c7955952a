"""Keep-in-touch fixtures: an owner on a fixed clock (time-machine), a stranger, a fresh-context client."""
import pytest
import time_machine

from tests.conftest import make_user_with_token
from tests.relationships.helpers import T0


@pytest.fixture
def clock():
    """The frozen clock; ``clock.move_to(moment)`` travels, ``clock.shift(timedelta)`` moves on."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client(fresh_client):
    return fresh_client


@pytest.fixture
def owner(app, clock):
    return make_user_with_token(name="山田 太郎")


@pytest.fixture
def stranger(app, clock):
    return make_user_with_token(name="Someone Else")

"""Error bodies stay JSON whatever shape marshmallow gives its messages."""
from tests.conftest import bearer, make_user_with_token


def test_list_errors_beside_a_lists_own_error_are_a_422_not_a_500(client):
    # a rhythm list with one bad item *and* a rule on the whole list: marshmallow keys the item by
    # int and the list's own error by "_schema" in one dict, which JSON cannot sort as they are
    user = make_user_with_token()
    body = {"rhythms": [{"channel": "meet", "every_days": 1},
                        {"channel": "meet", "every_days": 2, "within_days": 1}]}
    response = client.put("/api/v1/cadence/grow", json=body, headers=bearer(user.token))
    assert response.status_code == 422
    rhythms = response.get_json()["error"]["fields"]["rhythms"]
    assert set(rhythms) == {"1", "_schema"}

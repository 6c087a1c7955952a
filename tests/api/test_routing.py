"""Ids outside 1..2**31-1 name nothing: a 404 for every method, never a 405 that hints at a route."""
import pytest

from tests.conftest import bearer, make_user_with_token

TOO_BIG = [2**31, 2**63, 10**30]


@pytest.mark.parametrize("id_", [*TOO_BIG, 0])
@pytest.mark.parametrize("method,path", [
    ("DELETE", "/api/v1/events/{}"),
    ("PATCH", "/api/v1/events/{}"),
    ("GET", "/api/v1/events/{}"),
    ("DELETE", "/api/v1/contacts/{}"),
    ("PATCH", "/api/v1/contacts/{}"),
    ("POST", "/api/v1/contacts/{}/merge"),
    ("POST", "/api/v1/contacts/{}/interactions"),
    ("PUT", "/api/v1/contacts/{}/tier"),
    ("PATCH", "/api/v1/followups/{}"),
    ("POST", "/api/v1/followups/{}/resend"),
    ("PATCH", "/api/v1/promises/{}"),
    ("DELETE", "/api/v1/auth/tokens/{}"),
])
def test_an_id_out_of_range_is_a_json_404_for_every_method(client, method, path, id_):
    user = make_user_with_token()
    response = client.open(path.format(id_), method=method, json={}, headers=bearer(user.token))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/events/2147483648/edit", "/contacts/99999999999999999999/delete"])
def test_an_id_out_of_range_on_a_page_is_a_404_page(client, auth, path):
    user = make_user_with_token()
    auth.login(user.email)
    response = client.post(path, data={"csrf_token": auth.csrf()})
    assert response.status_code == 404 and "<html" in response.get_data(as_text=True)


def test_a_method_a_route_never_takes_is_still_a_405(client):
    user = make_user_with_token()
    response = client.put("/api/v1/events/1", json={}, headers=bearer(user.token))
    assert response.status_code == 405 and "GET" in response.headers["Allow"]

"""The language switch goes back to the page it came from, never to another site."""
import pytest

from webapp.urls import safe_next

OFF_SITE = ["//evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "\t//evil.example",
            "/\\evil.example", "\\\\evil.example", "https://evil.example/", "javascript:alert(1)",
            "/\x00/evil.example", " //evil.example", "evil.example", "///evil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_never_redirects_off_site(client, auth, target):
    response = client.post("/lang/en", data={"next": target, "csrf_token": auth.csrf("/login")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_returns_to_the_same_site_page(client, auth):
    response = client.post("/lang/ja", data={"next": "/contacts?q=%E5%B1%B1&tier=grow", "csrf_token": auth.csrf("/login")})
    assert response.headers["Location"] == "/contacts?q=%E5%B1%B1&tier=grow"
    assert "lang=ja" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_keeps_only_same_site_paths(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/", "/contacts/3", "/c/abc?e=x#top", "/login?next=/x"])
def test_safe_next_keeps_a_plain_path(app, target):
    with app.test_request_context():
        assert safe_next(target) == target

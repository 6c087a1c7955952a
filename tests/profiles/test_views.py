"""Pages: the edit form with its preview and coach, the public card (HTML, JSON, vCard, QR), /qr."""
import re

import pytest
import vobject

from tests.conftest import bearer, make_user
from tests.profiles.helpers import FULL_PROFILE, decode_png, decode_svg, fill_profile, rasterise_svg
from webapp.extensions import db
from webapp.profiles import qr
from webapp.profiles.services import get_profile_for as _get_profile_for

CARD_URL = re.compile(r"^https://ichigo\.test/c/[a-z0-9]{14}$")


def get_profile_for(user):
    """The profile as stored now (requests ran in their own sessions; drop this one's snapshot)."""
    db.session.rollback()
    return _get_profile_for(user)


def form_of(**overrides):
    data = {key: value for key, value in FULL_PROFILE.items() if key not in ("links", "signature_color")}
    data.update(links="\r\n".join(FULL_PROFILE["links"]), use_color="1",
                signature_color=FULL_PROFILE["signature_color"])
    data.update(overrides)
    return data


# --- the edit page -------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/profile", "/qr"])
def test_own_pages_require_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_edit_page_has_form_preview_and_coach(client, logged_in):
    html = client.get("/profile").get_data(as_text=True)
    assert 'name="csrf_token"' in html and 'id="profile-form"' in html
    assert 'id="card"' in html and 'id="keyword-advice"' in html
    assert "/static/js/profile-edit.js" in html and 'type="module"' in html
    assert "<script>" not in html  # no inline script under the CSP


def test_posting_the_form_saves_through_the_same_schema(client, auth, logged_in):
    token = auth.csrf("/profile")
    response = client.post("/profile", data={**form_of(), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile?saved=1")
    profile = get_profile_for(logged_in)
    assert (profile.keyword, profile.links, profile.signature_color) == (
        FULL_PROFILE["keyword"], FULL_PROFILE["links"], "#1e6b52")


def test_unchecked_colour_box_clears_the_colour(client, auth, logged_in):
    token = auth.csrf("/profile")
    client.post("/profile", data={**form_of(use_color=""), "csrf_token": token})
    assert get_profile_for(logged_in).signature_color is None


@pytest.mark.parametrize("field,value,message", [
    ("keyword", "", "required"),
    ("keyword", "<b>bold</b>", "HTML"),
    ("current_work", "one\r\ntwo", "Line breaks"),
    ("name", "x" * 101, "At most 100"),
    ("links", "https://ok.example\r\njavascript:alert(1)", "Link 2"),
    ("links", "data:text/html,hi", "Link 1"),
    ("public_email", "not-an-email", "email"),
])
def test_bad_form_input_is_shown_again_with_the_message_by_the_field(client, auth, logged_in, field, value, message):
    token = auth.csrf("/profile")
    response = client.post("/profile", data={**form_of(**{field: value}), "csrf_token": token})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="{field}-error" role="alert">([^<]*)</p>', html)
    assert error and message in error.group(1)
    assert 'aria-invalid="true"' in html
    assert not get_profile_for(logged_in).keyword  # nothing saved


def test_form_post_without_csrf_token_is_refused(client, logged_in):
    response = client.post("/profile", data=form_of())
    assert response.status_code == 400
    assert not get_profile_for(logged_in).keyword


def test_show_qr_page_shows_the_code_keyword_and_name(client, auth, owner):
    auth.login(owner.email)
    html = client.get("/qr").get_data(as_text=True)
    slug = get_profile_for(owner).slug
    assert f'src="/c/{slug}/qr.svg"' in html
    assert FULL_PROFILE["keyword"] in html and FULL_PROFILE["name"] in html
    assert "/static/js/show-qr.js" in html


def test_show_qr_page_asks_for_name_and_keyword_first(client, logged_in):
    html = client.get("/qr").get_data(as_text=True)
    assert "qr.svg" not in html
    assert 'href="/profile"' in html and "not public yet" in html


# --- the public card -----------------------------------------------------------------------

def test_card_page_shows_the_brand(client, card_path):
    response = client.get(card_path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'<h1 class="card-keyword"[^>]*>AIと教育を掛け合わせる仕事をしています</h1>', html)
    for key in ("name", "name_reading", "current_work", "why_here", "next_challenge", "signature_text",
                "offers", "asks", "company", "title", "public_email"):
        assert FULL_PROFILE[key] in html, key
    assert 'href="https://example.com/taro" rel="noopener nofollow ugc"' in html
    assert f'href="{card_path}.vcf"' in html
    assert "<style>#card{--sig:#1e6b52}</style>" in html
    csp = response.headers["Content-Security-Policy"]
    assert "'sha256-" in csp and "unsafe-inline" not in csp


def test_card_page_leaves_out_what_is_empty(client, app):
    user = make_user()
    fill_profile(user, company="", title="", public_email=None, public_phone="", signature_color=None)
    html = client.get(f"/c/{get_profile_for(user).slug}").get_data(as_text=True)
    assert "mailto:" not in html and "<style>" not in html


@pytest.mark.parametrize("suffix", ["", ".vcf", "/qr.svg", "/qr.png"])
def test_unknown_slug_is_a_404_page(client, suffix):
    response = client.get(f"/c/nosuchslug2345{suffix}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_unknown_slug_json_is_a_404_json(client):
    response = client.get("/c/nosuchslug2345.json")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "card_not_found"


@pytest.mark.parametrize("suffix", ["", ".json", ".vcf", "/qr.svg", "/qr.png"])
def test_card_without_name_and_keyword_is_not_found(client, app, suffix):
    user = make_user()
    assert client.get(f"/c/{get_profile_for(user).slug}{suffix}").status_code == 404


def test_card_json_has_only_public_fields(client, card_path):
    body = client.get(card_path + ".json").get_json()
    assert set(body) == set(FULL_PROFILE) | {"slug", "card_url"}
    assert body["card_url"] == "https://ichigo.test" + card_path
    assert {key: body[key] for key in FULL_PROFILE} == FULL_PROFILE


def test_vcard_download(client, card_path):
    response = client.get(card_path + ".vcf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/vcard; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%E5%B1%B1%E7%94%B0" in disposition
    raw = response.data
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    card = vobject.readOne(raw.decode("utf-8"))
    assert (card.n.value.family, card.n.value.given) == ("山田", "太郎")
    assert card.url.value == "https://ichigo.test" + card_path
    assert card.email.value == "taro@example.org"
    assert FULL_PROFILE["keyword"] in card.note.value


def test_private_data_never_appears_on_the_card_json_vcard_or_qr(client, owner, card_path):
    marker = "private-marker-9c1"
    assert marker in owner.email
    bodies = [client.get(card_path + suffix).data for suffix in ("", ".json", ".vcf", "/qr.svg", "/qr.png")]
    for body in bodies:
        assert marker.encode() not in body.lower()
        assert owner.token.encode() not in body
        assert owner.plain_password.encode() not in body
    assert marker not in decode_png(bodies[4])[0].text.lower()
    assert marker not in decode_svg(bodies[3])[0].text.lower()


def test_login_email_is_not_shown_even_to_the_owner(client, auth, owner, card_path):
    auth.login(owner.email)
    for path in (card_path, card_path + ".json", card_path + ".vcf", "/qr"):
        assert b"private-marker-9c1" not in client.get(path).data.lower()


# --- QR codes ------------------------------------------------------------------------------

def test_png_qr_decodes_to_exactly_the_card_url(client, card_path):
    response = client.get(card_path + "/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    [result] = decode_png(response.data)
    assert result.text == "https://ichigo.test" + card_path and CARD_URL.match(result.text)
    assert result.format.name == "QRCode" and result.ec_level == "M"


def test_svg_qr_decodes_to_exactly_the_card_url_in_the_signature_colour(client, card_path):
    response = client.get(card_path + "/qr.svg")
    assert response.mimetype == "image/svg+xml"
    [result] = decode_svg(response.data)
    assert result.text == "https://ichigo.test" + card_path
    assert result.format.name == "QRCode" and result.ec_level == "M"
    assert rasterise_svg(response.data)[1] == "#1e6b52"


def test_low_contrast_colour_falls_back_to_black(client, app):
    user = make_user()
    fill_profile(user, signature_color="#ffdd00")
    slug = get_profile_for(user).slug
    _image, fill = rasterise_svg(client.get(f"/c/{slug}/qr.svg").data)
    assert fill == qr.BLACK
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(client.get(f"/c/{slug}/qr.png?size=128").data)).convert("RGB")
    assert {colour for _n, colour in image.getcolors()} == {(0, 0, 0), (255, 255, 255)}


def test_qr_uses_the_request_origin_without_public_base_url(backend, tmp_path):
    from tests.conftest import build_app
    from tests.conftest import FreshContextClient

    app = build_app(backend, tmp_path, PUBLIC_BASE_URL=None)
    with app.app_context():
        user = make_user()
        fill_profile(user)
        slug = get_profile_for(user).slug
        app.test_client_class = FreshContextClient
        response = app.test_client().get(f"/c/{slug}/qr.png", base_url="http://192.168.1.20:5000/")
        assert decode_png(response.data)[0].text == f"http://192.168.1.20:5000/c/{slug}"
        from webapp.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("size", ["128", "1000", "2048"])
def test_png_size_within_bounds(client, card_path, size):
    from io import BytesIO

    from PIL import Image

    response = client.get(f"{card_path}/qr.png?size={size}")
    assert response.status_code == 200
    assert Image.open(BytesIO(response.data)).size == (int(size), int(size))


@pytest.mark.parametrize("size", ["127", "2049", "0", "-512", "abc", "512.0", "", "１２８", "9" * 5000])
@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_size_out_of_bounds_or_not_a_whole_number_is_400(client, card_path, size, fmt):
    assert client.get(f"{card_path}/qr.{fmt}?size={size}").status_code == 400


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_qr_has_etag_cache_control_and_answers_304(client, card_path, fmt):
    first = client.get(f"{card_path}/qr.{fmt}")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and "max-age=3600" in first.headers["Cache-Control"]
    assert "public" in first.headers["Cache-Control"]
    again = client.get(f"{card_path}/qr.{fmt}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    stale = client.get(f"{card_path}/qr.{fmt}", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_etag_changes_when_the_colour_changes(client, owner, card_path):
    before = client.get(card_path + "/qr.svg").headers["ETag"]
    fill_profile(owner, signature_color="#8b0000")
    after = client.get(card_path + "/qr.svg", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before


def test_qr_is_rendered_once_then_served_from_the_cache(client, app, card_path):
    cache = app.extensions["ichigo_qr_cache"]
    for _ in range(3):
        client.get(card_path + "/qr.png?size=256")
    assert cache.renders == 1


def test_profile_saved_over_the_api_shows_on_the_card(client, app):
    from tests.conftest import make_token

    token = make_token(make_user())
    body = client.put("/api/v1/profile", json={"name": "Jane Doe", "keyword": "I build AI tools for teachers"},
                      headers=bearer(token)).get_json()
    html = client.get(f"/c/{body['slug']}").get_data(as_text=True)
    assert "I build AI tools for teachers" in html and "Jane Doe" in html


# --- the card page stays cheap -------------------------------------------------------------

def test_card_page_is_rendered_once_and_keeps_its_style_hash(client, app, card_path):
    cache = app.extensions["ichigo_card_cache"]
    responses = [client.get(card_path) for _ in range(3)]
    assert cache.misses == 1
    # the same page every time, but for the share-back form's render stamp (a tenth of a second)
    pages = {re.sub(r'name="stamp" value="[^"]+"', "", r.get_data(as_text=True)) for r in responses}
    assert len(pages) == 1
    assert all(re.search(r'name="stamp" value="[^"]+"', r.get_data(as_text=True)) for r in responses)
    for response in responses:
        assert "'sha256-" in response.headers["Content-Security-Policy"]


def test_card_page_shows_an_edit_at_once(client, owner, card_path):
    client.get(card_path)
    fill_profile(owner, keyword="I build AI tools for teachers")
    assert "I build AI tools for teachers" in client.get(card_path).get_data(as_text=True)


def test_card_page_sets_no_cookie_and_has_no_account_menu(client, card_path):
    response = client.get(card_path)
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert 'name="csrf-token"' not in html and "/logout" not in html

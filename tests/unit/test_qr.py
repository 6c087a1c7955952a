"""QR rendering: a normal QR code (EC level M, 4-module quiet zone) that real decoders read."""
import io

import pytest
import zxingcpp
from PIL import Image

from tests.profiles.helpers import dark_bbox, decode_png, decode_svg, rasterise_svg
from webapp.profiles import qr

URL = "https://ichigo.test/c/abcdefghijkmnp"


def assert_normal_qr_of(results, text):
    assert len(results) == 1
    result = results[0]
    assert result.valid
    assert result.text == text
    assert result.format == zxingcpp.BarcodeFormat.QRCode  # not Micro QR, not rMQR
    assert result.ec_level == "M"


@pytest.mark.parametrize("size", [128, 512, 2048])
def test_png_decodes_to_exactly_the_url_at_every_size(size):
    data = qr.render_png(URL, qr.BLACK, size)
    assert Image.open(io.BytesIO(data)).size == (size, size)
    assert_normal_qr_of(decode_png(data), URL)


def test_svg_decodes_to_exactly_the_url():
    assert_normal_qr_of(decode_svg(qr.render_svg(URL)), URL)


def test_long_url_still_fits_a_normal_qr():
    long_url = "https://a-rather-long-public-base-url.example.org/ichigo/c/abcdefghijkmnp"
    assert_normal_qr_of(decode_png(qr.render_png(long_url, qr.BLACK, 512)), long_url)


def test_matrix_has_a_four_module_quiet_zone():
    rows = qr.matrix(URL)
    n = len(rows)
    border = [rows[y][x] for y in range(n) for x in range(n) if min(x, y, n - 1 - x, n - 1 - y) < 4]
    assert not any(border)
    assert any(rows[4][4:11])  # the finder pattern starts right after the quiet zone


def test_svg_quiet_zone_is_four_modules():
    image, _ = rasterise_svg(qr.render_svg(URL), scale=1)
    left, top, right, bottom = dark_bbox(image)
    assert (left, top) == (4, 4)
    assert image.width - right == 4 and image.height - bottom == 4


def test_png_quiet_zone_is_at_least_four_modules():
    rows = qr.matrix(URL)
    size = 512
    module = size // len(rows)
    image = Image.open(io.BytesIO(qr.render_png(URL, qr.BLACK, size)))
    left, top, right, bottom = dark_bbox(image)
    assert min(left, top, size - right, size - bottom) >= 4 * module


@pytest.mark.parametrize("colour,expected", [
    ("#1e6b52", "#1e6b52"),  # dark green, 6.4:1
    ("#767676", "#767676"),  # 4.54:1, just enough
    ("#777777", qr.BLACK),   # 4.48:1, just too light
    ("#ffcc00", qr.BLACK),   # yellow
    ("#FFFFFF", qr.BLACK),
    (None, qr.BLACK),
])
def test_signature_colour_is_used_only_with_enough_contrast(colour, expected):
    assert qr.module_colour(colour) == expected


def test_contrast_ratio_matches_wcag():
    assert qr.contrast_ratio("#000000") == pytest.approx(21.0)
    assert qr.contrast_ratio("#ffffff") == pytest.approx(1.0)
    assert qr.contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)


def test_coloured_png_draws_modules_in_that_colour_and_still_decodes():
    data = qr.render_png(URL, "#1e6b52", 256)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert {colour for _count, colour in image.getcolors()} == {(255, 255, 255), (0x1E, 0x6B, 0x52)}
    assert_normal_qr_of(decode_png(data), URL)


def test_coloured_svg_fills_modules_with_that_colour():
    data = qr.render_svg(URL, "#1e6b52")
    _image, fill = rasterise_svg(data)
    assert fill == "#1e6b52"
    assert_normal_qr_of(decode_svg(data), URL)


def test_cache_renders_each_key_once_and_evicts_the_oldest():
    cache = qr.QrCache(maxsize=2)
    first = cache.get("png", URL, qr.BLACK, 128)
    assert cache.get("png", URL, qr.BLACK, 128) is first
    assert cache.renders == 1
    cache.get("svg", URL, qr.BLACK, None)
    cache.get("png", URL, "#1e6b52", 128)
    assert len(cache) == 2
    cache.get("png", URL, qr.BLACK, 128)
    assert cache.renders == 4


def test_etag_changes_with_what_is_drawn():
    cache = qr.QrCache()
    assert cache.get("png", URL, qr.BLACK, 128).etag != cache.get("png", URL, "#1e6b52", 128).etag
    assert cache.get("png", URL, qr.BLACK, 128).etag != cache.get("png", URL, qr.BLACK, 256).etag


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        qr.render("gif", URL, qr.BLACK, 128)

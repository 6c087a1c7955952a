"""Test helpers for cards and QR codes: a filled profile, and real QR decoding of served bytes."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import zxingcpp
from PIL import Image, ImageDraw

SVG_NS = "{http://www.w3.org/2000/svg}"

FULL_PROFILE = {
    "name": "山田 太郎",
    "name_reading": "やまだ たろう",
    "keyword": "AIと教育を掛け合わせる仕事をしています",
    "current_work": "小学校の先生向けに、採点を手伝うAIツールを作っています。",
    "why_here": "教育現場の課題を直接聞きたくて来ました。",
    "next_challenge": "地方の学校での実証実験",
    "signature_color": "#1e6b52",
    "signature_text": "いつも緑のスカーフ",
    "offers": "AI導入の相談",
    "asks": "現場の先生の声",
    "links": ["https://example.com/taro", "https://social.example/@taro"],
    "public_email": "taro@example.org",
    "public_phone": "+81 90-1234-5678",
    "company": "いちご教育株式会社",
    "title": "代表",
}


def fill_profile(user, **overrides):
    """Save a complete public profile for ``user`` through the service layer."""
    from webapp.profiles.schemas import ProfileIn
    from webapp.profiles.services import update_profile

    return update_profile(user, ProfileIn().load({**FULL_PROFILE, **overrides}))


def decode(image: Image.Image):
    """Every barcode zxing-cpp finds in an image."""
    return zxingcpp.read_barcodes(image)


def decode_png(data: bytes):
    return decode(Image.open(io.BytesIO(data)))


def rasterise_svg(data: bytes, scale: int = 8) -> tuple[Image.Image, str]:
    """Draw a served QR SVG with Pillow: its background <rect> and the axis-aligned subpaths
    (M, h, v, H, V, z) of its <path>. Returns the image and the path's fill colour."""
    root = ET.fromstring(data)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    image = Image.new("RGB", (int(width * scale), int(height * scale)), "white")
    draw = ImageDraw.Draw(image)
    for rect in root.iter(f"{SVG_NS}rect"):
        x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
        w, h = float(rect.get("width")), float(rect.get("height"))
        draw.rectangle((x * scale, y * scale, (x + w) * scale - 1, (y + h) * scale - 1), fill=rect.get("fill"))
    fill = "#000000"
    for path in root.iter(f"{SVG_NS}path"):
        fill = path.get("fill", "#000000")
        for sub in re.findall(r"M[^M]+", path.get("d")):
            points, x, y = [], 0.0, 0.0
            for cmd, arg in re.findall(r"([MhvHVz])\s*([-\d.]*(?:[ ,][-\d.]+)?)", sub):
                if cmd == "M":
                    x, y = (float(v) for v in re.split(r"[ ,]", arg.strip()))
                elif cmd == "h":
                    x += float(arg)
                elif cmd == "v":
                    y += float(arg)
                elif cmd == "H":
                    x = float(arg)
                elif cmd == "V":
                    y = float(arg)
                points.append((x, y))
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            draw.rectangle((min(xs) * scale, min(ys) * scale, max(xs) * scale - 1, max(ys) * scale - 1), fill=fill)
    return image, fill


def decode_svg(data: bytes):
    image, _fill = rasterise_svg(data)
    return decode(image)


def dark_bbox(image: Image.Image) -> tuple[int, int, int, int]:
    """Bounding box of the non-white pixels."""
    grey = image.convert("L").point(lambda v: 255 if v < 250 else 0)
    return grey.getbbox()

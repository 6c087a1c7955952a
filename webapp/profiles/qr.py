"""QR codes for card URLs: a normal QR, error correction M, 4-module quiet zone, as SVG or PNG.

Rendering is pure and deterministic; ``QrCache`` keeps rendered images in memory so a busy
meetup (everyone opening the same few cards) never renders the same code twice.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from webapp.profiles.lru import LRU

BORDER = 4
BLACK = "#000000"
WHITE = "#ffffff"
MIN_CONTRAST = 4.5
PNG_SIZES = (128, 2048)
DEFAULT_SIZE = 512
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG 2 relative luminance of "#rrggbb"."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str = WHITE) -> float:
    """WCAG 2 contrast ratio between two "#rrggbb" colours (1.0 to 21.0)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def module_colour(signature_color: str | None) -> str:
    """The signature colour when it contrasts enough with white (≥ 4.5:1), else black."""
    if signature_color and contrast_ratio(signature_color.lower()) >= MIN_CONTRAST:
        return signature_color.lower()
    return BLACK


def matrix(data: str) -> list[list[bool]]:
    """The module matrix of a normal QR code (EC level M), quiet zone included."""
    code = qrcode.QRCode(version=None, error_correction=ERROR_CORRECT_M, border=BORDER)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def render_svg(data: str, colour: str = BLACK, size: int | None = None) -> bytes:
    """An SVG in module units (scales crisply to any width), dark runs drawn as one path."""
    rows = matrix(data)
    n = len(rows)
    parts = []
    for y, row in enumerate(rows):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    dims = f' width="{size}" height="{size}"' if size else ""
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}"{dims} '
        f'shape-rendering="crispEdges" role="img">'
        f'<rect width="{n}" height="{n}" fill="{WHITE}"/>'
        f'<path fill="{colour}" d="{"".join(parts)}"/></svg>'
    )
    return svg.encode("ascii")


def render_png(data: str, colour: str = BLACK, size: int = DEFAULT_SIZE) -> bytes:
    """A size×size PNG: whole pixels per module, centred, the margin adding to the quiet zone."""
    rows = matrix(data)
    n = len(rows)
    scale = max(1, size // n)
    palette = [255, 255, 255, *(int(colour[i:i + 2], 16) for i in (1, 3, 5))]
    modules = Image.frombytes("P", (n, n), bytes(1 if dark else 0 for row in rows for dark in row))
    modules = modules.resize((n * scale, n * scale), Image.Resampling.NEAREST)
    side = max(size, n * scale)
    canvas = Image.new("P", (side, side), 0)
    offset = (side - n * scale) // 2
    canvas.paste(modules, (offset, offset))
    canvas.putpalette(palette)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render(fmt: str, data: str, colour: str, size: int) -> bytes:
    if fmt == "svg":
        return render_svg(data, colour, size)
    if fmt == "png":
        return render_png(data, colour, size)
    raise ValueError(f"unknown QR format {fmt!r}")


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    media_type: str


class QrCache:
    """Rendered QR images keyed by (format, data, colour, size): each is drawn once."""

    def __init__(self, maxsize: int = 512):
        self._lru: LRU[Rendered] = LRU(maxsize)

    def get(self, fmt: str, data: str, colour: str, size: int | None) -> Rendered:
        def draw() -> Rendered:
            body = render(fmt, data, colour, size)
            return Rendered(body, hashlib.sha256(body).hexdigest()[:32], MEDIA_TYPES[fmt])

        return self._lru.get_or_compute((fmt, data, colour, size), draw)

    @property
    def renders(self) -> int:
        return self._lru.misses

    def __len__(self) -> int:
        return len(self._lru)

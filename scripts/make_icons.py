"""Draw Ichigo's strawberry icon once and write it as SVG and PNGs (Pillow).

Run: .venv/bin/python /tmp/make_icons.py static/icons
"""
import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw

RED, SEED, LEAF, STEM, CREAM = "#c8102e", "#ffe3a8", "#3f8f3a", "#2e6b2a", "#fff4ee"

# Geometry on a 100 x 100 canvas.
BODY = [  # start point, then cubic segments (c1, c2, end)
    (50, 94),
    ((31, 89), (11, 64), (12, 45)),
    ((13, 30), (28, 23), (50, 25)),
    ((72, 23), (87, 30), (88, 45)),
    ((89, 64), (69, 89), (50, 94)),
]
SEEDS = [(33, 44), (50, 46), (67, 44), (25, 58), (41, 56), (59, 56), (75, 58),
         (34, 70), (50, 69), (66, 70), (43, 81), (57, 81)]
CALYX_CENTRE = (50, 28)
LEAVES = [(20, 25), (90, 12), (160, 25), (210, 20), (330, 20)]  # (angle in degrees, y down; length)
STEM_RECT = (47.5, 9, 52.5, 28)


def calyx_points():
    cx, cy = CALYX_CENTRE
    pts = []
    angles = [a for a, _ in LEAVES]
    for i, (a, length) in enumerate(LEAVES):
        nxt = angles[(i + 1) % len(angles)]
        gap = (nxt - a) % 360
        for da, r in ((-13, 10), (0, length), (13, 10)):
            t = math.radians(a + da)
            pts.append((cx + r * math.cos(t), cy + r * math.sin(t)))
        mid = math.radians(a + gap / 2)
        pts.append((cx + 5 * math.cos(mid), cy + 5 * math.sin(mid)))
    return pts


def body_points(steps=40):
    pts = [BODY[0]]
    p0 = BODY[0]
    for c1, c2, p3 in BODY[1:]:
        for i in range(1, steps + 1):
            t = i / steps
            u = 1 - t
            pts.append(tuple(u**3 * p0[k] + 3 * u * u * t * c1[k] + 3 * u * t * t * c2[k] + t**3 * p3[k]
                             for k in range(2)))
        p0 = p3
    return pts


def svg() -> str:
    f = lambda v: f"{v:.1f}".rstrip("0").rstrip(".")
    d = f"M{f(BODY[0][0])} {f(BODY[0][1])}" + "".join(
        "C" + " ".join(f"{f(x)} {f(y)}" for x, y in seg) for seg in BODY[1:]) + "Z"
    seeds = "".join(f'<ellipse cx="{x}" cy="{y}" rx="2.2" ry="3.2"/>' for x, y in SEEDS)
    calyx = " ".join(f"{f(x)},{f(y)}" for x, y in calyx_points())
    x0, y0, x1, y1 = STEM_RECT
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        f'<path fill="{RED}" d="{d}"/>'
        f'<g fill="{SEED}">{seeds}</g>'
        f'<rect fill="{STEM}" x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="2.5"/>'
        f'<polygon fill="{LEAF}" stroke="{LEAF}" stroke-width="2" stroke-linejoin="round" points="{calyx}"/>'
        "</svg>\n"
    )


def png(size: int, *, maskable: bool) -> Image.Image:
    ss = 4
    big = size * ss
    img = Image.new("RGBA", (big, big), CREAM if maskable else (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    # Maskable: keep the drawing inside the central 80 % safe circle.
    scale = big / 100 * (0.7 if maskable else 0.96)
    off = (big - 100 * scale) / 2
    tx = lambda pts: [(off + x * scale, off + y * scale) for x, y in pts]
    draw.polygon(tx(body_points()), fill=RED)
    for x, y in SEEDS:
        (ax, ay), (bx, by) = tx([(x - 2.2, y - 3.2), (x + 2.2, y + 3.2)])
        draw.ellipse((ax, ay, bx, by), fill=SEED)
    (ax, ay), (bx, by) = tx([STEM_RECT[:2], STEM_RECT[2:]])
    draw.rounded_rectangle((ax, ay, bx, by), radius=2.5 * scale, fill=STEM)
    draw.polygon(tx(calyx_points()), fill=LEAF)
    img = img.resize((size, size), Image.LANCZOS)
    return img.quantize(colors=48, method=Image.Quantize.FASTOCTREE)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "icon.svg").write_text(svg())
    png(192, maskable=False).save(out / "icon-192.png", optimize=True)
    png(512, maskable=False).save(out / "icon-512.png", optimize=True)
    png(512, maskable=True).save(out / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""Garments the project draws itself: flat product shots for tests, examples and benchmarks.

Every garment is a polygon on a flat light background, anti-aliased, with a little fabric
shading and a few seam lines, like a cut-out product photo. Its outline is built from named
points that use the landmark names of :mod:`pipelines.garment_landmarks` where one applies
("left" = the wearer's left = image right), so tests can compare found landmarks with the
drawn ones: ``tshirt_points(size)["armpit_left"]`` is where the drawn armpit is.

Sizes are ``(width, height)`` in pixels; colours are RGB.
"""

from __future__ import annotations

import io
from typing import Literal

import cv2
import numpy as np
from PIL import Image

Size = tuple[int, int]
Colour = tuple[int, int, int]
Sleeves = Literal["short", "long", "none"]
Points = dict[str, tuple[float, float]]

WHITE: Colour = (255, 255, 255)
# Sub-pixel precision of cv2's polygon drawing (coordinates are multiplied by 2**SHIFT).
SHIFT = 4


# ---------------------------------------------------------------- outlines (named points)


def _scaled(fractions: dict[str, tuple[float, float]], size: Size) -> Points:
    w, h = size
    return {k: (x * w, y * h) for k, (x, y) in fractions.items()}


def _mirror(right: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """The wearer's-right (image left) points plus their mirror images as the left side."""
    out = dict(right)
    for k, (x, y) in right.items():
        if "right" in k:
            out[k.replace("right", "left")] = (1.0 - x, y)
    return out


def tshirt_points(size: Size = (600, 700), sleeves: Sleeves = "short") -> Points:
    """The drawn top's landmarks (and the outline's other corners) in pixels."""
    right = {
        "neck_right": (0.40, 0.05),
        "shoulder_right": (0.23, 0.11),
        "armpit_right": (0.25, 0.33),
        "hem_right": (0.26, 0.97),
    }
    if sleeves == "short":
        right.update(sleeve_right_outer=(0.05, 0.33), sleeve_right_inner=(0.13, 0.43))
    elif sleeves == "long":
        right.update(sleeve_right_outer=(0.02, 0.84), sleeve_right_inner=(0.15, 0.87), armpit_right=(0.25, 0.30))
    else:  # a tank top: straps from the neck to the shoulders, armholes down to the armpits
        right.update(shoulder_right=(0.31, 0.05), armpit_right=(0.24, 0.32))
    points = _mirror(right)
    points["neck_centre"] = (0.5, 0.09)  # the lowest point of the neckline curve
    points["hem_centre"] = (0.5, 0.97)
    return _scaled(points, size)


def tshirt_outline(size: Size = (600, 700), sleeves: Sleeves = "short") -> np.ndarray:
    """The top's outline, clockwise on screen from the right neck point, as (N, 2) pixels."""
    p = tshirt_points(size, sleeves)
    w, h = size
    neck = _curve(p["neck_left"], (0.5 * w, 0.13 * h), p["neck_right"])
    if sleeves == "none":
        right_arm = [p["shoulder_right"], *_curve(p["shoulder_right"], (0.30 * w, 0.24 * h), p["armpit_right"])[1:]]
    else:
        right_arm = [p["shoulder_right"], p["sleeve_right_outer"], p["sleeve_right_inner"], p["armpit_right"]]
    left_arm = [_flip(q, w) for q in reversed(right_arm)]
    pts = [*neck, *right_arm, p["hem_right"], p["hem_left"], *left_arm]
    return np.array(pts, np.float64)


def trousers_points(size: Size = (500, 800)) -> Points:
    right = {
        "waist_right": (0.16, 0.02),
        "leg_right_outer": (0.08, 0.98),
        "leg_right_inner": (0.44, 0.98),
    }
    points = _mirror(right)
    points["crotch"] = (0.5, 0.36)
    return _scaled(points, size)


def trousers_outline(size: Size = (500, 800)) -> np.ndarray:
    p = trousers_points(size)
    order = ["waist_right", "waist_left", "leg_left_outer", "leg_left_inner", "crotch", "leg_right_inner", "leg_right_outer"]
    return np.array([p[k] for k in order], np.float64)


def skirt_points(size: Size = (560, 520)) -> Points:
    points = _mirror({"waist_right": (0.27, 0.03), "hem_right": (0.06, 0.96)})
    return _scaled(points, size)


def skirt_outline(size: Size = (560, 520)) -> np.ndarray:
    p = skirt_points(size)
    w, h = size
    hem = _curve(p["hem_left"], (0.5 * w, 0.99 * h), p["hem_right"])
    return np.array([p["waist_right"], p["waist_left"], *hem], np.float64)


def dress_points(size: Size = (560, 900)) -> Points:
    """A sleeveless dress: straps, a fitted waist and a flared skirt."""
    right = {
        "neck_right": (0.38, 0.02),
        "shoulder_right": (0.31, 0.02),
        "armpit_right": (0.24, 0.20),
        "waist_right": (0.30, 0.42),
        "hem_right": (0.08, 0.97),
    }
    points = _mirror(right)
    points["neck_centre"] = (0.5, 0.07)  # the lowest point of the neckline curve
    points["hem_centre"] = (0.5, 0.985)
    return _scaled(points, size)


def dress_outline(size: Size = (560, 900)) -> np.ndarray:
    p = dress_points(size)
    w, h = size
    neck = _curve(p["neck_left"], (0.5 * w, 0.12 * h), p["neck_right"])
    armhole = _curve(p["shoulder_right"], (0.29 * w, 0.14 * h), p["armpit_right"])
    side = _curve(p["armpit_right"], (0.27 * w, 0.33 * h), p["waist_right"])
    skirt = _curve(p["waist_right"], (0.2 * w, 0.65 * h), p["hem_right"])
    hem = _curve(p["hem_right"], (0.5 * w, 1.0 * h), p["hem_left"])
    right = [*armhole, *side[1:], *skirt[1:]]
    left = [_flip(q, w) for q in reversed(right)]
    return np.array([*neck, *right, *hem[1:-1], *left], np.float64)


def jacket_points(size: Size = (700, 800)) -> Points:
    """An open jacket with long sleeves hanging at an angle; the centre front runs from the
    bottom of the V-neck (``opening_top``) to the hem."""
    right = {
        "neck_right": (0.41, 0.04),
        "shoulder_right": (0.24, 0.10),
        "sleeve_right_outer": (0.05, 0.86),
        "sleeve_right_inner": (0.16, 0.88),
        "armpit_right": (0.26, 0.32),
        "hem_right": (0.27, 0.94),
    }
    points = _mirror(right)
    points["opening_top"] = (0.5, 0.45)
    points["opening_bottom"] = (0.5, 0.94)
    points["hem_centre"] = (0.5, 0.94)
    return _scaled(points, size)


def jacket_outline(size: Size = (700, 800)) -> np.ndarray:
    p = jacket_points(size)
    w, _ = size
    right_arm = [p["shoulder_right"], p["sleeve_right_outer"], p["sleeve_right_inner"], p["armpit_right"]]
    left_arm = [_flip(q, w) for q in reversed(right_arm)]
    return np.array([p["neck_left"], p["neck_right"], *right_arm, p["hem_right"], p["hem_left"], *left_arm], np.float64)


def silhouette(outline: np.ndarray, size: Size) -> np.ndarray:
    """The filled outline as a binary mask (HxW uint8, 255 inside), as drawn."""
    w, h = size
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [_fixed(outline)], 255, lineType=cv2.LINE_AA, shift=SHIFT)
    return ((mask > 127) * 255).astype(np.uint8)


# ---------------------------------------------------------------- drawn product shots


def striped_tshirt(
    size: Size = (600, 700),
    stripe_colour: Colour = (20, 40, 200),
    base: Colour = (240, 240, 240),
    bg: Colour = WHITE,
) -> np.ndarray:
    """A short-sleeved T-shirt with horizontal stripes."""
    w, h = size
    fabric = np.empty((h, w, 3), np.uint8)
    fabric[:] = base
    period = max(8, h // 14)
    rows = (np.arange(h) // (period // 2)) % 2 == 1
    fabric[rows] = stripe_colour
    return _product_shot(size, tshirt_outline(size, "short"), fabric, bg, seams=_tshirt_seams(size, "short"))


def solid_top(
    colour: Colour = (200, 60, 60),
    sleeves: Sleeves = "short",
    size: Size = (600, 700),
    bg: Colour = WHITE,
    print_colour: Colour | None = None,
) -> np.ndarray:
    """A plain top; ``print_colour`` adds a chest print (a disc with a ring) in that colour."""
    w, h = size
    fabric = np.empty((h, w, 3), np.uint8)
    fabric[:] = colour
    if print_colour is not None:
        centre = (w // 2, int(0.45 * h))
        cv2.circle(fabric, centre, int(0.12 * w), print_colour, -1, cv2.LINE_AA)
        cv2.circle(fabric, centre, int(0.06 * w), colour, max(2, w // 60), cv2.LINE_AA)
    return _product_shot(size, tshirt_outline(size, sleeves), fabric, bg, seams=_tshirt_seams(size, sleeves))


def trousers(colour: Colour = (40, 60, 110), size: Size = (500, 800), bg: Colour = (248, 248, 248)) -> np.ndarray:
    """Full-length trousers, front view: waistband, fly and pocket seams."""
    w, h = size
    p = trousers_points(size)
    fabric = np.empty((h, w, 3), np.uint8)
    fabric[:] = colour
    seam = _darker(colour)
    band_y = p["waist_left"][1] + 0.06 * h
    seams = [
        [(p["waist_right"][0], band_y), (p["waist_left"][0], band_y)],
        [(0.5 * w, band_y), (0.5 * w, 0.27 * h)],  # fly
        [(0.22 * w, band_y), (0.32 * w, 0.17 * h)],  # pockets
        [(0.78 * w, band_y), (0.68 * w, 0.17 * h)],
    ]
    return _product_shot(size, trousers_outline(size), fabric, bg, seams=seams, seam_colour=seam)


def skirt(colour: Colour = (150, 40, 90), size: Size = (560, 520), bg: Colour = WHITE) -> np.ndarray:
    """An A-line skirt with a waistband."""
    w, h = size
    p = skirt_points(size)
    fabric = np.empty((h, w, 3), np.uint8)
    fabric[:] = colour
    band_y = p["waist_left"][1] + 0.07 * h
    seams = [[(p["waist_right"][0] - 3, band_y), (p["waist_left"][0] + 3, band_y)]]
    return _product_shot(size, skirt_outline(size), fabric, bg, seams=seams)


def dress_with_word(
    word: str = "TRY",
    colour: Colour = (30, 120, 90),
    ink: Colour = WHITE,
    size: Size = (560, 900),
    bg: Colour = WHITE,
) -> np.ndarray:
    """A sleeveless dress with ``word`` printed across the chest in ``ink``."""
    w, h = size
    fabric = np.empty((h, w, 3), np.uint8)
    fabric[:] = colour
    scale = 0.0042 * w
    thickness = max(2, w // 70)
    (tw, th), _ = cv2.getTextSize(word, cv2.FONT_HERSHEY_DUPLEX, scale, thickness)
    origin = ((w - tw) // 2, int(0.30 * h) + th // 2)
    cv2.putText(fabric, word, origin, cv2.FONT_HERSHEY_DUPLEX, scale, ink, thickness, cv2.LINE_AA)
    p = dress_points(size)
    seams = [[(p["waist_right"][0] + 4, p["waist_right"][1]), (p["waist_left"][0] - 4, p["waist_left"][1])]]
    return _product_shot(size, dress_outline(size), fabric, bg, seams=seams)


def open_jacket(
    colour: Colour = (70, 75, 85),
    lining: Colour = (190, 40, 50),
    size: Size = (700, 800),
    bg: Colour = (245, 245, 245),
) -> np.ndarray:
    """A long-sleeved jacket lying open: the lining shows as a band down the centre front."""
    w, h = size
    p = jacket_points(size)
    fabric = np.empty((h, w, 3), np.uint8)
    fabric[:] = colour
    top = p["opening_top"][1]
    # The V-neck shows the lining too, from the neck points down to the opening's top.
    v = np.array([p["neck_right"], p["neck_left"], (0.52 * w, top), (0.48 * w, top)], np.float64)
    cv2.fillPoly(fabric, [_fixed(v)], lining, lineType=cv2.LINE_AA, shift=SHIFT)
    band = np.array([(0.48 * w, top), (0.52 * w, top), (0.52 * w, h), (0.48 * w, h)], np.float64)
    cv2.fillPoly(fabric, [_fixed(band)], lining, lineType=cv2.LINE_AA, shift=SHIFT)
    seams = [
        [p["shoulder_right"], p["armpit_right"]],
        [p["shoulder_left"], p["armpit_left"]],
        [(0.06 * w, 0.80 * h), (0.16 * w, 0.82 * h)],  # cuffs
        [(0.94 * w, 0.80 * h), (0.84 * w, 0.82 * h)],
    ]
    return _product_shot(size, jacket_outline(size), fabric, bg, seams=seams)


def with_alpha(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """HxWx4 RGBA from an RGB image and a matte."""
    return np.dstack([image, alpha]).astype(np.uint8)


def jpeg_bytes(image: np.ndarray, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


# ---------------------------------------------------------------- drawing


def _product_shot(
    size: Size,
    outline: np.ndarray,
    fabric: np.ndarray,
    bg: Colour,
    seams: list[list[tuple[float, float]]] = (),
    seam_colour: Colour | None = None,
) -> np.ndarray:
    """``fabric`` shaded and stitched, inside ``outline`` (anti-aliased), on a flat ``bg``."""
    w, h = size
    rng = np.random.default_rng(7)
    # Soft light from the top left and a faint weave: +-4% brightness, +-3 levels of noise.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1.02 - 0.04 * (xx / w + yy / h) / 2
    cloth = fabric.astype(np.float32) * light[:, :, None] + rng.normal(0, 1.5, (h, w, 1)).astype(np.float32)
    cloth = np.clip(cloth, 0, 255).astype(np.uint8)
    for line in seams:
        colour = seam_colour or _darker(tuple(int(v) for v in np.median(fabric.reshape(-1, 3), axis=0)))
        cv2.polylines(cloth, [_fixed(np.array(line, np.float64))], False, colour, 2, cv2.LINE_AA, shift=SHIFT)
    cover = np.zeros((h, w), np.uint8)
    cv2.fillPoly(cover, [_fixed(outline)], 255, lineType=cv2.LINE_AA, shift=SHIFT)
    a = cover.astype(np.float32)[:, :, None] / 255.0
    background = np.empty((h, w, 3), np.float32)
    background[:] = bg
    return (cloth * a + background * (1 - a) + 0.5).astype(np.uint8)


def _tshirt_seams(size: Size, sleeves: Sleeves) -> list[list[tuple[float, float]]]:
    p = tshirt_points(size, sleeves)
    w, h = size
    seams = [[(p["hem_right"][0] + 3, p["hem_right"][1] - 0.04 * h), (p["hem_left"][0] - 3, p["hem_left"][1] - 0.04 * h)]]
    seams.append(_curve(p["neck_left"], (0.5 * w, 0.16 * h), p["neck_right"]))
    if sleeves != "none":
        for side in ("right", "left"):
            o, i = np.array(p[f"sleeve_{side}_outer"]), np.array(p[f"sleeve_{side}_inner"])
            s = np.array(p[f"shoulder_{side}"])
            inset = (s - (o + i) / 2) * 0.12
            seams.append([tuple(o + inset), tuple(i + inset)])
    return seams


def _curve(a, control, b, n: int = 12) -> list[tuple[float, float]]:
    """A quadratic Bezier from a to b, as n points."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    a, c, b = (np.asarray(v, np.float64) for v in (a, control, b))
    pts = (1 - t) ** 2 * a + 2 * (1 - t) * t * c + t**2 * b
    return [tuple(p) for p in pts]


def _flip(p: tuple[float, float], w: float) -> tuple[float, float]:
    return w - p[0], p[1]


def _fixed(points: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(points, np.float64) * (1 << SHIFT)).astype(np.int32).reshape(-1, 1, 2)


def _darker(colour: Colour) -> Colour:
    return tuple(int(v * 0.7) for v in colour)

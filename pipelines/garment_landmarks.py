"""Landmarks of a flat garment, found on its silhouette (and, for jackets, its colours).

Conventions, shared with :mod:`pipelines.fitting`:

- Points are ``(x, y)`` pixel coordinates of the garment's cut-out (``Garment.rgba``).
- "left" and "right" are the WEARER's sides: a front-view garment's left side is on the
  IMAGE RIGHT (larger x), as MediaPipe's ``left_shoulder`` is for a person facing the camera.
- Tops, jackets and dresses: ``neck_left/right`` (neckline meets shoulder seam),
  ``neck_centre`` (bottom of the neckline seen in the silhouette, or top-centre for a collar),
  ``shoulder_left/right`` (where the sleeve starts), ``armpit_left/right`` (sleeve underside
  meets the body side; bottom of the armhole when sleeveless), ``sleeve_{side}_outer/inner``
  (corners of each sleeve opening, outer = on the shoulder's edge of the sleeve, absent when
  sleeveless), ``hem_left/right/centre``. Dresses add ``waist_left/right`` (narrowest width
  between armpits and hem); jackets with a visible centre front add ``opening_top/bottom``.
- Trousers: ``waist_left/right``, ``crotch``, ``leg_{side}_outer/inner`` (leg-opening corners).
  Skirts: ``waist_left/right``, ``hem_left/right``.

How: the silhouette is measured at ``LANDMARK_SIDE`` pixels. The hem is the run of the bottom
contour around the centre line; neck points end the highest run of the top contour on each
side; armpits are the outermost concave corners of the outline on each side (convex-hull
depth and turning angle along the contour); the body column runs from armpit to hem corner,
and what sticks out of it (wider than a strap, hanging from the armhole) is a sleeve, whose
opening corners are the sharpest convex corners of its far end; the shoulder is the corner
between neck point and sleeve. A landmark that cannot be found is estimated from the
bounding box and proportions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from pipelines.types import GarmentStyle, SleeveLength

log = logging.getLogger(__name__)

Point = tuple[float, float]

# Silhouettes are measured with this longest side (pixels): enough for corners, and fast.
LANDMARK_SIDE = 384
# Bottom-contour columns within this distance (fraction of height) of the centre hem are hem;
# gaps up to HEM_GAP (fraction of width) in that run are bridged (fringes, JPEG edges).
HEM_TOLERANCE = 0.06
HEM_GAP = 0.02
# The central band (fraction of width) whose median bottom is the hem line.
HEM_BAND = 0.2
# A concave corner at hem height at least this deep inside the convex hull (fraction of
# width) ends the hem: a hanging sleeve or strap starts there (those are ~0.2 deep; the
# notches of a scalloped or flowered hem ~0.09).
HEM_JUNCTION_DEPTH = 0.12
# Top-contour columns within this distance (fraction of height) of a side's highest point
# belong to the neckband (tops) or waistband (trousers, skirts).
NECK_TOLERANCE = 0.03
WAISTBAND_TOLERANCE = 0.05
# Neck points are searched this far from the centre line (fraction of half the width).
NECK_SEARCH = 0.8
# The silhouette dips between the neck points (straps, an open V) when the centre of the
# top contour lies this much (fraction of height) below both sides' highest points.
NECK_DIP = 0.03
# A top corner (neck point, waistband corner) is where moving outwards along the top run
# would cost more than this many pixels of drop per pixel: a shoulder slope (~0.4) or a
# skirt's side (~4) stops it, a flat collar or a gently curved waistband does not.
TOP_CORNER_SLOPE = 3.0
# Armpits are searched between these fractions of the neck -> hem length (dresses are long,
# so their armpits sit higher in relative terms); without a corner they go to the default.
ARMPIT_WINDOW: dict[str, tuple[float, float]] = {"top": (0.08, 0.75), "jacket": (0.08, 0.75), "dress": (0.04, 0.45)}
ARMPIT_DEFAULT: dict[str, float] = {"top": 0.3, "jacket": 0.3, "dress": 0.17}
# Armpits lie at least this far from the centre line (fraction of width) and half the neck's
# width: concave corners of the neckline (a V, a collar notch) are not armpits.
ARMPIT_MIN_OFFSET = 0.08
# Armpit corners lie at least ARMPIT_MIN_DEPTH (fraction of width) inside the convex hull
# (cuff and seam notches are shallower), and within ARMPIT_OUTERMOST of the outermost such
# corner's distance from the centre line.
ARMPIT_MIN_DEPTH = 0.03
ARMPIT_OUTERMOST = 0.8
# From a concave corner, the armpit slides down the body side (at most ARMPIT_SLIDE of the
# neck -> hem length) to where the side stops moving out by more than ARMPIT_SLIDE_SLOPE
# per unit of drop: an A-line flare (< ~25 degrees) keeps the armpit at the corner.
ARMPIT_SLIDE = 0.25
ARMPIT_SLIDE_SLOPE = 0.5
# Turning of the outline is measured between points this far along it (fractions of the
# perimeter); a concave turn of at least MIN_CORNER_TURN radians (~30 degrees) is a corner.
TURN_SCALES = (0.01, 0.02)
MIN_CORNER_TURN = 0.5
# A concave corner turning more than SLIT_TURN radians (~150 degrees) ends a slit or a V:
# its hidden vertex is found from lines fitted to its two edges between VERTEX_SKIP and
# VERTEX_REACH of the perimeter away, if they meet at VERTEX_MIN_ANGLE degrees or more.
SLIT_TURN = 2.6
VERTEX_SKIP = 0.01
VERTEX_REACH = 0.06
VERTEX_MIN_ANGLE = 3.0
# A sleeve is a part outside the body column at least this long (fraction of the neck -> hem
# length) and this wide (fraction of width), reaching this far sideways past the armpit
# (fraction of width), and at least this share of the garment's area. Straps (~7% of the
# width) and cap-sleeve bumps stay "none"; sleeves are 12-20% of a flat-lay's width.
SLEEVE_MIN_LENGTH = 0.12
SLEEVE_MIN_WIDTH = 0.085
SLEEVE_MIN_REACH = 0.05
SLEEVE_MIN_AREA = 0.025
# Sleeves at least this long (shoulder -> opening, over neck -> hem length) are "long"; a
# three-quarter sleeve (~0.6) counts as long, an elbow-length sleeve of a boxy tee as short.
LONG_SLEEVE = 0.6
# A part is elongated enough for its principal axis to be trusted at this eigenvalue ratio.
AXIS_ELONGATION = 2.0
# Weight of the sideways direction when picking the two corners at the end of a leg (0.7:
# the corner wins over a point slightly further along the axis, about 35 degrees).
CORNER_WEIGHT = 0.7
# A sleeve's opening corners are the sharpest convex corners of its outline (turning over
# FINE_TURN_SCALES of the perimeter, at least OPENING_MIN_TURN radians ~ 25 degrees) in its
# far end (the last SLEEVE_END_ZONE of its length), at least OPENING_CORNER_APART of the
# sleeve's width apart (a rounded tip has two nearby peaks).
FINE_TURN_SCALES = (0.005, 0.01)
OPENING_MIN_TURN = 0.45
SLEEVE_END_ZONE = 0.45
OPENING_CORNER_APART = 0.4
# A shoulder corner must bend the outline at least this far from the neck -> armpit-level
# chord (fraction of width); else the shoulder sits above the armpit.
SHOULDER_MIN_BEND = 0.015
# Shoulder seams end at most SHOULDER_MAX_DROP below the neck points (fraction of the
# neck -> hem length; a tee's is ~0.08); a shoulder estimated without a corner sits at
# most SHOULDER_DROP below them.
SHOULDER_MAX_DROP = 0.25
SHOULDER_DROP = 0.08
# Dress waist: searched between these fractions of armpit -> hem, ties broken towards the
# typical waist position.
WAIST_WINDOW = (0.1, 0.7)
WAIST_TYPICAL = 0.35
WAIST_TIE_WEIGHT = 0.05
# Jacket centre front: rows whose centre strip differs from its flanks by this CIE76 colour
# distance or shows background (a pale green placket on grey knit differs by ~12-20), over
# at least OPENING_MIN_LENGTH of the neck -> hem length, ending within OPENING_HEM_REACH of
# the hem. Strip and flank positions are fractions of width.
OPENING_COLOUR = 10.0
# Rows of the line interrupted by at most this (fraction of height: buttons) still count.
OPENING_GAP = 0.02
OPENING_MIN_LENGTH = 0.2
OPENING_HEM_REACH = 0.1
OPENING_STRIP = 0.02
OPENING_FLANK = (0.08, 0.15)
# The line's top is where its colour widens to this many times its width lower down, for at
# least OPENING_PERSIST of the height (fraction).
OPENING_WIDENING = 1.3
OPENING_PERSIST = 0.02
# Two legs: fabric runs at this height above the bottom (fraction of height), each at least
# LEG_MIN_WIDTH of the width, the gap between them centred within LEG_GAP_CENTRED of the
# centre line, with its top (the crotch) within CROTCH_CENTRED of it.
LEG_ROW = 0.03
LEG_MIN_WIDTH = 0.08
LEG_GAP_CENTRED = 0.15
CROTCH_CENTRED = 0.1
# The crotch may move up its legs' inner edges by at most this (fraction of height).
CROTCH_MAX_SHIFT = 0.15


@dataclass(frozen=True)
class LegSplit:
    """A gap between two legs, opening from the bottom of the silhouette."""

    crotch: Point  # top of the gap
    depth: float  # bottom -> crotch, as a fraction of the garment's height
    leg_widths: tuple[float, float]  # each leg at the bottom, as fractions of the width
    crotch_centred: bool  # the gap's top is on the centre line (not an off-centre slit)


@dataclass(frozen=True)
class GarmentShape:
    """What the silhouette says: landmarks (in the measured mask's pixels) and sleeves."""

    landmarks: dict[str, Point]
    sleeves: SleeveLength
    sleeve_sides: int  # sleeves seen sticking out of the body column (0, 1 or 2)
    corner_armpits: int  # armpits found as real concave corners (0, 1 or 2), not estimated


def measure(mask: np.ndarray, style: GarmentStyle, rgb: np.ndarray | None = None) -> GarmentShape:
    """Landmarks of the garment whose binary silhouette is ``mask`` (255 inside), in ``mask``
    pixels. ``rgb`` (same size) lets jackets look for their centre front."""
    h, w = mask.shape[:2]
    scale = min(1.0, LANDMARK_SIDE / max(h, w))
    small = _resize_mask(mask, scale)
    small_rgb = None if rgb is None else cv2.resize(rgb, small.shape[::-1], interpolation=cv2.INTER_AREA)
    try:
        shape = _measure(_Silhouette(small), style, small_rgb)
    except (ValueError, IndexError, FloatingPointError, cv2.error):
        # Odd silhouettes must not stop a try-on: fall back to proportions, but say so.
        log.warning("garment landmarks: detection failed, using proportions", exc_info=True)
        shape = _proportional(style, small)
    points = {name: _clip((x / scale, y / scale), w, h) for name, (x, y) in shape.landmarks.items()}
    return GarmentShape(points, shape.sleeves, shape.sleeve_sides, shape.corner_armpits)


def leg_split(mask: np.ndarray) -> LegSplit | None:
    """The gap between two trouser legs, if the silhouette has one (in ``mask`` pixels)."""
    h, w = mask.shape[:2]
    scale = min(1.0, LANDMARK_SIDE / max(h, w))
    small = _resize_mask(mask, scale)
    if not small.any():
        return None
    split = _leg_split(_Silhouette(small))
    if split is None:
        return None
    return LegSplit((split.crotch[0] / scale, split.crotch[1] / scale), split.depth, split.leg_widths, split.crotch_centred)


# ---------------------------------------------------------------- the silhouette


class _Silhouette:
    """A binary mask with its contours, profiles, hull depth and centre line, measured once."""

    def __init__(self, mask: np.ndarray) -> None:
        m = mask > 0
        if not m.any():
            raise ValueError("empty silhouette")
        self.mask = m
        self.h, self.w = m.shape
        ys, xs = np.nonzero(m)
        self.y0, self.y1 = float(ys.min()), float(ys.max())
        self.x0, self.x1 = float(xs.min()), float(xs.max())
        self.height = self.y1 - self.y0 + 1
        self.width = self.x1 - self.x0 + 1
        cols, rows = m.any(axis=0), m.any(axis=1)
        self.top = np.where(cols, m.argmax(axis=0), np.nan).astype(np.float64)  # per column
        self.bottom = np.where(cols, self.h - 1 - m[::-1].argmax(axis=0), np.nan).astype(np.float64)
        self.left = np.where(rows, m.argmax(axis=1), np.nan).astype(np.float64)  # per row
        self.right = np.where(rows, self.w - 1 - m[:, ::-1].argmax(axis=1), np.nan).astype(np.float64)
        mids = (self.left + self.right) / 2
        self.cx = float(np.nanmedian(mids))
        contours, _ = cv2.findContours(m.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        c = max(contours, key=cv2.contourArea).reshape(-1, 2)
        self.contour = c.astype(np.float64)
        hull = np.zeros((self.h, self.w), np.uint8)
        cv2.fillConvexPoly(hull, cv2.convexHull(c), 1)
        self.hull_depth = cv2.distanceTransform(hull, cv2.DIST_L2, 3)[c[:, 1], c[:, 0]]
        self.turn = _concave_turn(self.contour, TURN_SCALES)
        self.fine_turn = _concave_turn(self.contour, FINE_TURN_SCALES)
        self.area = float(m.sum())
        self.centroid = np.array([xs.mean(), ys.mean()])

    def column(self, profile: np.ndarray, x: float) -> float:
        i = int(np.clip(round(x), 0, self.w - 1))
        return float(profile[i])


def _concave_turn(c: np.ndarray, scales: tuple[float, ...]) -> np.ndarray:
    """Per contour point, how sharply the outline turns inwards there (radians, > 0 = concave),
    averaged over arms of the given lengths (fractions of the perimeter)."""
    n = len(c)
    x, y = c[:, 0], c[:, 1]
    orientation = np.sign(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) or 1.0
    out = np.zeros(n)
    for frac in scales:
        k = max(2, int(frac * n))
        v1 = c - np.roll(c, k, axis=0)
        v2 = np.roll(c, -k, axis=0) - c
        cross = v1[:, 0] * v2[:, 1] - v1[:, 1] * v2[:, 0]
        out += -np.arctan2(cross, (v1 * v2).sum(axis=1)) * orientation
    return out / len(scales)


def _run_end(cond: np.ndarray, start: int, step: int, gap: int = 0) -> int:
    """The last index reached from ``start`` moving by ``step`` while ``cond`` holds,
    bridging runs of at most ``gap`` failing entries."""
    ok = cond.astype(np.uint8)
    if gap > 0:
        ok = cv2.morphologyEx(ok[None, :], cv2.MORPH_CLOSE, np.ones((1, 2 * gap + 1), np.uint8))[0]
    path = ok[start::step] if step > 0 else ok[start::-1]
    bad = np.flatnonzero(path == 0)
    steps = (bad[0] - 1) if bad.size else len(path) - 1
    return start + step * max(int(steps), 0)


def _first_true(cond: np.ndarray, start: int, step: int) -> int | None:
    path = cond[start::step] if step > 0 else cond[start::-1]
    hits = np.flatnonzero(path)
    return None if not hits.size else start + step * int(hits[0])


# ---------------------------------------------------------------- tops, jackets, dresses


def _measure(sil: _Silhouette, style: GarmentStyle, rgb: np.ndarray | None) -> GarmentShape:
    if style == "trousers":
        return GarmentShape(_trousers(sil), "none", 0, 0)
    if style == "skirt":
        return GarmentShape(_skirt(sil), "none", 0, 0)
    return _top(sil, style, rgb)


def _top(sil: _Silhouette, style: GarmentStyle, rgb: np.ndarray | None) -> GarmentShape:
    lm: dict[str, Point] = {}
    hem = _hem(sil)
    lm.update(hem)
    neck = _neck(sil)
    lm.update(neck)
    neck_y = (neck["neck_left"][1] + neck["neck_right"][1]) / 2
    length = max(hem["hem_centre"][1] - neck_y, 0.3 * sil.height)
    neck_half = abs(neck["neck_left"][0] - neck["neck_right"][0]) / 2
    found = 0
    sleeves: dict[str, dict[str, Point] | None] = {}
    for side, sign in (("left", 1.0), ("right", -1.0)):
        armpit, is_corner = _armpit(sil, style, sign, neck_y, length, neck_half, hem[f"hem_{side}"])
        found += is_corner
        lm[f"armpit_{side}"] = armpit
        sleeves[side] = _sleeve(sil, sign, armpit, hem[f"hem_{side}"], length)
    sides_seen = sum(s is not None for s in sleeves.values())
    # One sleeve seen, the other not (lying over the body, cut off): mirror the seen one.
    for side, other in (("left", "right"), ("right", "left")):
        if sleeves[side] is None and sleeves[other] is not None:
            sleeves[side] = {k: (2 * sil.cx - x, y) for k, (x, y) in sleeves[other].items()}
    ratios = []
    for side, sign in (("left", 1.0), ("right", -1.0)):
        sleeve = sleeves[side]
        target = sleeve["outer"] if sleeve else lm[f"armpit_{side}"]
        lm[f"shoulder_{side}"] = _shoulder(sil, lm[f"neck_{side}"], target, lm[f"armpit_{side}"], sign, length)
        if sleeve:
            lm[f"sleeve_{side}_outer"], lm[f"sleeve_{side}_inner"] = sleeve["outer"], sleeve["inner"]
            end = (np.asarray(sleeve["outer"]) + np.asarray(sleeve["inner"])) / 2
            ratios.append(float(np.linalg.norm(end - np.asarray(lm[f"shoulder_{side}"]))) / length)
    sleeve_length: SleeveLength = "none"
    if ratios:
        sleeve_length = "long" if float(np.mean(ratios)) >= LONG_SLEEVE else "short"
    if style == "dress":
        lm.update(_waist(sil, lm))
    if style == "jacket" and rgb is not None:
        lm.update(_front_opening(sil, rgb, neck_y, hem["hem_centre"][1], length))
    return GarmentShape(lm, sleeve_length, sides_seen if sleeve_length != "none" else 0, found)


def _hem(sil: _Silhouette) -> dict[str, Point]:
    """The bottom-contour run around the centre line; it ends at the garment's side or at a
    concave corner (the hem meeting a hanging sleeve or strap), whichever comes first."""
    b = sil.bottom
    xs = np.arange(sil.w)
    band = np.abs(xs - sil.cx) <= HEM_BAND * sil.width / 2
    hem_y = float(np.nanmedian(b[band])) if np.isfinite(b[band]).any() else sil.y1
    on_hem = np.abs(np.nan_to_num(b, nan=-1e9) - hem_y) <= HEM_TOLERANCE * sil.height
    cx = int(round(sil.cx))
    gap = max(1, int(HEM_GAP * sil.width))
    c = sil.contour
    junctions = (
        (sil.turn >= MIN_CORNER_TURN)
        & (sil.hull_depth >= HEM_JUNCTION_DEPTH * sil.width)
        & (np.abs(c[:, 1] - hem_y) <= HEM_TOLERANCE * sil.height)
    )
    out: dict[str, Point] = {"hem_centre": (sil.cx, hem_y)}
    for side, step in (("left", 1), ("right", -1)):
        start = _first_true(on_hem, cx, step)
        if start is None:
            out[f"hem_{side}"] = (sil.cx + step * 0.35 * sil.width, hem_y)
            continue
        end = _run_end(on_hem, start, step, gap)
        # The corner: far out along the run, but on the hem line rather than up the side.
        run = np.arange(min(start, end), max(start, end) + 1)
        k = int(run[np.argmax(step * run + b[run] - hem_y)])
        corner = (float(k), float(b[k]))
        mine = junctions & (step * (c[:, 0] - start) >= 0) & (step * (c[:, 0] - end) <= 0)
        if mine.any():
            first = np.flatnonzero(mine)[np.argmin(step * c[mine, 0])]
            corner = (float(c[first, 0]), float(c[first, 1]))
        out[f"hem_{side}"] = corner
    return out


def _neck(sil: _Silhouette) -> dict[str, Point]:
    """Each side's highest top-contour run near the centre line ends at the neck point: its
    outer end where a collar or back neckband spans the top, its inner end where the
    silhouette dips between the sides (straps, a V without a visible back)."""
    t = sil.top
    xs = np.arange(sil.w)
    reach = NECK_SEARCH * sil.width / 2
    centre = (np.abs(xs - sil.cx) <= max(1.0, 0.02 * sil.width)) & np.isfinite(t)
    centre_y = float(np.median(t[centre])) if centre.any() else sil.y0
    peaks: dict[str, int] = {}
    for side, step in (("left", 1), ("right", -1)):
        window = (step * (xs - sil.cx) >= 0) & (np.abs(xs - sil.cx) <= reach) & np.isfinite(t)
        if window.any():
            peaks[side] = int(xs[window][np.argmin(t[window])])
    dips = len(peaks) == 2 and centre_y - max(t[p] for p in peaks.values()) > NECK_DIP * sil.height
    out: dict[str, Point] = {}
    for side, step in (("left", 1), ("right", -1)):
        if side not in peaks:
            out[f"neck_{side}"] = (sil.cx + step * 0.15 * sil.width, sil.y0)
            continue
        peak = peaks[side]
        near = np.nan_to_num(t, nan=1e9) <= t[peak] + NECK_TOLERANCE * sil.height
        run = np.arange(_run_end(near, peak, -1), _run_end(near, peak, 1) + 1)
        direction = -step if dips else step
        x = int(run[np.argmax(direction * run - TOP_CORNER_SLOPE * (t[run] - t[peak]))])
        out[f"neck_{side}"] = (float(x), float(t[x]))
    # The top contour on the centre line: the neckline's lowest point if the silhouette dips
    # there (a V or scoop without a visible back), else the collar's or neckband's top.
    out["neck_centre"] = (sil.cx, centre_y)
    return out


def _armpit(sil: _Silhouette, style: GarmentStyle, sign: float, neck_y: float, length: float,
            neck_half: float, hem_corner: Point) -> tuple[Point, bool]:
    """The armpit on one side and whether it is a real corner: the outermost (then highest)
    concave corner between shoulders and hem, slid down to the top of the body's side;
    without one, an estimate at a typical armhole depth."""
    c = sil.contour
    lo, hi = ARMPIT_WINDOW.get(style, ARMPIT_WINDOW["top"])
    offset = sign * (c[:, 0] - sil.cx)
    candidates = (
        (offset > max(0.5 * neck_half, ARMPIT_MIN_OFFSET * sil.width))
        & (c[:, 1] >= neck_y + lo * length)
        & (c[:, 1] <= neck_y + hi * length)
        & (sil.hull_depth >= ARMPIT_MIN_DEPTH * sil.width)
        & (sil.turn >= MIN_CORNER_TURN)
    )
    if candidates.any():
        # The body's side is the outermost concave corner (strap and neckline corners lie
        # further in); of the corners out there, the highest (lower ones: waist, hip).
        outer = candidates & (offset >= ARMPIT_OUTERMOST * offset[candidates].max())
        i = int(np.flatnonzero(outer)[np.argmin(c[outer, 1])])
        # Where a strap meets the body, the armhole's bottom is further out, at the top of the
        # body's side: follow the side down while it moves out faster than it drops.
        side = _arc(c, i, int(np.argmin(np.linalg.norm(c - hem_corner, axis=1))))
        side = side[(side[:, 1] >= c[i, 1]) & (side[:, 1] <= c[i, 1] + ARMPIT_SLIDE * length)]
        score = sign * (side[:, 0] - c[i, 0]) - ARMPIT_SLIDE_SLOPE * (side[:, 1] - c[i, 1])
        p = side[int(np.argmax(score))] if len(side) else c[i]
        if sil.turn[i] >= SLIT_TURN and np.array_equal(p, c[i]):
            p = _hidden_vertex(sil, i, max_shift=ARMPIT_SLIDE * length)
        return (float(p[0]), float(p[1])), True
    y = neck_y + ARMPIT_DEFAULT.get(style, ARMPIT_DEFAULT["top"]) * length
    # The body side at that height: straight up from the hem corner, or the outline if closer.
    x = hem_corner[0]
    row = int(np.clip(round(y), 0, sil.h - 1))
    edge = sil.right[row] if sign > 0 else sil.left[row]
    if np.isfinite(edge) and sign * (edge - x) < 0:
        x = float(edge)
    return (float(x), float(y)), False


def _sleeve(sil: _Silhouette, sign: float, armpit: Point, hem_corner: Point, length: float) -> dict[str, Point] | None:
    """The part outside the body column on one side, and the two corners of its opening."""
    ys, xs = np.mgrid[0 : sil.h, 0 : sil.w]
    ax, ay = armpit
    hx, hy = hem_corner
    if hy <= ay:  # hem above the armpit: nonsense, keep the column vertical
        hx, hy = ax, ay + 1.0
    t = np.clip((ys - ay) / max(hy - ay, 1.0), 0.0, 1.0)
    boundary = ax + (hx - ax) * t  # vertical above the armpit, armpit -> hem corner below
    outside = (sil.mask & (sign * (xs - boundary) > 1.0)).astype(np.uint8)
    # Straps and slivers of a widening body are thinner than a sleeve: opening removes them.
    r = max(1, int(round(SLEEVE_MIN_WIDTH * sil.width / 2)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    core = cv2.morphologyEx(outside, cv2.MORPH_OPEN, kernel)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(core, connectivity=8)
    # A sleeve hangs from the armhole: it reaches the column's edge above the armpit (give or
    # take the opening). Parts that only stick out lower down (a flared skirt, dangling
    # straps) are not sleeves.
    attached = labels[(ys < ay + 2 * r) & (sign * (xs - ax) <= r + 3.0) & (core > 0)]
    attached = np.unique(attached[attached > 0])
    if not attached.size:
        return None
    label = int(attached[np.argmax(stats[attached, cv2.CC_STAT_AREA])])
    region = (cv2.dilate((labels == label).astype(np.uint8), kernel) > 0) & (outside > 0)
    py, px = np.nonzero(region)
    pts = np.stack([px, py], axis=1).astype(np.float64)
    reach = float(np.max(sign * (px - ax)))
    if reach < SLEEVE_MIN_REACH * sil.width or len(pts) < SLEEVE_MIN_AREA * sil.area:
        return None
    top_y = sil.column(sil.top, ax)
    top_y = top_y if np.isfinite(top_y) else sil.y0
    # Direction: from the middle of the armhole to the sleeve's centroid, or the principal axis
    # when the sleeve is elongated, pointing away from the top of the armhole.
    root = np.array([ax, (ay + top_y) / 2])
    centroid = pts.mean(axis=0)
    d = _unit(centroid - root, fallback=np.array([sign, 0.0]))
    evals, evecs = np.linalg.eigh(np.cov((pts - centroid).T))
    if evals[1] > AXIS_ELONGATION * max(evals[0], 1e-6):
        axis = evecs[:, 1]
        d = axis if np.dot(axis, centroid - np.array([ax, top_y])) >= 0 else -axis
    n = np.array([-d[1], d[0]])
    if np.dot(n, [sign, -1.0]) < 0:  # towards the shoulder edge: outwards and up
        n = -n
    along = pts @ d
    extent = float(along.max() - (root @ d))
    if extent < SLEEVE_MIN_LENGTH * length:
        return None
    width = float(np.ptp(pts @ n))
    corners = _opening_corners(sil, region, np.array([ax, top_y]), d, extent, width)
    if corners is None:  # no two clear corners: the sleeve end's extremes across its axis
        corners = (pts[np.argmax(along + CORNER_WEIGHT * (pts @ n))], pts[np.argmax(along - CORNER_WEIGHT * (pts @ n))])
    outer, inner = corners
    return {"outer": (float(outer[0]), float(outer[1])), "inner": (float(inner[0]), float(inner[1]))}


def _opening_corners(sil: _Silhouette, region: np.ndarray, shoulder_side: np.ndarray, d: np.ndarray,
                     extent: float, width: float) -> tuple[np.ndarray, np.ndarray] | None:
    """The corners of the sleeve opening: the two sharpest convex corners of the sleeve's
    far end, in the order met walking its outline from the shoulder (outer = end of the top
    edge, inner = end of the underside). Without a second clear corner, the far end's other
    limit stands in for it (an underside that runs straight into the armpit)."""
    c = sil.contour
    n = len(c)
    near = cv2.dilate(region.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    idx = np.flatnonzero(near[c[:, 1].astype(int), c[:, 0].astype(int)])
    if len(idx) < 5:
        return None
    # The sleeve's stretch of the closed contour, in contour order, from its shoulder end.
    gaps = np.diff(np.concatenate([idx, [idx[0] + n]]))
    run = np.roll(idx, -((int(np.argmax(gaps)) + 1) % len(idx)))
    if np.linalg.norm(c[run[0]] - shoulder_side) > np.linalg.norm(c[run[-1]] - shoulder_side):
        run = run[::-1]
    along = c[run] @ d
    run = run[along >= along.max() - SLEEVE_END_ZONE * extent]
    if len(run) < 3:
        return None
    convex = -sil.fine_turn[run]
    first = int(np.argmax(convex))
    # The two corners are about a sleeve's width apart along the outline.
    apart = np.linalg.norm(c[run] - c[run[first]], axis=1) >= OPENING_CORNER_APART * width
    second = int(np.flatnonzero(apart)[np.argmax(convex[apart])]) if apart.any() else -1
    if second < 0 or convex[second] < OPENING_MIN_TURN:
        # One clear corner: the other is hidden where the far end meets the body or shoulder.
        second = 0 if first > len(run) - 1 - first else len(run) - 1
    i, j = sorted((first, second))
    return c[run[i]], c[run[j]]


def _shoulder(sil: _Silhouette, neck: Point, target: Point, armpit: Point, sign: float, length: float) -> Point:
    """The outline's corner between the neck point and the sleeve (or armhole): the point of
    the arc above the armpit farthest outside the chord that spans it. Without a clear
    corner (a dropped shoulder, a halter), the shoulder sits above the armpit, on the
    garment's top edge or, if that is lower, a typical shoulder drop below the neck point."""
    c = sil.contour
    i_neck = int(np.argmin(np.linalg.norm(c - neck, axis=1)))
    arc = _arc(c, i_neck, int(np.argmin(np.linalg.norm(c - target, axis=1))))
    below = np.flatnonzero(arc[:, 1] > armpit[1])
    if below.size and below[0] >= 2:
        arc = arc[: below[0]]
    top = sil.column(sil.top, armpit[0])
    lowest = neck[1] + SHOULDER_DROP * length
    fallback = (float(armpit[0]), float(min(top, lowest) if np.isfinite(top) else lowest))
    if len(arc) < 3:
        return fallback
    a, b = arc[0], arc[-1]
    normal = _unit(np.array([-(b - a)[1], (b - a)[0]]), fallback=np.array([sign, -1.0]))
    if np.dot(normal, sil.centroid - a) > 0:  # point away from the garment
        normal = -normal
    dist = (arc - a) @ normal
    i = int(np.argmax(dist))
    if dist[i] < SHOULDER_MIN_BEND * sil.width or arc[i, 1] > neck[1] + SHOULDER_MAX_DROP * length:
        return fallback
    return float(arc[i, 0]), float(arc[i, 1])


def _hidden_vertex(sil: _Silhouette, i: int, max_shift: float) -> np.ndarray:
    """Where the two edges of the slit or V ending at contour point ``i`` really meet.

    The last stretch of a narrow gap (a sleeve hanging close to the body, the top of a
    trouser crotch) is lost when the cut-out closes it; lines fitted to both edges meet where
    it ends. Kept only if that point is inside the garment, at most ``max_shift`` away."""
    c = sil.contour
    n = len(c)
    near, far = max(2, int(VERTEX_SKIP * n)), max(6, int(VERTEX_REACH * n))
    arms = [c[(i + sign * np.arange(near, far)) % n] for sign in (-1, 1)]
    lines = [cv2.fitLine(a.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel() for a in arms]
    (dx1, dy1, x1, y1), (dx2, dy2, x2, y2) = lines
    m = np.array([[dx1, -dx2], [dy1, -dy2]], np.float64)
    if abs(np.linalg.det(m)) < np.sin(np.radians(VERTEX_MIN_ANGLE)):
        return c[i]
    s, _ = np.linalg.solve(m, np.array([x2 - x1, y2 - y1], np.float64))
    v = np.array([x1 + s * dx1, y1 + s * dy1])
    xi, yi = int(round(v[0])), int(round(v[1]))
    inside = 0 <= xi < sil.w and 0 <= yi < sil.h and sil.mask[yi, xi]
    if not inside or np.linalg.norm(v - c[i]) > max_shift:
        return c[i]
    return v


def _arc(c: np.ndarray, i: int, j: int) -> np.ndarray:
    """The shorter stretch of the closed contour ``c`` from index ``i`` to index ``j``."""
    n = len(c)
    forward = (j - i) % n
    idx = (i + np.arange(forward + 1)) % n if forward <= n - forward else (i - np.arange(n - forward + 1)) % n
    return c[idx]


def _waist(sil: _Silhouette, lm: dict[str, Point]) -> dict[str, Point]:
    top = (lm["armpit_left"][1] + lm["armpit_right"][1]) / 2
    bottom = lm["hem_centre"][1]
    span = max(bottom - top, 1.0)
    rows = np.arange(sil.h)
    t = (rows - top) / span
    width = sil.right - sil.left
    ok = (t >= WAIST_WINDOW[0]) & (t <= WAIST_WINDOW[1]) & np.isfinite(width)
    if not ok.any():
        y = int(np.clip(round(top + WAIST_TYPICAL * span), 0, sil.h - 1))
    else:
        score = np.where(ok, width + WAIST_TIE_WEIGHT * sil.width * np.abs(t - WAIST_TYPICAL), np.inf)
        y = int(np.argmin(score))
    if not np.isfinite(width[y]):
        return {"waist_left": (sil.cx + 0.3 * sil.width, float(y)), "waist_right": (sil.cx - 0.3 * sil.width, float(y))}
    return {"waist_left": (float(sil.right[y]), float(y)), "waist_right": (float(sil.left[y]), float(y))}


def _front_opening(sil: _Silhouette, rgb: np.ndarray, neck_y: float, hem_y: float, length: float) -> dict[str, Point]:
    """A centre front line (gap, lining, placket) running up from the hem, if there is one.

    Rows where a narrow strip on the centre line differs in colour from the fronts on either
    side (or shows background) form the line; it must reach the hem. Its top is where the
    line's colour widens into a V (the neckline) or where it stops."""
    lab = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    inside = sil.mask
    off = np.abs(np.arange(sil.w) - sil.cx) / sil.width
    strip = (off <= OPENING_STRIP)[None, :] & inside
    flank = ((off >= OPENING_FLANK[0]) & (off <= OPENING_FLANK[1]))[None, :] & inside
    rows = np.arange(sil.h)
    span = (rows > neck_y) & (rows <= hem_y)
    centre, n_centre = _row_mean(lab, strip)
    sides, n_sides = _row_mean(lab, flank)
    gap = (n_centre == 0) & span  # background shows between the fronts
    differs = gap | ((n_centre > 0) & (n_sides > 0) & (np.linalg.norm(centre - sides, axis=1) > OPENING_COLOUR))
    differs &= span
    bottom = int(np.clip(round(hem_y), 0, sil.h - 1))
    start = _first_true(differs, bottom, -1)
    if start is None or bottom - start > OPENING_HEM_REACH * length:
        return {}
    top = _run_end(differs, start, -1, gap=max(1, int(OPENING_GAP * sil.height)))
    if start - top < OPENING_MIN_LENGTH * length:
        return {}
    # How wide the line's colour is on each row, near the centre: it widens at the neckline.
    line = (rows >= top) & (rows <= start)
    lower = line & (rows >= (top + start) / 2)
    reference = np.median(centre[lower & (n_centre > 0)], axis=0) if (lower & (n_centre > 0)).any() else None
    if reference is not None:
        near = (off <= OPENING_FLANK[1])[None, :]
        alike = (np.linalg.norm(lab - reference, axis=2) < OPENING_COLOUR) | ~inside
        width = (alike & near).sum(axis=1).astype(np.float64)
        band = float(np.median(width[lower]))
        wide = (line & (width > OPENING_WIDENING * band + 2)).astype(np.uint8)
        persist = max(1, int(OPENING_PERSIST * sil.height))  # buttons and prints are shorter
        wide = cv2.morphologyEx(wide[:, None], cv2.MORPH_OPEN, np.ones((2 * persist + 1, 1), np.uint8))[:, 0] > 0
        widening = _first_true(wide | ~line, start, -1)
        if widening is not None and widening > top and start - widening >= OPENING_MIN_LENGTH * length:
            # The V's width grows linearly upwards (up to where it leaves the search window):
            # extend that line down to the band's width.
            v_rows = rows[line & (rows <= widening)]
            v_rows = v_rows[v_rows >= v_rows[np.argmax(width[v_rows])]] if len(v_rows) else v_rows
            if len(v_rows) >= 4:
                slope, intercept = np.polyfit(v_rows, width[v_rows], 1)
                if slope < 0:
                    widening = int(np.clip((band - intercept) / slope, widening, start))
            top = widening
    return {"opening_top": (sil.cx, float(top)), "opening_bottom": (sil.cx, float(hem_y))}


def _row_mean(lab: np.ndarray, where: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the mean colour of the pixels ``where`` is set, and how many there are."""
    count = where.sum(axis=1)
    total = (lab * where[:, :, None]).sum(axis=1)
    return total / np.maximum(count, 1)[:, None], count


# ---------------------------------------------------------------- trousers and skirts


def _waistband(sil: _Silhouette) -> dict[str, Point]:
    """The top corners: the ends of the top contour's run near the highest point."""
    t = sil.top
    y0 = float(np.nanmin(t))
    near = np.nan_to_num(t, nan=1e9) <= y0 + WAISTBAND_TOLERANCE * sil.height
    cx = int(round(sil.cx))
    out: dict[str, Point] = {}
    for side, step in (("left", 1), ("right", -1)):
        start = _first_true(near, cx, step)
        if start is None:
            start = _first_true(near, cx, -step)
        if start is None:
            out[f"waist_{side}"] = (sil.cx + step * 0.4 * sil.width, y0)
            continue
        end = _run_end(near, start, step)
        run = np.arange(min(start, end), max(start, end) + 1)
        x = int(run[np.argmax(step * run - TOP_CORNER_SLOPE * (t[run] - y0))])
        out[f"waist_{side}"] = (float(x), float(t[x]))
    return out


def _leg_split(sil: _Silhouette) -> LegSplit | None:
    row = int(np.clip(round(sil.y1 - LEG_ROW * sil.height), 0, sil.h - 1))
    line = sil.mask[row].astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], line, [0]])))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= LEG_MIN_WIDTH * sil.width]
    if len(runs) != 2:
        return None
    (_, gap_lo), (gap_hi, _) = runs
    if abs((gap_lo + gap_hi) / 2 - sil.cx) > LEG_GAP_CENTRED * sil.width:
        return None
    cols = np.arange(gap_lo, gap_hi)
    b = sil.bottom[cols]
    if not np.isfinite(b).any():
        return None
    crotch_y = float(np.nanmin(b))
    crotch_x = float(np.median(cols[np.nan_to_num(b, nan=1e9) <= crotch_y + 1]))
    # The narrow top of the gap may be closed in the cut-out: follow the legs' inner edges up.
    c = sil.contour
    i = int(np.argmin(np.linalg.norm(c - [crotch_x, crotch_y], axis=1)))
    crotch_x, crotch_y = (float(v) for v in _hidden_vertex(sil, i, max_shift=CROTCH_MAX_SHIFT * sil.height))
    widths = ((runs[0][1] - runs[0][0]) / sil.width, (runs[1][1] - runs[1][0]) / sil.width)
    return LegSplit(
        crotch=(crotch_x, crotch_y),
        depth=(sil.y1 - crotch_y) / sil.height,
        leg_widths=widths,
        crotch_centred=abs(crotch_x - sil.cx) <= CROTCH_CENTRED * sil.width,
    )


def _trousers(sil: _Silhouette) -> dict[str, Point]:
    lm = _waistband(sil)
    split = _leg_split(sil)
    crotch = split.crotch if split else (sil.cx, sil.y0 + 0.35 * sil.height)
    lm["crotch"] = crotch
    ys, xs = np.mgrid[0 : sil.h, 0 : sil.w]
    for side, sign in (("left", 1.0), ("right", -1.0)):
        leg = sil.mask & (ys > crotch[1]) & (sign * (xs - crotch[0]) > 0)
        py, px = np.nonzero(leg)
        if len(px) < 10:
            lm[f"leg_{side}_outer"] = (sil.cx + sign * 0.45 * sil.width, sil.y1)
            lm[f"leg_{side}_inner"] = (crotch[0] + sign * 0.05 * sil.width, sil.y1)
            continue
        pts = np.stack([px, py], axis=1).astype(np.float64)
        d = np.array([0.0, 1.0])
        evals, evecs = np.linalg.eigh(np.cov((pts - pts.mean(axis=0)).T))
        if evals[1] > AXIS_ELONGATION * max(evals[0], 1e-6):
            d = evecs[:, 1] if evecs[1, 1] >= 0 else -evecs[:, 1]
        n = np.array([-d[1], d[0]])
        if n[0] * sign < 0:
            n = -n
        along = pts @ d
        outer = pts[np.argmax(along + CORNER_WEIGHT * (pts @ n))]
        inner = pts[np.argmax(along - CORNER_WEIGHT * (pts @ n))]
        lm[f"leg_{side}_outer"] = (float(outer[0]), float(outer[1]))
        lm[f"leg_{side}_inner"] = (float(inner[0]), float(inner[1]))
    return lm


def _skirt(sil: _Silhouette) -> dict[str, Point]:
    lm = _waistband(sil)
    c = sil.contour
    low = c[c[:, 1] >= sil.y0 + 0.5 * sil.height]
    if not len(low):
        low = c
    for side, sign in (("left", 1.0), ("right", -1.0)):
        p = low[np.argmax(sign * (low[:, 0] - sil.cx) + (low[:, 1] - sil.y0))]
        lm[f"hem_{side}"] = (float(p[0]), float(p[1]))
    return lm


# ---------------------------------------------------------------- fallbacks and helpers


def _proportional(style: GarmentStyle, mask: np.ndarray) -> GarmentShape:
    """Landmarks from the bounding box alone, in typical proportions."""
    ys, xs = np.nonzero(mask)
    if not len(xs):
        h, w = mask.shape
        x0, y0, x1, y1 = 0.0, 0.0, float(w - 1), float(h - 1)
    else:
        x0, y0, x1, y1 = float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())
    cx, w, h = (x0 + x1) / 2, x1 - x0, y1 - y0

    def at(fx: float, fy: float) -> Point:
        return cx + fx * w, y0 + fy * h

    lm: dict[str, Point] = {}
    if style in ("trousers", "skirt"):
        lm.update(waist_left=at(0.45, 0.0), waist_right=at(-0.45, 0.0))
        if style == "skirt":
            lm.update(hem_left=at(0.5, 1.0), hem_right=at(-0.5, 1.0))
        else:
            lm["crotch"] = at(0.0, 0.35)
            lm.update(leg_left_outer=at(0.45, 1.0), leg_left_inner=at(0.05, 1.0))
            lm.update(leg_right_outer=at(-0.45, 1.0), leg_right_inner=at(-0.05, 1.0))
        return GarmentShape(lm, "none", 0, 0)
    armpit_y = ARMPIT_DEFAULT.get(style, ARMPIT_DEFAULT["top"])
    for side, s in (("left", 1.0), ("right", -1.0)):
        lm[f"neck_{side}"] = at(s * 0.12, 0.0)
        lm[f"shoulder_{side}"] = at(s * 0.35, 0.05)
        lm[f"armpit_{side}"] = at(s * 0.35, armpit_y)
        lm[f"hem_{side}"] = at(s * 0.4, 1.0)
        if style == "dress":
            lm[f"waist_{side}"] = at(s * 0.3, armpit_y + WAIST_TYPICAL * (1 - armpit_y))
    lm["neck_centre"] = at(0.0, 0.03)
    lm["hem_centre"] = at(0.0, 1.0)
    return GarmentShape(lm, "none", 0, 0)


def _resize_mask(mask: np.ndarray, scale: float) -> np.ndarray:
    binary = (mask > 127).astype(np.uint8) * 255 if mask.dtype == np.uint8 else (mask > 0).astype(np.uint8) * 255
    if scale >= 1.0:
        return binary
    h, w = binary.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return (cv2.resize(binary, size, interpolation=cv2.INTER_AREA) > 127).astype(np.uint8) * 255


def _unit(v: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    if norm < 1e-6:
        v, norm = fallback, float(np.linalg.norm(fallback))
    return v / norm


def _clip(p: Point, w: int, h: int) -> Point:
    x, y = (float(v) if np.isfinite(v) else 0.0 for v in p)
    return float(np.clip(x, 0, w - 1)), float(np.clip(y, 0, h - 1))

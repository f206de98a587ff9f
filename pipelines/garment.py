"""Garment preparation: cut the garment out of its product photo, name its style, find its landmarks.

``GarmentPreparer(weights_dir).prepare(image, slot)`` returns a :class:`Garment`, cached by
image content and slot. The steps, each a function of its own:

1. ``cut_out``: a soft matte of the garment, by the first method that applies:
   ``"alpha"`` (the caller passed HxWx4 with a real alpha channel), ``"u2net"`` (rembg's
   salient-object model, when ``weights/rembg/u2net.onnx`` or ``$U2NET_HOME/u2net.onnx`` is on
   disk) or ``"grabcut"``, the model-free cut-out: a flood from the border for product
   shots on a plain background, GrabCut for the rest (see :func:`plain_background_mask`).
   Only the largest piece is kept and holes inside it are filled, so a white print on a white
   shirt photographed on white stays part of the shirt.
2. ``crop_to_garment``: the RGBA cut-out, cropped to the garment with a small margin;
   ``defringe`` gives its edge pixels the garment's colour (no background rim).
3. ``garment_style``: the style the slot implies (upper -> top, outer -> jacket, dress ->
   dress, lower -> trousers or skirt). A garment that clearly belongs elsewhere (two trouser
   legs given as a top, a top with sleeves given as trousers) is refused with InputError.
4. ``measure`` (in :mod:`pipelines.garment_landmarks`): landmarks and sleeve length.
   ``classify_and_measure`` runs 3 and 4 on one copy of the cut-out at the working size.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from threading import Lock

import cv2
import numpy as np

from pipelines.errors import InputError
from pipelines.garment_landmarks import LANDMARK_SIDE, GarmentShape, leg_split, measure
from pipelines.imageio import content_key
from pipelines.rembg_sessions import find_model, open_session
from pipelines.types import SLOTS, CutoutMethod, Garment, GarmentStyle, Slot

log = logging.getLogger(__name__)

# Prepared garments kept in memory (a 1000x1334 garment is ~7 MB with its source photo).
CACHE_SIZE = 32
# rembg's general salient-object model; its session name is also the file's stem.
U2NET_MODEL = "u2net"
# The plain-background cut-out works at this longest side; the mask is scaled back up.
# 512 keeps a 1000x1334 photo well under 100 ms and edges within ~1 source pixel after feathering.
CUT_SIDE = 512
# Background colour: sampled in a frame this many working pixels wide around the photo.
BORDER = 3
# A pixel is background when its CIE76 distance to the background colour is below
# max(BG_TOLERANCE, BG_NOISE_SIGMAS x the border's noise). Product-shot backgrounds are flat:
# a white tee (RGB 238) on a light grey (246) studio background differs by only ~3.
BG_TOLERANCE = 1.5
BG_NOISE_SIGMAS = 4.0
# The background counts as plain when this share of the border is within 3x the tolerance;
# otherwise GrabCut starts from a rectangle inset by RECT_INSET of each side.
PLAIN_BORDER_SHARE = 0.6
RECT_INSET = 0.03
# Background reaching into the garment through gaps narrower than 2 x LEAK_RADIUS working
# pixels (a highlight on a white collar) is cut off before it counts. Radius 2 also closed the
# narrow top of trouser crotches and sleeve slits, 1 leaks no more on the sample photos.
LEAK_RADIUS = 1
# Spurs narrower than this (working pixels) are opened away.
SPUR_SIZE = 3
# Edge pixels that blend garment and background (anti-aliasing, JPEG ringing) are trimmed by
# this many source pixels before feathering, so no background halo follows the garment.
EDGE_TRIM = 1
# GrabCut (busy backgrounds only) runs at this longest side: it costs ~1-2 ms per 1000 pixels
# on two cores, too slow to refine every plain-background edge.
GRABCUT_SIDE = 320
GRABCUT_ITERATIONS = 4
# A garment must cover at least this share of the photo.
MIN_GARMENT_SHARE = 0.03
# Pixels within this many source pixels of the edge get the colour of the garment just inside.
DEFRINGE = 3
# Feathering of the final matte (Gaussian sigma, source pixels) and the crop margin
# (share of the garment's longest side, at least CROP_MARGIN_MIN pixels).
FEATHER_SIGMA = 1.0
CROP_MARGIN = 0.03
CROP_MARGIN_MIN = 4
# An alpha channel is meaningful when at least this share of pixels is mostly transparent.
ALPHA_MIN_TRANSPARENT = 0.01
# Refusing trousers outside the Lower slot needs a clear two-leg silhouette: the leg gap at
# least CLEAR_LEGS_DEPTH of the height, each leg CLEAR_LEGS_WIDTH of the width, taller than
# wide by CLEAR_LEGS_ASPECT, and no armpits. In the Lower slot, a centred gap LEGS_DEPTH deep
# (shorts) is enough to choose trousers over a skirt.
CLEAR_LEGS_DEPTH = 0.3
CLEAR_LEGS_WIDTH = 0.12
CLEAR_LEGS_ASPECT = 1.2
LEGS_DEPTH = 0.15

NO_GARMENT = "No garment was found in the garment photo; use a product photo of one garment on a plain background."
SLOT_STYLE: dict[Slot, GarmentStyle] = {"upper": "top", "outer": "jacket", "dress": "dress", "lower": "skirt"}


class U2netCutter:
    """rembg's ``u2net`` session; built only when the model file is on disk."""

    def __init__(self, model_path: Path) -> None:
        self._session = open_session(U2NET_MODEL, model_path)

    @staticmethod
    def model_path(weights_dir: Path) -> Path | None:
        return find_model(weights_dir, U2NET_MODEL)

    def matte(self, rgb: np.ndarray) -> np.ndarray:
        """The model's soft foreground matte (HxW uint8) at the photo's size."""
        from PIL import Image

        return np.asarray(self._session.predict(Image.fromarray(rgb))[0], np.uint8)


class GarmentPreparer:
    """Owns the cut-out model (loaded on first use, if on disk) and the garment cache."""

    def __init__(self, weights_dir: Path) -> None:
        self.weights_dir = Path(weights_dir)
        self._cutter: U2netCutter | None = None
        self._cutter_checked = False
        self._cache: OrderedDict[str, Garment] = OrderedDict()
        self._lock = Lock()
        self.cache_hits = 0
        self.cache_misses = 0

    def prepare(self, image: np.ndarray, slot: Slot) -> Garment:
        """Cut out, classify and measure the garment in ``image`` (HxWx3 RGB or HxWx4 RGBA)."""
        if slot not in SLOTS:
            raise InputError(f"Unknown garment slot '{slot}'; choose one of: {', '.join(SLOTS)}.")
        rgb, alpha = split_alpha(image)
        key = content_key(image)
        cache_key = f"{key}:{slot}"
        with self._lock:
            if cache_key in self._cache:
                self._cache.move_to_end(cache_key)
                self.cache_hits += 1
                return self._cache[cache_key]
            self.cache_misses += 1
            matte, method = cut_out(rgb, alpha, self._u2net())
            rgba = crop_to_garment(rgb, matte)
            if method != "alpha":  # the caller's own cut-out is used as given
                rgba = defringe(rgba)
            style, shape = classify_and_measure(rgba, slot)
            garment = Garment(
                key=key,
                slot=slot,
                rgba=rgba,
                landmarks=shape.landmarks,
                cutout_method=method,
                source_image=_on_white(rgb, alpha),
                style=style,
                sleeves=shape.sleeves if style in ("top", "jacket", "dress") else "none",
            )
            self._cache[cache_key] = garment
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return garment

    def _u2net(self) -> U2netCutter | None:
        if not self._cutter_checked:
            self._cutter_checked = True
            path = U2netCutter.model_path(self.weights_dir)
            if path is not None:
                try:
                    self._cutter = U2netCutter(path)
                except Exception:  # a truncated or foreign file: keep working without it
                    log.warning("Could not load %s; cutting garments out without it.", path, exc_info=True)
        return self._cutter


# ---------------------------------------------------------------- 1. cut-out


def split_alpha(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """RGB and, if the image has a meaningful one, its alpha channel."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (3, 4):
        shape = getattr(image, "shape", None)
        raise InputError(f"The garment image has shape {shape}; expected an HxWx3 (RGB) or HxWx4 (RGBA) uint8 array.")
    if image.shape[2] == 3:
        return image, None
    rgb, alpha = np.ascontiguousarray(image[:, :, :3]), np.ascontiguousarray(image[:, :, 3])
    if np.mean(alpha < 128) < ALPHA_MIN_TRANSPARENT:
        return rgb, None  # opaque everywhere: the alpha says nothing
    return rgb, alpha


def cut_out(rgb: np.ndarray, alpha: np.ndarray | None, cutter: U2netCutter | None) -> tuple[np.ndarray, CutoutMethod]:
    """A soft matte (HxW uint8) of the one garment in the photo, and how it was found."""
    if alpha is not None:
        matte = _clean_matte(alpha)
        method: CutoutMethod = "alpha"
    else:
        matte, method = None, "grabcut"
        if cutter is not None:
            matte = _clean_matte(cutter.matte(rgb))
            method = "u2net"
            if np.mean(matte > 127) < MIN_GARMENT_SHARE:  # the model saw nothing: try the plain background
                matte, method = None, "grabcut"
        if matte is None:
            matte = feather(plain_background_mask(rgb))
    if np.mean(matte > 127) < MIN_GARMENT_SHARE:
        raise InputError(NO_GARMENT)
    return matte, method


def plain_background_mask(rgb: np.ndarray) -> np.ndarray:
    """Binary mask (HxW, 255 = garment) of a garment photographed on a plain background.

    The background colour is the median of the photo's border; everything connected to the
    border within a tight tolerance of it is background (narrow leaks cut off), and the
    largest remaining piece, holes filled, is the garment. A border that is not plain gets
    GrabCut from an inset rectangle instead. (GrabCut refining the plain-background edge was
    tried: it only removed the one-pixel halo that EDGE_TRIM removes, at 5-10x the time.)
    """
    h, w = rgb.shape[:2]
    scale = min(1.0, CUT_SIDE / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    frame = np.zeros(small.shape[:2], bool)
    frame[:BORDER], frame[-BORDER:], frame[:, :BORDER], frame[:, -BORDER:] = True, True, True, True
    border = lab[frame]
    background = np.median(border, axis=0)
    border_dist = np.linalg.norm(border - background, axis=1)
    tolerance = max(BG_TOLERANCE, BG_NOISE_SIGMAS * 1.4826 * float(np.median(border_dist)))
    if np.mean(border_dist < 3 * tolerance) >= PLAIN_BORDER_SHARE:
        dist = np.linalg.norm(lab - background, axis=2)
        garment = ~_border_connected(dist < tolerance, LEAK_RADIUS)
    else:
        garment = _grabcut_rect(small)
    # Thin spurs (a light rim left by an earlier cut-out, stray threads) go; then one piece.
    garment = cv2.morphologyEx(garment.astype(np.uint8), cv2.MORPH_OPEN, np.ones((SPUR_SIZE, SPUR_SIZE), np.uint8)) > 0
    garment = fill_holes(largest_component(garment))
    up = (cv2.resize(garment.astype(np.uint8) * 255, (w, h), interpolation=cv2.INTER_LINEAR) > 127).astype(np.uint8)
    return cv2.erode(up, np.ones((2 * EDGE_TRIM + 1,) * 2, np.uint8)) * 255


def _border_connected(candidate: np.ndarray, leak_radius: int) -> np.ndarray:
    """The part of ``candidate`` connected to the image border through gaps wider than 2 x radius."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * leak_radius + 1, 2 * leak_radius + 1))
    cand = candidate.astype(np.uint8)
    core = cv2.erode(cand, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    _, labels = cv2.connectedComponents(core, connectivity=4)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    reached = np.isin(labels, edge[edge > 0]).astype(np.uint8)
    return (cv2.dilate(reached, kernel) > 0) & candidate


def _grabcut_rect(small: np.ndarray) -> np.ndarray:
    """GrabCut from a rectangle inset from the photo's edges (the garment is assumed inside)."""
    h, w = small.shape[:2]
    scale = min(1.0, GRABCUT_SIDE / max(h, w))
    tiny = cv2.resize(small, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    th, tw = tiny.shape[:2]
    dx, dy = max(1, int(RECT_INSET * tw)), max(1, int(RECT_INSET * th))
    labels = np.zeros((th, tw), np.uint8)
    try:
        cv2.grabCut(
            cv2.cvtColor(tiny, cv2.COLOR_RGB2BGR), labels, (dx, dy, tw - 2 * dx, th - 2 * dy),
            np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64), GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_RECT,
        )
    except cv2.error:  # degenerate colour models (a flat image): nothing found
        return np.zeros((h, w), bool)
    fg = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.uint8) * 255
    return cv2.resize(fg, (w, h), interpolation=cv2.INTER_LINEAR) > 127


def _clean_matte(matte: np.ndarray) -> np.ndarray:
    """A model's or caller's soft matte: only its largest piece, holes inside it made opaque."""
    binary = matte > 127
    piece = largest_component(binary)
    if not piece.any():
        return np.zeros_like(matte)
    # Keep the soft edge around the piece, drop everything else.
    near = cv2.dilate(piece.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    out = np.where(near, matte, 0).astype(np.uint8)
    out[fill_holes(piece) & ~binary] = 255
    return out


def largest_component(mask: np.ndarray) -> np.ndarray:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return np.zeros(mask.shape, bool)
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` with every region it fully encloses filled in (boolean)."""
    outside = np.pad(~mask.astype(bool), 1, constant_values=True).astype(np.uint8)
    cv2.floodFill(outside, None, (0, 0), 2)
    return outside[1:-1, 1:-1] != 2


def feather(mask: np.ndarray) -> np.ndarray:
    """A slightly soft matte (uint8) from a binary mask, half-transparent on the edge."""
    return cv2.GaussianBlur(mask, (0, 0), FEATHER_SIGMA)


# ---------------------------------------------------------------- 2. crop


def crop_to_garment(rgb: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """The RGBA cut-out, cropped to the garment plus a small margin."""
    cols, rows = np.flatnonzero(matte.any(axis=0)), np.flatnonzero(matte.any(axis=1))
    h, w = matte.shape
    margin = max(CROP_MARGIN_MIN, int(CROP_MARGIN * max(cols[-1] - cols[0], rows[-1] - rows[0])))
    x0, x1 = max(0, cols[0] - margin), min(w, cols[-1] + 1 + margin)
    y0, y1 = max(0, rows[0] - margin), min(h, rows[-1] + 1 + margin)
    return cv2.merge([*cv2.split(rgb[y0:y1, x0:x1]), matte[y0:y1, x0:x1]])


def defringe(rgba: np.ndarray) -> np.ndarray:
    """Edge pixels take the colour of the garment just inside them, so no rim of background
    colour (anti-aliasing, or a light halo left in the photo by an earlier cut-out) shows
    when the garment is laid over a person."""
    alpha = rgba[:, :, 3]
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * DEFRINGE + 1, 2 * DEFRINGE + 1))
    inside = cv2.erode((alpha == 255).astype(np.uint8), kernel)
    # Box means of the inside pixels, in uint8 on the whole crop (fast); the alpha channel of
    # the mean is the share of inside pixels it covers.
    mean = cv2.blur(cv2.copyTo(rgba, inside), (4 * DEFRINGE + 1, 4 * DEFRINGE + 1))
    ys, xs = np.nonzero((alpha > 0) & (inside == 0) & (mean[:, :, 3] > 0))
    fill = mean[ys, xs, :3].astype(np.float32) * 255.0 / mean[ys, xs, 3:].astype(np.float32)
    out = rgba.copy()
    out[ys, xs, :3] = np.clip(fill + 0.5, 0, 255).astype(np.uint8)
    return out


# ---------------------------------------------------------------- 3. style, 4. landmarks


def classify_and_measure(rgba: np.ndarray, slot: Slot) -> tuple[GarmentStyle, GarmentShape]:
    """The garment's style (or InputError for the wrong slot) and its landmarks in ``rgba``
    pixels. Both look at one copy of the cut-out at the landmark working size."""
    h, w = rgba.shape[:2]
    scale = min(1.0, LANDMARK_SIDE / max(h, w))
    small = cv2.resize(rgba, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    silhouette = (small[:, :, 3] > 127).astype(np.uint8) * 255
    style = garment_style(silhouette, slot)
    shape = measure(silhouette, style, np.ascontiguousarray(small[:, :, :3]))
    sx, sy = w / small.shape[1], h / small.shape[0]
    points = {k: (min(x * sx, w - 1.0), min(y * sy, h - 1.0)) for k, (x, y) in shape.landmarks.items()}
    return style, replace(shape, landmarks=points)


def garment_style(silhouette: np.ndarray, slot: Slot) -> GarmentStyle:
    """The style ``slot`` implies for this silhouette; InputError when it clearly belongs elsewhere."""
    legs = leg_split(silhouette)
    if slot == "lower":
        if legs is not None and legs.crotch_centred and legs.depth >= LEGS_DEPTH:
            return "trousers"
        top = measure(silhouette, "top")
        # Sleeves on both sides, with visible armpits or long enough to hang beside the body.
        if top.sleeve_sides == 2 and (top.corner_armpits == 2 or top.sleeves == "long"):
            raise InputError("This garment has sleeves, so it looks like a top; put it in the Upper, Outer or Dress slot.")
        return "skirt"
    if _clearly_trousers(silhouette, legs):
        raise InputError("This garment looks like trousers; put it in the Lower slot.")
    return SLOT_STYLE[slot]


def _clearly_trousers(silhouette: np.ndarray, legs) -> bool:
    if legs is None or not legs.crotch_centred or legs.depth < CLEAR_LEGS_DEPTH or min(legs.leg_widths) < CLEAR_LEGS_WIDTH:
        return False
    ys, xs = np.nonzero(silhouette)
    if np.ptp(ys) < CLEAR_LEGS_ASPECT * np.ptp(xs):
        return False
    # A top with sleeves hanging beside a long body can show two "legs" too; its armpits are
    # concave corners at its sides, which trousers do not have.
    return measure(silhouette, "top").corner_armpits == 0


# ---------------------------------------------------------------- helpers


def _on_white(rgb: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    if alpha is None:
        return rgb
    a = alpha[:, :, None].astype(np.float32) / 255.0
    return (rgb * a + 255.0 * (1 - a) + 0.5).astype(np.uint8)

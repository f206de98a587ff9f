"""The outfit planner: which garments are drawn, in which order, each inside which mask.

The plan is backend-independent: the warp backend and the diffusion backends both draw
pass after pass, each only inside its pass's mask, so the layout (tucked in, rolled
sleeves, open jacket) works the same way with every backend.

Order:  tucked / half tucked: upper, then lower over its hem.  untucked: lower, then
upper hanging over the waistband.  outer always last.  dress, then outer.
"""

from __future__ import annotations

import numpy as np

from pipelines.analysis import geometry as g
from pipelines.analysis.agnostic import ALWAYS_PROTECTED
from pipelines.analysis.parsing import waist_y
from pipelines.errors import InputError
from pipelines.types import Garment, Layout, OutfitPass, OutfitPlan, Part, PersonAnalysis, Pose, Slot

# An untucked top hangs this far below the hip joints (fraction of shoulder->hip length).
UNTUCKED_HANG = 0.18
# A tucked top ends this far below the waistline (it disappears into the waistband).
TUCK_OVERLAP = 0.04
# Half tucked: the centre this fraction of the hip width is tucked, the sides hang.
HALF_TUCK_CENTRE = 0.5
# Rolled sleeves end this far down the forearm (0 = elbow, 1 = wrist).
ROLLED_SLEEVE_END = 0.12
# Forearm width cleared by rolled sleeves, in shoulder widths.
FOREARM_CLEAR_WIDTH = 0.34
# Open jacket: width of the centre-front strip left to the inner top, in shoulder widths
# (at the chest; it widens towards the hem like a real open jacket).
OPEN_STRIP_TOP = 0.10
OPEN_STRIP_BOTTOM = 0.30


def validate_slots(slots: set[Slot]) -> None:
    if not slots:
        raise InputError("No garment was given; add at least one garment (upper, lower, dress or outer).")
    if "dress" in slots and slots & {"upper", "lower"}:
        both = " and ".join(sorted(slots & {"upper", "lower"}))
        raise InputError(f"A dress covers the whole body, so it cannot be worn with {both}; remove one of them.")


def pass_order(slots: set[Slot], layout: Layout) -> list[Slot]:
    if "dress" in slots:
        order: list[Slot] = ["dress"]
    elif layout.tuck == "untucked":
        order = ["lower", "upper"]
    else:
        order = ["upper", "lower"]
    return [s for s in order + ["outer"] if s in slots]


def plan_outfit(
    analysis: PersonAnalysis,
    garments: dict[Slot, Garment],
    layout: Layout,
    mask_overrides: dict[Slot, np.ndarray] | None = None,
) -> OutfitPlan:
    """Order the passes and shape each pass's mask for the layout."""
    validate_slots(set(garments))
    for slot, garment in garments.items():
        if garment.slot != slot:
            raise InputError(f"The garment given for {slot} was prepared as {garment.slot}; prepare it for {slot}.")
    overrides = mask_overrides or {}
    always = analysis.part_mask(*ALWAYS_PROTECTED)
    passes = []
    for slot in pass_order(set(garments), layout):
        region = analysis.regions[slot]
        if slot in overrides:
            mask = _check_override(overrides[slot], analysis, slot) & ~always
        else:
            mask = shape_mask(slot, region.mask.copy(), analysis, layout, "lower" in garments)
        passes.append(OutfitPass(slot, garments[slot], mask, (region.protected | always) & ~mask, layout))
    return OutfitPlan(analysis, layout, tuple(passes))


def shape_mask(slot: Slot, mask: np.ndarray, analysis: PersonAnalysis, layout: Layout, has_lower: bool) -> np.ndarray:
    """Apply the layout's geometry to one slot's agnostic mask."""
    pose = analysis.pose
    if slot == "upper":
        mask = _shape_hem(mask, analysis, layout, has_lower)
        if layout.sleeves == "rolled":
            mask = _clear_forearms(mask, analysis)
    elif slot == "outer":
        if layout.sleeves == "rolled":
            mask = _clear_forearms(mask, analysis)
        if layout.outerwear == "open":
            mask &= ~open_front_strip(mask.shape, pose)
    elif slot == "dress" and layout.sleeves == "rolled":
        mask = _clear_forearms(mask, analysis)
    return mask


def hem_row(pose: Pose, layout: Layout) -> float:
    """Image row where an upper garment's hem ends, for a given tuck."""
    sy = (pose.xy("left_shoulder")[1] + pose.xy("right_shoulder")[1]) / 2
    hy = (pose.xy("left_hip")[1] + pose.xy("right_hip")[1]) / 2
    if layout.tuck == "untucked":
        return float(hy + UNTUCKED_HANG * (hy - sy))
    return float(waist_y(pose) + TUCK_OVERLAP * (hy - sy))


def below_hem(shape: tuple[int, ...], pose: Pose, layout: Layout) -> np.ndarray:
    """Pixels a tucked (or half-tucked) top must not cover: it disappears into the waistband."""
    h, w = shape[:2]
    rows = np.arange(h, dtype=np.float32)[:, None]
    if layout.tuck == "untucked":
        return np.zeros((h, w), bool)
    cut = hem_row(pose, layout)
    if layout.tuck == "tucked":
        return np.broadcast_to(rows >= cut, (h, w)).copy()
    cols = np.arange(w, dtype=np.float32)[None, :]
    centre_x, half_hips = _hip_span(pose)
    sides = np.abs(cols - centre_x) > HALF_TUCK_CENTRE * half_hips
    return rows >= np.where(sides, hem_row(pose, Layout(tuck="untucked")), cut)


def _hip_span(pose: Pose) -> tuple[float, float]:
    lh, rh = pose.xy("left_hip"), pose.xy("right_hip")
    return float((lh[0] + rh[0]) / 2), float(abs(lh[0] - rh[0]) / 2) + 0.2 * pose.shoulder_width


def _shape_hem(mask: np.ndarray, analysis: PersonAnalysis, layout: Layout, has_lower: bool) -> np.ndarray:
    pose = analysis.pose
    h, w = mask.shape
    rows = np.arange(h, dtype=np.float32)[:, None]
    cols = np.arange(w, dtype=np.float32)[None, :]
    centre_x, half_hips = _hip_span(pose)
    hands = analysis.part_mask(Part.HANDS) > 0
    # Where the top may hang over the bottom's waistband (untucked, or the sides of a half tuck).
    hang = (rows >= waist_y(pose)) & (rows < hem_row(pose, Layout(tuck="untucked"))) & (np.abs(cols - centre_x) <= half_hips)
    out = (mask > 0) | (hang & ~hands)
    out &= ~below_hem(mask.shape, pose, layout)
    if layout.tuck != "untucked" and not has_lower:
        # No new bottom will be drawn over the old top's tail: the pass must clear it.
        out |= (mask > 0) & (analysis.part_mask(Part.UPPER_CLOTHES) > 0)
    return out.astype(np.uint8) * 255


def forearm_clear_region(shape: tuple[int, ...], pose: Pose) -> np.ndarray:
    """Forearms from just below the elbow to the wrist: bare when sleeves are rolled."""
    out = g.blank(shape)
    width = FOREARM_CLEAR_WIDTH * pose.shoulder_width
    for side in ("left", "right"):
        e, wr = pose.xy(f"{side}_elbow"), pose.xy(f"{side}_wrist")
        start = e + (wr - e) * ROLLED_SLEEVE_END
        g.capsule(out, start + (wr - e) * 0.12, wr, width)
    return out


def _clear_forearms(mask: np.ndarray, analysis: PersonAnalysis) -> np.ndarray:
    """Take bare forearms out of the mask. Forearms the old garment covers stay in it:
    the backend must repaint those as skin, never as garment."""
    forearms = forearm_clear_region(mask.shape, analysis.pose)
    bare = analysis.part_mask(Part.LEFT_FOREARM, Part.RIGHT_FOREARM, Part.HANDS) | analysis.part_mask(Part.BACKGROUND)
    return mask & ~(forearms & bare)


def open_front_strip(shape: tuple[int, ...], pose: Pose) -> np.ndarray:
    """The centre-front wedge an open jacket leaves to the inner top, neck to below the hips."""
    sw = pose.shoulder_width
    ls, rs, lh, rh = (pose.xy(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
    top_c = (ls + rs) / 2 + np.array([0, 0.08 * sw], np.float32)
    bottom_c = (lh + rh) / 2 + np.array([0, 0.9 * sw], np.float32)
    ht, hb = OPEN_STRIP_TOP * sw / 2, OPEN_STRIP_BOTTOM * sw / 2
    pts = np.stack([top_c + [-ht, 0], top_c + [ht, 0], bottom_c + [hb, 0], bottom_c + [-hb, 0]])
    return g.polygon(g.blank(shape), pts)


def _check_override(mask: np.ndarray, analysis: PersonAnalysis, slot: Slot) -> np.ndarray:
    h, w = analysis.image.shape[:2]
    if mask.shape[:2] != (h, w):
        raise InputError(
            f"The corrected {slot} mask is {mask.shape[1]}x{mask.shape[0]} but the photo is {w}x{h}; "
            "redraw it on this photo."
        )
    if mask.ndim == 3:
        mask = mask.max(axis=2)
    out = (mask > 127).astype(np.uint8) * 255
    if not out.any():
        raise InputError(f"The corrected {slot} mask is empty; paint where the garment should go.")
    return out

"""Clothing-agnostic maps: for each slot, where a new garment may go and what stays.

Follows the VITON-HD / DressCode / CatVTON practice: the mask covers the old garment AND
a generous, convex-ish body region (torso hull, arm and leg capsules), so the new
garment's shape decides the result: a long-sleeve shirt fits on a person in a tank top
and a tank top on a person in long sleeves. Face, hair, hands and feet are always protected.
"""

from __future__ import annotations

import numpy as np

from pipelines.analysis import geometry as g
from pipelines.analysis.parsing import waist_y
from pipelines.types import SLOTS, Part, Pose, Slot, SlotRegion

# Grey used to blank the agnostic region (VITON-HD uses 128 grey).
AGNOSTIC_GREY = 128
# Dilation of slot masks, as a fraction of shoulder width.
MASK_DILATION = 0.06
# Extra width/length of an outer layer (jacket, coat) over the upper region.
OUTER_EXTRA_WIDTH = 0.10
OUTER_LENGTH = 0.45  # of the hip->knee distance below the hips
# A dress's skirt may flare this much wider than the hips at the knees.
SKIRT_FLARE = 1.35
# Margin kept around protected parts (fraction of shoulder width).
PROTECT_MARGIN = 0.015

ALWAYS_PROTECTED = (Part.FACE, Part.HAIR, Part.HANDS, Part.FEET)


def slot_masks(pose: Pose, parsing: np.ndarray, regions: dict[str, np.ndarray]) -> dict[Slot, tuple[np.ndarray, np.ndarray]]:
    """(mask, protected) per slot, at the parsing map's size."""
    shape = parsing.shape
    sw = max(pose.shoulder_width, 8.0)
    part = lambda *ps: np.isin(parsing, [int(p) for p in ps]).astype(np.uint8) * 255  # noqa: E731
    always = g.dilate(part(*ALWAYS_PROTECTED) | _hands(regions) | regions["face"], PROTECT_MARGIN * sw)
    masks = _slot_masks(shape, pose, parsing, regions, sw)
    protected: dict[Slot, np.ndarray] = {
        # An upper garment keeps the lower garment below the waist (the planner lets an
        # untucked top hang over it) and the legs.
        "upper": always | (part(Part.LOWER_CLOTHES, Part.LEGS) & _below(shape, waist_y(pose))),
        # Trousers or a skirt keep the upper garment above the waist, arms and torso skin.
        "lower": always | (part(Part.UPPER_CLOTHES, Part.TORSO_SKIN, Part.NECK) & ~_below(shape, waist_y(pose)))
        | part(Part.LEFT_UPPER_ARM, Part.RIGHT_UPPER_ARM, Part.LEFT_FOREARM, Part.RIGHT_FOREARM),
        "dress": always,
        "outer": always,
    }
    out: dict[Slot, tuple[np.ndarray, np.ndarray]] = {}
    for slot in SLOTS:
        mask = masks[slot] & ~protected[slot]
        out[slot] = (mask, protected[slot] & ~mask)
    return out


def slot_region(image: np.ndarray, slot: Slot, mask: np.ndarray, protected: np.ndarray) -> SlotRegion:
    """The agnostic map of one slot at the photo's size: the photo with the mask grey-filled."""
    agnostic = image.copy()
    agnostic[mask > 0] = AGNOSTIC_GREY
    return SlotRegion(slot, mask, protected, agnostic)


def _slot_masks(shape, pose: Pose, parsing: np.ndarray, regions: dict[str, np.ndarray], sw: float) -> dict[Slot, np.ndarray]:
    part = lambda *ps: np.isin(parsing, [int(p) for p in ps]).astype(np.uint8) * 255  # noqa: E731
    arms = regions["left_upper_arm"] | regions["right_upper_arm"] | regions["left_forearm"] | regions["right_forearm"]
    lower_neck = regions["neck"] & _below(shape, _neck_mid_y(pose))
    upper_body = g.hull(regions["torso"] | part(Part.UPPER_CLOTHES, Part.TORSO_SKIN) & regions["torso"])
    upper = (upper_body | arms | lower_neck) & ~_below(shape, _hip_y(pose) + 0.05 * sw)
    # The whole old top, however long, so that it can be removed.
    upper = g.dilate(upper | part(Part.UPPER_CLOTHES), MASK_DILATION * sw)

    legs = regions["left_thigh"] | regions["right_thigh"] | regions["left_calf"] | regions["right_calf"]
    pelvis = g.polygon(g.blank(shape), np.stack([_waist_point(pose, "left", 1.25), _waist_point(pose, "right", 1.25),
                                                 pose.xy("right_knee"), pose.xy("left_knee")]))
    lower = (pelvis | legs | part(Part.LOWER_CLOTHES)) & _below(shape, waist_y(pose))
    lower = g.dilate(lower, MASK_DILATION * sw)

    lh, rh, lk, rk = (pose.xy(n) for n in ("left_hip", "right_hip", "left_knee", "right_knee"))
    hip_c, knee_c = (lh + rh) / 2, (lk + rk) / 2
    half = np.linalg.norm(lh - rh) / 2 * SKIRT_FLARE * 1.3
    skirt = g.polygon(g.blank(shape), np.stack([_waist_point(pose, "left", 1.3), _waist_point(pose, "right", 1.3),
                                                knee_c + np.array([-half, 0]), knee_c + np.array([half, 0])]))
    dress = upper | lower | g.dilate(skirt, MASK_DILATION * sw) | part(Part.DRESS)

    coat_bottom = hip_c[1] + OUTER_LENGTH * (knee_c[1] - hip_c[1])
    coat_body = g.polygon(g.blank(shape), np.stack([pose.xy("left_shoulder"), pose.xy("right_shoulder"),
                                                    _at_y(rh, rk, coat_bottom) + np.array([-0.15 * sw, 0]),
                                                    _at_y(lh, lk, coat_bottom) + np.array([0.15 * sw, 0])]))
    outer = g.dilate(upper | coat_body, OUTER_EXTRA_WIDTH * sw)
    return {"upper": upper, "lower": lower, "dress": dress, "outer": outer}


def _hands(regions: dict[str, np.ndarray]) -> np.ndarray:
    return regions["left_hand"] | regions["right_hand"]


def _below(shape, y: float) -> np.ndarray:
    rows = np.arange(shape[0])[:, None] >= y
    return np.broadcast_to(rows, shape[:2]).astype(np.uint8) * 255


def _hip_y(pose: Pose) -> float:
    return float((pose.xy("left_hip")[1] + pose.xy("right_hip")[1]) / 2)


def _neck_mid_y(pose: Pose) -> float:
    sy = (pose.xy("left_shoulder")[1] + pose.xy("right_shoulder")[1]) / 2
    my = (pose.xy("mouth_left")[1] + pose.xy("mouth_right")[1]) / 2
    return float(my + 0.55 * (sy - my))


def _waist_point(pose: Pose, side: str, spread: float) -> np.ndarray:
    """A point on the waistline above ``side``'s hip, pushed out from the centre by ``spread``."""
    wy = waist_y(pose)
    lh, rh = pose.xy("left_hip"), pose.xy("right_hip")
    c = (lh + rh) / 2
    hip = pose.xy(f"{side}_hip")
    x = c[0] + (hip[0] - c[0]) * spread
    return np.array([x, wy], np.float32)


def _at_y(a: np.ndarray, b: np.ndarray, y: float) -> np.ndarray:
    """The point on the line a-b at image row y."""
    t = (y - a[1]) / (b[1] - a[1]) if abs(float(b[1] - a[1])) > 1e-3 else 0.0
    return a + (b - a) * t

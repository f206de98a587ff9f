"""The outfit planner: valid combinations, pass order and layout geometry of the masks."""

from __future__ import annotations

import numpy as np
import pytest
from people import mannequin_analysis

from pipelines.errors import InputError
from pipelines.layout import parse_layout
from pipelines.plan import hem_row, open_front_strip, plan_outfit, validate_slots
from pipelines.types import Garment, Part


def _garment(slot, style="top") -> Garment:
    rgba = np.zeros((40, 30, 4), np.uint8)
    return Garment(key=slot, slot=slot, rgba=rgba, landmarks={}, cutout_method="grabcut",
                   source_image=rgba[:, :, :3], style=style)


@pytest.fixture(scope="module")
def person():
    return mannequin_analysis()


def outfit(*slots):
    styles = {"upper": "top", "lower": "trousers", "dress": "dress", "outer": "jacket"}
    return {s: _garment(s, styles[s]) for s in slots}


@pytest.mark.parametrize("slots", [("dress", "upper"), ("dress", "lower"), ()])
def test_invalid_combinations(slots):
    with pytest.raises(InputError):
        validate_slots(set(slots))


@pytest.mark.parametrize("slots", [("upper", "lower"), ("dress",), ("upper", "lower", "outer"), ("dress", "outer"), ("outer",)])
def test_valid_combinations(slots):
    validate_slots(set(slots))


@pytest.mark.parametrize(
    "layout,slots,order",
    [
        ("untucked", ("upper", "lower", "outer"), ["lower", "upper", "outer"]),
        ("tucked in", ("upper", "lower", "outer"), ["upper", "lower", "outer"]),
        ("half tucked", ("upper", "lower"), ["upper", "lower"]),
        ("", ("outer", "dress"), ["dress", "outer"]),
    ],
)
def test_pass_order(person, layout, slots, order):
    plan = plan_outfit(person, outfit(*slots), parse_layout(layout))
    assert [p.slot for p in plan.passes] == order


def test_tucked_and_untucked_waists_differ(person):
    tucked = plan_outfit(person, outfit("upper", "lower"), parse_layout("tucked in"))
    untucked = plan_outfit(person, outfit("upper", "lower"), parse_layout("untucked"))
    up_t = next(p for p in tucked.passes if p.slot == "upper").mask
    up_u = next(p for p in untucked.passes if p.slot == "upper").mask
    bottom_t = np.nonzero(up_t.any(axis=1))[0].max()
    bottom_u = np.nonzero(up_u.any(axis=1))[0].max()
    assert bottom_t <= hem_row(person.pose, parse_layout("tucked in")) + 1
    assert bottom_u > bottom_t + 20  # the untucked top hangs over the waistband
    hip_y = int(person.pose.xy("left_hip")[1])
    centre_x = int((person.pose.xy("left_hip")[0] + person.pose.xy("right_hip")[0]) / 2)
    assert up_u[hip_y, centre_x] and not up_t[hip_y, centre_x]
    # ...and in both the lower pass may paint the hips
    for plan in (tucked, untucked):
        assert next(p for p in plan.passes if p.slot == "lower").mask[hip_y + 20, centre_x]


def test_half_tuck_tucks_the_centre_only(person):
    plan = plan_outfit(person, outfit("upper", "lower"), parse_layout("half tucked"))
    up = plan.passes[0].mask
    hip_y = int(person.pose.xy("left_hip")[1]) + 5
    lh, rh = person.pose.xy("left_hip"), person.pose.xy("right_hip")
    centre_x = int((lh[0] + rh[0]) / 2)
    assert not up[hip_y, centre_x]
    assert up[hip_y, int(lh[0])] or up[hip_y, int(rh[0])]


def test_rolled_sleeves_free_bare_forearms(person):
    rolled = plan_outfit(person, outfit("upper"), parse_layout("rolled sleeves")).passes[0].mask
    down = plan_outfit(person, outfit("upper"), parse_layout("sleeves down")).passes[0].mask
    forearms = person.part_mask(Part.LEFT_FOREARM, Part.RIGHT_FOREARM) > 0
    wrist_half = np.zeros_like(forearms)
    wy = int(person.pose.xy("left_wrist")[1])
    ey = int(person.pose.xy("left_elbow")[1])
    wrist_half[(ey + wy) // 2: wy] = True
    assert (down[forearms & wrist_half] > 0).mean() > 0.9
    assert (rolled[forearms & wrist_half] > 0).mean() < 0.05


def test_open_jacket_leaves_the_centre_to_the_inner_top(person):
    open_plan = plan_outfit(person, outfit("upper", "outer"), parse_layout("open jacket"))
    closed_plan = plan_outfit(person, outfit("upper", "outer"), parse_layout("closed jacket"))
    strip = open_front_strip(person.parsing.shape, person.pose) > 0
    outer_open = next(p for p in open_plan.passes if p.slot == "outer").mask > 0
    outer_closed = next(p for p in closed_plan.passes if p.slot == "outer").mask > 0
    chest = strip & person.part_mask(Part.UPPER_CLOTHES).astype(bool)
    assert chest.sum() > 200
    assert not (outer_open & chest).any()
    assert outer_closed[chest].mean() > 0.95


def test_masks_never_touch_face_or_hands(person):
    plan = plan_outfit(person, outfit("upper", "lower", "outer"), parse_layout("rolled sleeves, open jacket"))
    forbidden = person.part_mask(Part.FACE, Part.HANDS, Part.HAIR, Part.FEET) > 0
    for p in plan.passes:
        assert not (p.mask[forbidden] > 0).any()
        assert not np.any((p.mask > 0) & (p.protected > 0))


def test_mask_override_is_used_but_face_stays_protected(person):
    override = np.full(person.parsing.shape, 255, np.uint8)
    plan = plan_outfit(person, outfit("upper"), parse_layout(""), {"upper": override})
    mask = plan.passes[0].mask
    assert mask[5, 5] == 255  # the user's brush wins in the background...
    nose = person.pose.xy("nose").astype(int)
    assert mask[nose[1], nose[0]] == 0  # ...but never over the face
    with pytest.raises(InputError, match="redraw"):
        plan_outfit(person, outfit("upper"), parse_layout(""), {"upper": override[:10]})
    with pytest.raises(InputError, match="empty"):
        plan_outfit(person, outfit("upper"), parse_layout(""), {"upper": override * 0})

"""The warp backend on a drawn full-body person with drawn garments: real properties of the result."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from people import SHIRT, mannequin_analysis

from pipelines.backends.base import DiffusionOptions
from pipelines.backends.warp import WarpBackend
from pipelines.drawn import dress_with_word, open_jacket, solid_top, striped_tshirt, trousers
from pipelines.layout import parse_layout
from pipelines.plan import open_front_strip, plan_outfit
from pipelines.tryon import run_plan
from pipelines.types import Part

OPTIONS = DiffusionOptions()
GREEN = (40, 170, 60)
YELLOW = (230, 200, 40)
GREY = (70, 75, 85)
LINING = (190, 40, 50)


@pytest.fixture(scope="module")
def person():
    return mannequin_analysis()


@pytest.fixture(scope="module")
def backend(empty_weights):
    return WarpBackend(empty_weights, OPTIONS)


@pytest.fixture(scope="module")
def prepare(engine):
    return lambda image, slot: engine.preparer.prepare(image, slot)


def dress_up(person, backend, prepare, layout="", **garments):
    prepared = {slot: prepare(image, slot) for slot, image in garments.items()}
    return run_plan(backend, plan_outfit(person, prepared, parse_layout(layout)), OPTIONS)


def near(image: np.ndarray, colour, tol: float = 60.0) -> np.ndarray:
    return np.linalg.norm(image.astype(np.float32) - np.array(colour, np.float32), axis=-1) < tol


def torso_box(person, shrink: float = 0.25) -> tuple[slice, slice]:
    pose = person.pose
    ls, rs, lh = pose.xy("left_shoulder"), pose.xy("right_shoulder"), pose.xy("left_hip")
    x0, x1 = sorted([rs[0], ls[0]])
    y0, y1 = ls[1], lh[1]
    dx, dy = (x1 - x0) * shrink, (y1 - y0) * shrink
    return slice(int(y0 + dy), int(y1 - dy)), slice(int(x0 + dx), int(x1 - dx))


def test_outside_the_masks_nothing_changes(person, backend, prepare):
    result = dress_up(person, backend, prepare, "tucked in", upper=solid_top(GREEN), lower=trousers((200, 190, 60)))
    assert result.image.shape == person.image.shape
    union = np.zeros(person.parsing.shape, bool)
    for p in result.plan.passes:
        union |= p.mask > 0
    assert np.array_equal(result.image[~union], person.image[~union])
    assert not np.array_equal(result.image[union], person.image[union])


def test_garment_colour_covers_the_torso(person, backend, prepare):
    result = dress_up(person, backend, prepare, upper=solid_top(GREEN))
    box = torso_box(person)
    assert near(result.image[box], GREEN, 70).mean() > 0.8
    assert near(result.image[box], SHIRT, 40).mean() < 0.05  # the old red shirt is gone


def test_stripes_stay_parallel(person, backend, prepare):
    result = dress_up(person, backend, prepare, upper=striped_tshirt())
    ys, xs = torso_box(person, shrink=0.3)
    patch = cv2.cvtColor(result.image[ys, xs], cv2.COLOR_RGB2GRAY).astype(np.float32)
    gy = cv2.Sobel(patch, cv2.CV_32F, 0, 1, ksize=3)
    gx = cv2.Sobel(patch, cv2.CV_32F, 1, 0, ksize=3)
    # Structure tensor: the dominant gradient is vertical (horizontal stripes) and coherent.
    jxx, jyy, jxy = (gx * gx).sum(), (gy * gy).sum(), (gx * gy).sum()
    angle = 0.5 * np.degrees(np.arctan2(2 * jxy, jyy - jxx))
    coherence = np.sqrt((jyy - jxx) ** 2 + 4 * jxy**2) / (jxx + jyy)
    assert abs(angle) < 12, angle
    assert coherence > 0.6, coherence
    # and there are several stripes, not one smeared band
    profile = patch.mean(axis=1)
    crossings = np.count_nonzero(np.diff(np.sign(profile - profile.mean())))
    assert crossings >= 4


def test_tucked_and_untucked_differ_at_the_waist(person, backend, prepare):
    top, bottom = solid_top(GREEN), trousers(YELLOW)
    tucked = dress_up(person, backend, prepare, "tucked in", upper=top, lower=bottom).image
    untucked = dress_up(person, backend, prepare, "untucked", upper=top, lower=bottom).image
    hip_y = int(person.pose.xy("left_hip")[1])
    x0, x1 = int(person.pose.xy("right_hip")[0]), int(person.pose.xy("left_hip")[0])
    band = (slice(hip_y - 5, hip_y + 10), slice(x0, x1))
    # Tucked: the trousers cover the hips. Untucked: the top hangs over them.
    assert near(tucked[band], YELLOW, 80).mean() > 0.6
    assert near(untucked[band], GREEN, 80).mean() > 0.6


def test_rolled_sleeves_leave_forearms_bare(person, backend, prepare):
    long_top = solid_top(GREEN, sleeves="long")
    down = dress_up(person, backend, prepare, "sleeves down", upper=long_top).image
    rolled = dress_up(person, backend, prepare, "rolled sleeves", upper=long_top).image
    forearm = np.zeros(person.parsing.shape, np.uint8)
    pose = person.pose
    for side in ("left", "right"):
        e, w = pose.xy(f"{side}_elbow"), pose.xy(f"{side}_wrist")
        a, b = e + (w - e) * 0.45, e + (w - e) * 0.9
        cv2.line(forearm, tuple(int(v) for v in a), tuple(int(v) for v in b), 255, 12)
    forearm = forearm > 0
    assert near(down[forearm], GREEN, 80).mean() > 0.5  # long sleeves reach the wrists
    assert near(rolled[forearm], GREEN, 80).mean() < 0.02


def test_open_jacket_shows_the_inner_top(person, backend, prepare):
    inner = solid_top(GREEN)
    jacket = open_jacket(GREY, LINING)
    closed = dress_up(person, backend, prepare, "closed jacket", upper=inner, outer=jacket).image
    opened = dress_up(person, backend, prepare, "open jacket", upper=inner, outer=jacket).image
    strip = open_front_strip(person.parsing.shape, person.pose) > 0
    chest = strip.copy()
    chest[: int(person.pose.xy("left_shoulder")[1]) + 20] = False
    chest[int(person.pose.xy("left_hip")[1]) - 20:] = False
    assert near(opened[chest], GREEN, 80).mean() > 0.6
    assert near(closed[chest], GREEN, 80).mean() < 0.3


def test_dress_print_stays_legible(person, backend, prepare):
    result = dress_up(person, backend, prepare, dress=dress_with_word("TRY", colour=(30, 120, 90)))
    ys, xs = torso_box(person, shrink=0.1)
    white = near(result.image[ys, xs], (255, 255, 255), 70)
    assert white.mean() > 0.01  # the printed word is there...
    n, _, stats, _ = cv2.connectedComponentsWithStats(white.astype(np.uint8))
    letters = [s for s in stats[1:] if s[cv2.CC_STAT_AREA] > 15]
    assert len(letters) >= 3  # ...as separate letters, not a smear
    legs = person.part_mask(Part.LOWER_CLOTHES) > 0
    assert near(result.image[legs], (30, 120, 90), 90).mean() > 0.3  # the dress covers the thighs


def test_progress_is_reported(person, backend, prepare):
    seen = []
    prepared = {"upper": prepare(solid_top(GREEN), "upper")}
    run_plan(backend, plan_outfit(person, prepared, parse_layout("")), OPTIONS, lambda f, m: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)

"""Person analysis on package-shipped photos: real properties of the pose, parsing and masks."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.errors import InputError
from pipelines.types import SLOTS, Part


@pytest.fixture(scope="module")
def astro(analyzer, astronaut):
    return analyzer.analyze(astronaut)


def _box_fraction(mask: np.ndarray, centre, half: int) -> float:
    x, y = (int(v) for v in centre)
    box = mask[max(0, y - half): y + half, max(0, x - half): x + half]
    return float((box > 0).mean())


def test_pose_is_in_pixels(astro, astronaut):
    h, w = astronaut.shape[:2]
    nose = astro.pose.xy("nose")
    assert 0 < nose[0] < w and 0 < nose[1] < h / 2
    assert astro.pose.xy("left_shoulder")[0] > astro.pose.xy("right_shoulder")[0]  # person's left = image right
    assert astro.pose.landmarks.shape == (33, 3)
    assert set(astro.pose.joints()) >= {"left_wrist", "right_ankle", "left_ear", "nose"}


def test_masks_have_the_photo_size(astro, astronaut):
    for slot in SLOTS:
        region = astro.regions[slot]
        assert region.mask.shape == astronaut.shape[:2]
        assert set(np.unique(region.mask)) <= {0, 255}
        assert not np.any((region.mask > 0) & (region.protected > 0))
    assert astro.parsing.shape == astronaut.shape[:2]
    assert astro.parsing_source == "pose_skin_fallback"


def test_face_protected_and_torso_masked(astro):
    nose = astro.pose.xy("nose")
    for slot in SLOTS:
        assert _box_fraction(astro.regions[slot].mask, nose, 10) == 0.0
        assert _box_fraction(astro.regions[slot].protected, nose, 10) == 1.0
    chest = (astro.pose.xy("left_shoulder") + astro.pose.xy("right_shoulder")) / 2 + [0, 60]
    assert _box_fraction(astro.regions["upper"].mask, chest, 20) > 0.95
    assert _box_fraction(astro.regions["outer"].mask, chest, 20) > 0.95


def test_hands_outside_every_mask(astro):
    hands = astro.part_mask(Part.HANDS) > 0
    assert hands.any()
    for slot in SLOTS:
        assert not np.any(hands & (astro.regions[slot].mask > 0))


def test_lower_mask_stays_below_the_waist(astro):
    rows = np.nonzero(astro.regions["lower"].mask.any(axis=1))[0]
    shoulder_y = astro.pose.xy("left_shoulder")[1]
    hip_y = astro.pose.xy("left_hip")[1]
    if len(rows):
        assert rows.min() > shoulder_y + 0.6 * (hip_y - shoulder_y)


def test_parsing_finds_clothes_and_skin(astro):
    labels = set(np.unique(astro.parsing))
    assert {int(Part.FACE), int(Part.UPPER_CLOTHES), int(Part.HAIR)} <= labels


def test_second_call_is_a_cache_hit(analyzer, astronaut):
    analyzer.analyze(astronaut)
    hits = analyzer.cache_hits
    again = analyzer.analyze(astronaut.copy())
    assert analyzer.cache_hits == hits + 1
    assert again is analyzer.analyze(astronaut)


def test_portrait_has_no_lower_body(analyzer, grace_hopper):
    a = analyzer.analyze(grace_hopper)
    assert a.regions["upper"].mask.any()
    nose = a.pose.xy("nose")
    assert _box_fraction(a.regions["upper"].protected, nose, 8) == 1.0


def test_no_person(analyzer):
    rng = np.random.default_rng(0)
    blank = np.full((480, 360, 3), 235, np.uint8)
    blank += rng.integers(0, 8, blank.shape, dtype=np.uint8)
    with pytest.raises(InputError, match="No person"):
        analyzer.analyze(blank)


def test_two_people_uses_the_largest(analyzer, astronaut):
    import cv2

    small = cv2.resize(astronaut, (256, 256))
    canvas = np.full((512, 512 + 300, 3), 255, np.uint8)
    canvas[:, :512] = astronaut
    canvas[256:, 530:786] = small
    a = analyzer.analyze(canvas)
    assert a.pose.xy("nose")[0] < 512
    assert a.notes == ("Found 2 people; used the largest.",)


def test_pose_map_and_heatmaps(astro):
    from pipelines.analysis.posemap import draw_pose_map, keypoint_heatmaps

    w, h = astro.size
    pm = draw_pose_map(astro.pose, (w, h))
    assert pm.shape == (h, w, 3) and pm.any()
    hm = keypoint_heatmaps(astro.pose.scaled(0.25), (w // 4, h // 4))
    assert hm.shape == (18, h // 4, w // 4)
    nose = astro.pose.xy("nose") / 4
    peak = np.unravel_index(np.argmax(hm[0]), hm[0].shape)
    assert abs(peak[1] - nose[0]) <= 2 and abs(peak[0] - nose[1]) <= 2

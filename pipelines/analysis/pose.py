"""MediaPipe pose and person segmentation, loaded once and reused.

MediaPipe 0.10.21 ships both models inside its wheel, so nothing is downloaded.
Pose finds one person; the multi-person selfie segmentation tells us whether there are
more, in which case the largest is cropped out and analysed, and the user is told.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from dataclasses import dataclass

import cv2
import numpy as np

from pipelines.errors import InputError
from pipelines.types import NUM_LANDMARKS, Pose

# MediaPipe pose: model_complexity=1 is the "full" model bundled in the wheel (2 = heavy
# would need a download). Detection confidence 0.5 is MediaPipe's default.
POSE_MODEL_COMPLEXITY = 1
MIN_DETECTION_CONFIDENCE = 0.5
# A segmentation blob smaller than this fraction of the photo is not a person worth counting.
MIN_PERSON_AREA_FRACTION = 0.02
# ... and one smaller than this fraction of the largest blob is a stray, not a second person.
SECOND_PERSON_RELATIVE_AREA = 0.2
# Probability threshold on MediaPipe's soft segmentation masks.
SEGMENTATION_THRESHOLD = 0.5
# Margin around the chosen person when cropping it out of a group photo (fraction of its box).
CROP_MARGIN = 0.15
# Shoulders and hips must be at least this visible for a usable pose.
MIN_TORSO_VISIBILITY = 0.3


@dataclass(frozen=True, eq=False)
class PoseFinding:
    pose: Pose
    person_mask: np.ndarray  # uint8 255 on the chosen person
    notes: tuple[str, ...]


class PoseEstimator:
    """Wraps MediaPipe Pose (with segmentation) and Selfie Segmentation; models load once."""

    def __init__(self) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ logging quiet
        # MediaPipe's drawing helpers import matplotlib.pyplot (0.5 s) and we never draw with
        # them: load pyplot lazily, on first use, so `launch.py analyze` starts fast.
        _lazy_import("matplotlib.pyplot")
        from mediapipe.python.solutions import pose as mp_pose
        from mediapipe.python.solutions import selfie_segmentation as mp_selfie

        self._pose = mp_pose.Pose(
            static_image_mode=True,
            model_complexity=POSE_MODEL_COMPLEXITY,
            enable_segmentation=True,
            min_detection_confidence=MIN_DETECTION_CONFIDENCE,
        )
        self._people = mp_selfie.SelfieSegmentation(model_selection=0)

    def find(self, image: np.ndarray) -> PoseFinding:
        h, w = image.shape[:2]
        people = self._people.process(image).segmentation_mask
        blobs = _person_blobs(people, h * w)
        notes: list[str] = []
        x0, y0, crop = 0, 0, image
        if len(blobs) > 1:
            notes.append(f"Found {len(blobs)} people; used the largest.")
            bx, by, bw, bh = blobs[0]
            mx, my = int(bw * CROP_MARGIN), int(bh * CROP_MARGIN)
            x0, y0 = max(0, bx - mx), max(0, by - my)
            x1, y1 = min(w, bx + bw + mx), min(h, by + bh + my)
            crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        result = self._pose.process(crop)
        if result.pose_landmarks is None:
            raise InputError("No person was found in the photo; use a photo that shows one person's upper body or more.")
        ch, cw = crop.shape[:2]
        lm = np.array(
            [(p.x * cw + x0, p.y * ch + y0, p.visibility) for p in result.pose_landmarks.landmark],
            dtype=np.float32,
        )
        assert lm.shape == (NUM_LANDMARKS, 3)
        pose = Pose(lm)
        torso = lm[[11, 12, 23, 24], 2]
        if float(torso[:2].min()) < MIN_TORSO_VISIBILITY:
            raise InputError(
                "The person's shoulders are not visible; use a photo that shows the person from the front, "
                "head to at least the waist."
            )
        mask = np.zeros((h, w), np.uint8)
        if result.segmentation_mask is not None:
            mask[y0 : y0 + ch, x0 : x0 + cw] = (result.segmentation_mask > SEGMENTATION_THRESHOLD).astype(np.uint8) * 255
        else:  # pragma: no cover - segmentation is always enabled
            mask = (people > SEGMENTATION_THRESHOLD).astype(np.uint8) * 255
        mask = _keep_component_under_pose(mask, pose)
        return PoseFinding(pose, mask, tuple(notes))

    def close(self) -> None:
        self._pose.close()
        self._people.close()


class _DeferredModule(types.ModuleType):
    """Stands in for a module until one of its attributes is used, then imports the real one."""

    def __getattr__(self, attribute: str):
        sys.modules.pop(self.__name__, None)
        return getattr(importlib.import_module(self.__name__), attribute)


def _lazy_import(name: str) -> None:
    """Defer importing ``name`` until first use. (importlib's LazyLoader does not survive the
    second ``import`` statement on Python 3.11: the import system reads ``__spec__``.)"""
    if name not in sys.modules:
        sys.modules[name] = _DeferredModule(name)


def _person_blobs(prob: np.ndarray, area: int) -> list[tuple[int, int, int, int]]:
    """Bounding boxes of people-sized blobs, largest first."""
    binary = (prob > SEGMENTATION_THRESHOLD).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    rows = [s for s in stats[1:] if s[cv2.CC_STAT_AREA] >= MIN_PERSON_AREA_FRACTION * area]
    rows.sort(key=lambda s: -s[cv2.CC_STAT_AREA])
    if rows:
        biggest = rows[0][cv2.CC_STAT_AREA]
        rows = [s for s in rows if s[cv2.CC_STAT_AREA] >= SECOND_PERSON_RELATIVE_AREA * biggest]
    return [tuple(int(v) for v in s[:4]) for s in rows]


def _keep_component_under_pose(mask: np.ndarray, pose: Pose) -> np.ndarray:
    """Keep only the segmentation blobs that some visible landmark falls on (drops other people)."""
    n, labels, _, _ = cv2.connectedComponentsWithStats((mask > 0).astype(np.uint8), connectivity=8)
    if n <= 2:
        return mask
    h, w = mask.shape
    pts = pose.landmarks[pose.landmarks[:, 2] >= MIN_TORSO_VISIBILITY, :2]
    xs = np.clip(pts[:, 0].astype(int), 0, w - 1)
    ys = np.clip(pts[:, 1].astype(int), 0, h - 1)
    keep = np.zeros(n, bool)
    keep[labels[ys, xs]] = True
    keep[0] = False
    if not keep.any():
        return mask
    return keep[labels].astype(np.uint8) * 255

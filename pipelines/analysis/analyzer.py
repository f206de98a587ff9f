"""One call from a person photo to a :class:`PersonAnalysis`, cached by image content."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from threading import Lock

import cv2
import numpy as np

from pipelines.analysis.agnostic import ALWAYS_PROTECTED, slot_masks, slot_region
from pipelines.analysis.parsing import ClothSegmenter, body_regions, parse
from pipelines.analysis.pose import PoseEstimator, PoseFinding
from pipelines.imageio import content_key
from pipelines.types import PersonAnalysis

# Analyses kept in memory (each ~15 MB at 768x1024): enough for a studio session's photos.
CACHE_SIZE = 16
# Longest side of the working image for parsing and masks (768x1024 -> 384x512).
PARSE_MAX_SIDE = 512


class PersonAnalyzer:
    """Owns the pose and parsing models (loaded on first use) and the analysis cache."""

    def __init__(self, weights_dir: Path) -> None:
        self.weights_dir = weights_dir
        self._pose: PoseEstimator | None = None
        self._segmenter: ClothSegmenter | None = None
        self._segmenter_checked = False
        self._cache: OrderedDict[str, PersonAnalysis] = OrderedDict()
        self._lock = Lock()  # MediaPipe graphs are not re-entrant
        self.cache_hits = 0
        self.cache_misses = 0

    def analyze(self, image: np.ndarray) -> PersonAnalysis:
        key = content_key(image)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                self.cache_hits += 1
                return self._cache[key]
            self.cache_misses += 1
            finding = self._pose_estimator().find(image)
            analysis = build_analysis(image, finding, self._cloth_segmenter(), key)
            self._cache[key] = analysis
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return analysis

    def _pose_estimator(self) -> PoseEstimator:
        if self._pose is None:
            self._pose = PoseEstimator()
        return self._pose

    def _cloth_segmenter(self) -> ClothSegmenter | None:
        if not self._segmenter_checked:
            path = ClothSegmenter.model_path(self.weights_dir)
            self._segmenter = ClothSegmenter(path) if path else None
            self._segmenter_checked = True
        return self._segmenter


def _upscale(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if mask.shape[1] == size[0] and mask.shape[0] == size[1]:
        return mask
    return ((cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR) > 127) * 255).astype(np.uint8)


def build_analysis(image: np.ndarray, finding: PoseFinding, segmenter: ClothSegmenter | None, key: str | None = None) -> PersonAnalysis:
    """Parsing and agnostic maps for a photo whose pose and person mask are known."""
    h, w = image.shape[:2]
    # Parsing and masks are computed at a working size and scaled back: they are smooth,
    # dilated shapes, and this keeps a 768x1024 analysis well under 0.3 s.
    scale = min(1.0, PARSE_MAX_SIDE / max(h, w))
    small_size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(image, small_size, interpolation=cv2.INTER_AREA)
    person = cv2.resize(finding.person_mask, small_size, interpolation=cv2.INTER_NEAREST)
    pose = finding.pose.scaled(small_size[0] / w)
    body = body_regions(small.shape, pose)
    parsing, source = parse(small, pose, person, segmenter, body)
    parsing_full = cv2.resize(parsing, (w, h), interpolation=cv2.INTER_NEAREST)
    # Re-apply the always-protected parts at full size, so no scaling seam can leak paint onto a face.
    always = np.isin(parsing_full, [int(p) for p in ALWAYS_PROTECTED]).astype(np.uint8) * 255
    regions = {}
    for slot, (mask, protected) in slot_masks(pose, parsing, body).items():
        mask_full = _upscale(mask, (w, h)) & ~always
        regions[slot] = slot_region(image, slot, mask_full, (_upscale(protected, (w, h)) | always) & ~mask_full)
    return PersonAnalysis(
        key=key or content_key(image),
        image=image,
        pose=finding.pose,
        person_mask=finding.person_mask,
        parsing=parsing_full,
        parsing_source=source,
        regions=regions,
        notes=finding.notes,
    )

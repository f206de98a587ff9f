"""Typed data passed between the stages of the studio.

analysis -> PersonAnalysis, garment preparation -> Garment, layout text -> Layout,
planner -> OutfitPlan (ordered OutfitPass), backend -> TryOnResult.
Images are numpy arrays: RGB ``HxWx3 uint8``; masks ``HxW uint8`` with 255 inside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal, get_args

import numpy as np

Slot = Literal["upper", "lower", "dress", "outer"]
SLOTS: tuple[Slot, ...] = get_args(Slot)

Tuck = Literal["untucked", "tucked", "half_tucked"]
Sleeves = Literal["down", "rolled"]
Outerwear = Literal["closed", "open"]

ParsingSource = Literal["u2net_cloth_seg", "pose_skin_fallback"]
CutoutMethod = Literal["u2net_cloth_seg", "u2net", "grabcut", "alpha"]
# What the silhouette looks like; decides which landmarks exist.
GarmentStyle = Literal["top", "trousers", "skirt", "dress", "jacket"]
SleeveLength = Literal["none", "short", "long"]


class Part(IntEnum):
    """Labels of the body-part parsing map (``PersonAnalysis.parsing``)."""

    BACKGROUND = 0
    HAIR = 1
    FACE = 2
    NECK = 3
    UPPER_CLOTHES = 4
    LOWER_CLOTHES = 5
    DRESS = 6
    LEFT_UPPER_ARM = 7
    RIGHT_UPPER_ARM = 8
    LEFT_FOREARM = 9
    RIGHT_FOREARM = 10
    HANDS = 11
    LEGS = 12
    FEET = 13
    TORSO_SKIN = 14


# Colours for parsing.png (roughly the LIP / ATR palette conventions, made distinct).
PART_COLOURS: dict[Part, tuple[int, int, int]] = {
    Part.BACKGROUND: (0, 0, 0),
    Part.HAIR: (128, 0, 0),
    Part.FACE: (255, 200, 160),
    Part.NECK: (200, 140, 100),
    Part.UPPER_CLOTHES: (255, 85, 0),
    Part.LOWER_CLOTHES: (0, 85, 255),
    Part.DRESS: (170, 0, 255),
    Part.LEFT_UPPER_ARM: (0, 200, 100),
    Part.RIGHT_UPPER_ARM: (100, 255, 0),
    Part.LEFT_FOREARM: (0, 128, 128),
    Part.RIGHT_FOREARM: (0, 255, 255),
    Part.HANDS: (255, 255, 0),
    Part.LEGS: (85, 170, 85),
    Part.FEET: (170, 85, 0),
    Part.TORSO_SKIN: (255, 150, 200),
}

# MediaPipe Pose landmark indices for the joints the studio uses by name.
JOINTS: dict[str, int] = {
    "nose": 0,
    "left_eye": 2,
    "right_eye": 5,
    "left_ear": 7,
    "right_ear": 8,
    "mouth_left": 9,
    "mouth_right": 10,
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_elbow": 13,
    "right_elbow": 14,
    "left_wrist": 15,
    "right_wrist": 16,
    "left_pinky": 17,
    "right_pinky": 18,
    "left_index": 19,
    "right_index": 20,
    "left_thumb": 21,
    "right_thumb": 22,
    "left_hip": 23,
    "right_hip": 24,
    "left_knee": 25,
    "right_knee": 26,
    "left_ankle": 27,
    "right_ankle": 28,
    "left_heel": 29,
    "right_heel": 30,
    "left_foot_index": 31,
    "right_foot_index": 32,
}
NUM_LANDMARKS = 33


@dataclass(frozen=True, eq=False)
class Pose:
    """33 MediaPipe landmarks in pixel coordinates of the analysed photo.

    ``landmarks[i] = (x, y, visibility)``; "left" is the person's left (image right
    for a person facing the camera).
    """

    landmarks: np.ndarray  # (33, 3) float32

    def xy(self, name: str) -> np.ndarray:
        return self.landmarks[JOINTS[name], :2].astype(np.float32)

    def visible(self, name: str, threshold: float = 0.5) -> bool:
        return bool(self.landmarks[JOINTS[name], 2] >= threshold)

    def joints(self) -> dict[str, tuple[float, float, float]]:
        return {n: tuple(float(v) for v in self.landmarks[i]) for n, i in JOINTS.items()}

    def scaled(self, factor: float) -> Pose:
        """The same pose in an image resized by ``factor``."""
        lm = self.landmarks.copy()
        lm[:, :2] *= factor
        return Pose(lm)

    @property
    def shoulder_width(self) -> float:
        return float(np.linalg.norm(self.xy("left_shoulder") - self.xy("right_shoulder")))


@dataclass(frozen=True, eq=False)
class SlotRegion:
    """The clothing-agnostic map of one garment slot."""

    slot: Slot
    mask: np.ndarray  # where the new garment may be painted (255)
    protected: np.ndarray  # never painted: face, hair, hands, feet, other slots' garments (255)
    agnostic: np.ndarray  # the photo with ``mask`` filled grey (RGB)


@dataclass(frozen=True, eq=False)
class PersonAnalysis:
    """Everything the studio knows about a person photo. Cached by image content."""

    key: str
    image: np.ndarray  # upright RGB photo, as analysed
    pose: Pose
    person_mask: np.ndarray  # 255 on the chosen person
    parsing: np.ndarray  # HxW uint8 of Part labels
    parsing_source: ParsingSource
    regions: dict[Slot, SlotRegion]
    notes: tuple[str, ...] = ()  # things the user should know ("3 people found; used the largest")

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)"""
        return self.image.shape[1], self.image.shape[0]

    def part_mask(self, *parts: Part) -> np.ndarray:
        return np.isin(self.parsing, [int(p) for p in parts]).astype(np.uint8) * 255


@dataclass(frozen=True, eq=False)
class Garment:
    """A garment cut out of its product photo, with landmarks found on its silhouette."""

    key: str
    slot: Slot
    rgba: np.ndarray  # the cut-out, cropped to the garment, HxWx4 uint8 (alpha = matte)
    landmarks: dict[str, tuple[float, float]]  # in ``rgba`` pixel coordinates (see pipelines.garment)
    cutout_method: CutoutMethod
    source_image: np.ndarray  # the full product photo, RGB (diffusion backends use it)
    style: GarmentStyle
    sleeves: SleeveLength = "none"  # tops, dresses and jackets only

    @property
    def rgb(self) -> np.ndarray:
        return self.rgba[:, :, :3]

    @property
    def alpha(self) -> np.ndarray:
        return self.rgba[:, :, 3]


@dataclass(frozen=True)
class Layout:
    """How the outfit is worn, parsed from a phrase such as "rolled sleeves, tucked in"."""

    tuck: Tuck = "untucked"
    sleeves: Sleeves = "down"
    outerwear: Outerwear = "closed"
    understood: tuple[str, ...] = ()  # the phrases recognised, in the user's order


@dataclass(frozen=True, eq=False)
class OutfitPass:
    """One garment to draw: the backend may paint only inside ``mask``."""

    slot: Slot
    garment: Garment
    mask: np.ndarray  # 255 where this pass may paint
    protected: np.ndarray  # 255 where it must not (a subset of ~mask)
    layout: Layout


@dataclass(frozen=True, eq=False)
class OutfitPlan:
    analysis: PersonAnalysis
    layout: Layout
    passes: tuple[OutfitPass, ...]

    def describe(self) -> dict:
        return {
            "layout": {
                "tuck": self.layout.tuck,
                "sleeves": self.layout.sleeves,
                "outerwear": self.layout.outerwear,
                "understood": list(self.layout.understood),
            },
            "passes": [
                {
                    "order": i,
                    "slot": p.slot,
                    "garment": p.garment.key,
                    "cutout_method": p.garment.cutout_method,
                    "mask_pixels": int(np.count_nonzero(p.mask)),
                }
                for i, p in enumerate(self.passes)
            ],
            "parsing_source": self.analysis.parsing_source,
            "notes": list(self.analysis.notes),
        }


# progress(fraction_done_of_this_pass, message); both the CLI's tqdm bar and the studio use it.
Progress = Callable[[float, str], None]


@dataclass(frozen=True, eq=False)
class PassResult:
    """What a backend returns for one pass."""

    image: np.ndarray  # the whole photo after this pass (RGB, same size)
    paint_mask: np.ndarray  # where it actually painted, 0..255 soft matte, inside the pass mask
    debug: dict[str, np.ndarray] = field(default_factory=dict)  # e.g. {"warped": RGBA}


@dataclass(frozen=True, eq=False)
class TryOnResult:
    image: np.ndarray  # RGB at the input photo's size
    plan: OutfitPlan
    pass_results: tuple[PassResult, ...]
    timings: dict[str, float]  # seconds per stage
    settings: dict[str, str]  # backend, seed, layout ... (written into the PNG metadata)

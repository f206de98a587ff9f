"""Body-part parsing: which pixel is face, hair, arm, upper or lower clothes, ...

Clothing comes from rembg's ``u2net_cloth_seg`` when its model file is on disk, otherwise
from a colour model fitted on the torso and the thighs. Body parts (face, neck, arms,
hands, legs, feet) come from pose geometry, the person mask and a skin-colour model
sampled from the face, which is what separates a bare arm from a sleeve.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pipelines.analysis import geometry as g
from pipelines.rembg_sessions import find_model, open_session
from pipelines.types import ParsingSource, Part, Pose

CLOTH_SEG_MODEL = "u2net_cloth_seg"
# Skin: Mahalanobis distance in (Cr, Cb) from the face's skin colour. 3.0 keeps ~99% of
# the face's own pixels; the floor on the spread keeps evenly lit faces from being too strict.
SKIN_MAX_DISTANCE = 3.0
SKIN_MIN_STD = 4.0
# Limb widths as fractions of the shoulder width (adult proportions, generous).
UPPER_ARM_WIDTH = 0.36
FOREARM_WIDTH = 0.30
THIGH_WIDTH = 0.50
CALF_WIDTH = 0.36
# Hand and foot reach beyond MediaPipe's landmarks (which sit at the knuckles and toes).
HAND_SCALE = 1.9
FOOT_SCALE = 1.5
# Head: chin and forehead reach in units of the eyes->mouth distance; hair margin in ear distances.
CHIN_REACH = 1.2
FOREHEAD_REACH = 1.6
HAIR_MARGIN = 0.3
# Where clothing colour models are sampled: fractions of the shoulder->hip distance.
CHEST_BAND = (0.15, 0.55)
THIGH_BAND = (0.15, 0.6)  # of the hip->knee distance


@dataclass(frozen=True, eq=False)
class ClothMasks:
    upper: np.ndarray
    lower: np.ndarray
    dress: np.ndarray


class ClothSegmenter:
    """rembg's u2net_cloth_seg session; built only when the model file is on disk."""

    def __init__(self, model_path: Path) -> None:
        self._session = open_session(CLOTH_SEG_MODEL, model_path)

    @staticmethod
    def model_path(weights_dir: Path) -> Path | None:
        return find_model(weights_dir, CLOTH_SEG_MODEL)

    def segment(self, image: np.ndarray) -> ClothMasks:
        from PIL import Image

        upper, lower, full = (np.asarray(m) for m in self._session.predict(Image.fromarray(image)))
        return ClothMasks(_bin(upper), _bin(lower), _bin(full))


def skin_mask(image: np.ndarray, pose: Pose, person: np.ndarray) -> np.ndarray:
    """Pixels of the person whose colour matches the skin sampled between the eyes and mouth."""
    ycc = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    sample = g.blank(image.shape)
    eyes = (pose.xy("left_eye") + pose.xy("right_eye")) / 2
    mouth = (pose.xy("mouth_left") + pose.xy("mouth_right")) / 2
    face_w = max(4.0, float(np.linalg.norm(pose.xy("left_ear") - pose.xy("right_ear"))))
    centre = (eyes + mouth) / 2
    g.ellipse(sample, centre, (face_w * 0.28, max(3.0, float(np.linalg.norm(mouth - eyes)) * 0.6)))
    sample &= person
    pixels = ycc[sample > 0][:, 1:]
    if len(pixels) < 20:  # face not visible: a broad generic skin range in CrCb
        mean, inv = np.array([150.0, 110.0], np.float32), np.diag([1 / 12.0**2, 1 / 12.0**2]).astype(np.float32)
    else:
        mean = pixels.mean(axis=0)
        cov = np.cov(pixels.T) + np.eye(2) * SKIN_MIN_STD**2
        inv = np.linalg.inv(cov).astype(np.float32)
    d = ycc[:, :, 1:] - mean
    dist2 = np.einsum("hwi,ij,hwj->hw", d, inv, d)
    skin = (dist2 < SKIN_MAX_DISTANCE**2).astype(np.uint8) * 255
    skin = cv2.morphologyEx(skin, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return skin & person


def body_regions(shape: tuple[int, ...], pose: Pose) -> dict[str, np.ndarray]:
    """Geometric regions from the pose alone (not yet cut to the person)."""
    sw = max(pose.shoulder_width, 8.0)
    r: dict[str, np.ndarray] = {}
    # Head: a hull through the ears, the forehead and the chin (estimated from eyes -> mouth).
    ear_d = max(float(np.linalg.norm(pose.xy("left_ear") - pose.xy("right_ear"))), 0.35 * sw)
    eyes = (pose.xy("left_eye") + pose.xy("right_eye")) / 2
    mouth = (pose.xy("mouth_left") + pose.xy("mouth_right")) / 2
    down = mouth - eyes
    if float(np.linalg.norm(down)) < 0.15 * ear_d:  # degenerate landmarks: assume upright
        down = np.array([0.0, 0.3 * ear_d], np.float32)
    le, re = pose.xy("left_ear"), pose.xy("right_ear")
    face_pts = np.stack([le, re, mouth + down * CHIN_REACH, eyes - down * FOREHEAD_REACH,
                         le + down * 1.2, re + down * 1.2, le - down * 1.2, re - down * 1.2])
    r["face"] = g.polygon(g.blank(shape), face_pts)
    r["head"] = g.dilate(g.polygon(g.blank(shape), np.vstack([face_pts, face_pts - down * 0.8])), HAIR_MARGIN * ear_d)
    # Arms
    for side in ("left", "right"):
        s, e, w = pose.xy(f"{side}_shoulder"), pose.xy(f"{side}_elbow"), pose.xy(f"{side}_wrist")
        r[f"{side}_upper_arm"] = g.capsule(g.blank(shape), s, e, UPPER_ARM_WIDTH * sw)
        r[f"{side}_forearm"] = g.capsule(g.blank(shape), e, w, FOREARM_WIDTH * sw)
        pts = np.stack([pose.xy(f"{side}_{k}") for k in ("wrist", "pinky", "index", "thumb")])
        tip = w + (pts[1:].mean(axis=0) - w) * HAND_SCALE
        hand = g.polygon(g.blank(shape), np.vstack([pts, tip[None]]))
        r[f"{side}_hand"] = g.dilate(hand, 0.07 * sw)
        # Legs
        hip, knee, ankle = pose.xy(f"{side}_hip"), pose.xy(f"{side}_knee"), pose.xy(f"{side}_ankle")
        r[f"{side}_thigh"] = g.capsule(g.blank(shape), hip, knee, THIGH_WIDTH * sw)
        r[f"{side}_calf"] = g.capsule(g.blank(shape), knee, ankle, CALF_WIDTH * sw)
        heel, toe = pose.xy(f"{side}_heel"), pose.xy(f"{side}_foot_index")
        foot_tip = heel + (toe - heel) * FOOT_SCALE
        r[f"{side}_foot"] = g.dilate(g.polygon(g.blank(shape), np.stack([ankle, heel, toe, foot_tip])), 0.08 * sw)
    # Torso: shoulders to hips, a little wider than the joints.
    ls, rs, lh, rh = (pose.xy(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
    mid_s, mid_h = (ls + rs) / 2, (lh + rh) / 2
    out = lambda p, c, k: c + (p - c) * k  # noqa: E731 - push a point away from a centre
    r["torso"] = g.polygon(g.blank(shape), np.stack([out(ls, mid_s, 1.1), out(rs, mid_s, 1.1), out(rh, mid_h, 1.35), out(lh, mid_h, 1.35)]))
    neck_top = (mid_s + (pose.xy("mouth_left") + pose.xy("mouth_right")) / 2) / 2
    r["neck"] = g.capsule(g.blank(shape), neck_top, mid_s, 0.32 * sw)
    return r


def waist_y(pose: Pose) -> float:
    """Image row of the natural waistline: a fifth of the way from the hips up to the shoulders."""
    sy = (pose.xy("left_shoulder")[1] + pose.xy("right_shoulder")[1]) / 2
    hy = (pose.xy("left_hip")[1] + pose.xy("right_hip")[1]) / 2
    return float(hy - 0.2 * (hy - sy))


def fallback_cloth_masks(image: np.ndarray, pose: Pose, person: np.ndarray, skin: np.ndarray, regions: dict[str, np.ndarray]) -> ClothMasks:
    """Upper and lower clothes from colour: every non-skin pixel of the body is a garment;
    near the waist, it belongs to whichever garment's colour (chest or thighs) it is closer to."""
    h, w = person.shape
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32)
    cloth = person & ~skin & ~regions["head"] & ~_hands(regions) & ~_feet(regions)
    sy = float((pose.xy("left_shoulder")[1] + pose.xy("right_shoulder")[1]) / 2)
    hy = float((pose.xy("left_hip")[1] + pose.xy("right_hip")[1]) / 2)
    ky = float((pose.xy("left_knee")[1] + pose.xy("right_knee")[1]) / 2)
    rows = np.arange(h, dtype=np.float32)[:, None]
    torso_len = max(hy - sy, 1.0)
    chest = (rows >= sy + CHEST_BAND[0] * torso_len) & (rows <= sy + CHEST_BAND[1] * torso_len)
    thigh = (rows >= hy + THIGH_BAND[0] * (ky - hy)) & (rows <= hy + THIGH_BAND[1] * (ky - hy))
    legs = regions["left_thigh"] | regions["right_thigh"] | regions["left_calf"] | regions["right_calf"]
    upper_sample = lab[(cloth > 0) & chest & (regions["torso"] > 0)]
    lower_sample = lab[(cloth > 0) & thigh & (legs > 0)]
    wy = waist_y(pose)
    above = np.broadcast_to(rows < wy, (h, w))
    if len(upper_sample) > 50 and len(lower_sample) > 50:
        du = np.linalg.norm(lab - np.median(upper_sample, axis=0), axis=2)
        dl = np.linalg.norm(lab - np.median(lower_sample, axis=0), axis=2)
        # In the band between the lower chest and mid-thigh, colour decides; outside it, height.
        band = (rows > sy + 0.55 * torso_len) & (rows < hy + 0.5 * (ky - hy))
        is_upper = np.where(band, du < dl, above)
    else:
        is_upper = above
    upper = cloth & (is_upper.astype(np.uint8) * 255)
    lower = cloth & ~upper
    # Clothes stay on the body: lower clothes are on the legs/pelvis, upper on torso/arms.
    arms = regions["left_upper_arm"] | regions["right_upper_arm"] | regions["left_forearm"] | regions["right_forearm"]
    pelvis = g.dilate(regions["torso"], 0.1 * pose.shoulder_width)
    lower &= legs | pelvis
    upper &= g.dilate(regions["torso"] | arms | regions["neck"], 0.08 * pose.shoulder_width)
    return ClothMasks(_clean(upper), _clean(lower), g.blank(person.shape))


def compose_parsing(pose: Pose, person: np.ndarray, skin: np.ndarray, cloth: ClothMasks, regions: dict[str, np.ndarray]) -> np.ndarray:
    """Paint the label map in order, later parts winning where regions overlap."""
    parsing = np.zeros(person.shape, np.uint8)
    on = person > 0

    def paint(mask: np.ndarray, part: Part) -> None:
        parsing[(mask > 0) & on] = int(part)

    paint(regions["torso"] & skin, Part.TORSO_SKIN)
    legs = regions["left_thigh"] | regions["right_thigh"] | regions["left_calf"] | regions["right_calf"]
    paint(legs & skin, Part.LEGS)
    paint(regions["neck"] & skin, Part.NECK)
    paint(regions["left_upper_arm"] & skin, Part.LEFT_UPPER_ARM)
    paint(regions["right_upper_arm"] & skin, Part.RIGHT_UPPER_ARM)
    paint(regions["left_forearm"] & skin, Part.LEFT_FOREARM)
    paint(regions["right_forearm"] & skin, Part.RIGHT_FOREARM)
    paint(cloth.lower, Part.LOWER_CLOTHES)
    paint(cloth.upper, Part.UPPER_CLOTHES)
    paint(cloth.dress, Part.DRESS)
    paint(regions["head"] & ~skin, Part.HAIR)
    paint(regions["face"] & skin, Part.FACE)
    paint(_feet(regions), Part.FEET)
    paint(_hands(regions) & ~cloth.upper, Part.HANDS)
    # Person pixels still unlabelled: skin above the shoulders is face/neck, the rest hair.
    rest = on & (parsing == 0)
    sy = min(pose.xy("left_shoulder")[1], pose.xy("right_shoulder")[1])
    rows = np.arange(person.shape[0])[:, None]
    parsing[rest & (rows < sy) & (regions["head"] > 0)] = int(Part.HAIR)
    parsing[rest & (rows < sy) & (skin > 0) & (regions["head"] == 0)] = int(Part.NECK)
    return parsing


def parse(
    image: np.ndarray, pose: Pose, person: np.ndarray, segmenter: ClothSegmenter | None, regions: dict[str, np.ndarray]
) -> tuple[np.ndarray, ParsingSource]:
    skin = skin_mask(image, pose, person)
    if segmenter is not None:
        cloth = segmenter.segment(image)
        cloth = ClothMasks(cloth.upper & person & ~skin, cloth.lower & person & ~skin, cloth.dress & person & ~skin)
        source: ParsingSource = "u2net_cloth_seg"
    else:
        cloth = fallback_cloth_masks(image, pose, person, skin, regions)
        source = "pose_skin_fallback"
    return compose_parsing(pose, person, skin, cloth, regions), source


def _hands(regions: dict[str, np.ndarray]) -> np.ndarray:
    return regions["left_hand"] | regions["right_hand"]


def _feet(regions: dict[str, np.ndarray]) -> np.ndarray:
    return regions["left_foot"] | regions["right_foot"]


def _bin(mask: np.ndarray) -> np.ndarray:
    return (np.asarray(mask) > 127).astype(np.uint8) * 255


def _clean(mask: np.ndarray) -> np.ndarray:
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))

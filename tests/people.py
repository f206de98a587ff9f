"""A drawn full-body mannequin with a known pose, for tests that need hips, knees and feet.

Package-shipped photos (the astronaut, Grace Hopper) are upper-body portraits; this gives
the planner and the backends a whole body with known geometry, analysed by the real
parsing and agnostic-map code (only the MediaPipe step is replaced by the known pose).
"""

from __future__ import annotations

import cv2
import numpy as np

from pipelines.analysis.analyzer import build_analysis
from pipelines.analysis.pose import PoseFinding
from pipelines.types import JOINTS, PersonAnalysis, Pose

SIZE = (600, 800)  # width, height
BACKGROUND = (232, 232, 228)
SKIN = (214, 168, 138)
HAIR = (60, 40, 30)
SHIRT = (190, 40, 40)
TROUSERS = (40, 60, 150)
SHOES = (30, 30, 30)

POINTS: dict[str, tuple[float, float]] = {
    "nose": (300, 95), "left_eye": (314, 84), "right_eye": (286, 84), "left_ear": (330, 92),
    "right_ear": (270, 92), "mouth_left": (309, 112), "mouth_right": (291, 112),
    "left_shoulder": (370, 170), "right_shoulder": (230, 170), "left_elbow": (398, 298),
    "right_elbow": (202, 298), "left_wrist": (408, 415), "right_wrist": (192, 415),
    "left_pinky": (416, 440), "right_pinky": (184, 440), "left_index": (408, 446),
    "right_index": (192, 446), "left_thumb": (396, 434), "right_thumb": (204, 434),
    "left_hip": (342, 420), "right_hip": (258, 420), "left_knee": (348, 580),
    "right_knee": (252, 580), "left_ankle": (350, 730), "right_ankle": (250, 730),
    "left_heel": (348, 748), "right_heel": (252, 748), "left_foot_index": (362, 765),
    "right_foot_index": (238, 765),
}


def mannequin_pose() -> Pose:
    lm = np.zeros((33, 3), np.float32)
    lm[:, 2] = 0.99
    for name, (x, y) in POINTS.items():
        lm[JOINTS[name], :2] = (x, y)
    # eye inner/outer corners next to the eyes
    lm[1, :2], lm[3, :2] = (310, 84), (318, 84)
    lm[4, :2], lm[6, :2] = (290, 84), (282, 84)
    return Pose(lm)


def draw_mannequin(sleeves: str = "short") -> np.ndarray:
    """A person in a red T-shirt (short or long sleeves) and blue trousers."""
    w, h = SIZE
    img = np.full((h, w, 3), BACKGROUND, np.uint8)
    p = {k: tuple(int(v) for v in xy) for k, xy in POINTS.items()}

    def limb(a, b, width, colour):
        cv2.line(img, p[a], p[b], colour, width, cv2.LINE_AA)
        cv2.circle(img, p[a], width // 2, colour, -1, cv2.LINE_AA)
        cv2.circle(img, p[b], width // 2, colour, -1, cv2.LINE_AA)

    # legs and trousers
    for side in ("left", "right"):
        limb(f"{side}_hip", f"{side}_knee", 62, TROUSERS)
        limb(f"{side}_knee", f"{side}_ankle", 50, TROUSERS)
        cv2.ellipse(img, ((p[f"{side}_ankle"][0] + p[f"{side}_foot_index"][0]) // 2, 752), (24, 14), 0, 0, 360, SHOES, -1)
    cv2.fillConvexPoly(img, np.array([(250, 395), (350, 395), (372, 470), (228, 470)], np.int32), TROUSERS)
    # arms
    for side in ("left", "right"):
        limb(f"{side}_shoulder", f"{side}_elbow", 44, SKIN)
        limb(f"{side}_elbow", f"{side}_wrist", 38, SKIN)
        cv2.circle(img, ((p[f"{side}_wrist"][0] + p[f"{side}_index"][0]) // 2, 436), 19, SKIN, -1, cv2.LINE_AA)
    # neck, head, hair
    cv2.rectangle(img, (284, 120), (316, 172), SKIN, -1)
    cv2.ellipse(img, (300, 62), (42, 30), 0, 180, 360, HAIR, -1)
    cv2.ellipse(img, (300, 95), (36, 46), 0, 0, 360, SKIN, -1, cv2.LINE_AA)
    cv2.ellipse(img, (300, 58), (38, 16), 0, 180, 360, HAIR, -1)
    # shirt: body and sleeves
    cv2.fillConvexPoly(img, np.array([(226, 158), (374, 158), (356, 405), (244, 405)], np.int32), SHIRT)
    cv2.ellipse(img, (300, 160), (22, 12), 0, 0, 180, SKIN, -1)  # neckline
    for side in ("left", "right"):
        end = "elbow" if sleeves == "short" else "wrist"
        if sleeves == "short":
            sx, sy = p[f"{side}_shoulder"]
            ex, ey = p[f"{side}_elbow"]
            mid = (int(sx + 0.45 * (ex - sx)), int(sy + 0.45 * (ey - sy)))
            cv2.line(img, (sx, sy), mid, SHIRT, 54, cv2.LINE_AA)
            cv2.circle(img, (sx, sy), 27, SHIRT, -1)
        else:
            limb(f"{side}_shoulder", f"{side}_elbow", 52, SHIRT)
            limb(f"{side}_elbow", f"{side}_{end}", 44, SHIRT)
    return img


def mannequin_analysis(sleeves: str = "short") -> PersonAnalysis:
    image = draw_mannequin(sleeves)
    person = (np.abs(image.astype(int) - BACKGROUND).sum(axis=2) > 30).astype(np.uint8) * 255
    return build_analysis(image, PoseFinding(mannequin_pose(), person, ()), None)

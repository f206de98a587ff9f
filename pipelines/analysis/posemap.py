"""Pose map image (OpenPose-style skeleton) and VITON-style 18-channel keypoint heatmaps."""

from __future__ import annotations

import cv2
import numpy as np

from pipelines.types import Pose

# The 18 OpenPose/COCO keypoints VITON uses, as MediaPipe landmark indices; neck (1) is
# the shoulder midpoint, which MediaPipe does not have.
OPENPOSE_FROM_MEDIAPIPE: tuple[int | None, ...] = (0, None, 12, 14, 16, 11, 13, 15, 24, 26, 28, 23, 25, 27, 5, 2, 8, 7)
OPENPOSE_LIMBS = ((1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11), (11, 12),
                  (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17))
# OpenPose colours, one per limb.
LIMB_COLOURS = ((255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0), (0, 255, 0),
                (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255), (0, 0, 255), (85, 0, 255),
                (170, 0, 255), (255, 0, 255), (255, 0, 170))
VISIBILITY_THRESHOLD = 0.3
HEATMAP_SIGMA = 6.0  # pixels at 192x256 in VITON; scaled with the image height


def openpose_keypoints(pose: Pose) -> np.ndarray:
    """(18, 3) array of x, y, visibility in OpenPose order."""
    lm = pose.landmarks
    out = np.zeros((18, 3), np.float32)
    for i, idx in enumerate(OPENPOSE_FROM_MEDIAPIPE):
        if idx is None:
            out[i, :2] = (lm[11, :2] + lm[12, :2]) / 2
            out[i, 2] = min(lm[11, 2], lm[12, 2])
        else:
            out[i] = lm[idx]
    return out


def draw_pose_map(pose: Pose, size: tuple[int, int]) -> np.ndarray:
    """Skeleton on black, RGB, ``size`` = (width, height)."""
    w, h = size
    canvas = np.zeros((h, w, 3), np.uint8)
    kp = openpose_keypoints(pose)
    thick = max(2, int(round(h / 150)))
    for (a, b), colour in zip(OPENPOSE_LIMBS, LIMB_COLOURS, strict=True):
        if kp[a, 2] >= VISIBILITY_THRESHOLD and kp[b, 2] >= VISIBILITY_THRESHOLD:
            cv2.line(canvas, tuple(int(v) for v in kp[a, :2]), tuple(int(v) for v in kp[b, :2]), colour, thick, cv2.LINE_AA)
    for i in range(18):
        if kp[i, 2] >= VISIBILITY_THRESHOLD:
            cv2.circle(canvas, tuple(int(v) for v in kp[i, :2]), thick + 2, LIMB_COLOURS[i % len(LIMB_COLOURS)], -1, cv2.LINE_AA)
    return canvas


def keypoint_heatmaps(pose: Pose, size: tuple[int, int]) -> np.ndarray:
    """(18, H, W) float32 Gaussian heatmaps in OpenPose order; zero for invisible points."""
    w, h = size
    kp = openpose_keypoints(pose)
    sigma = HEATMAP_SIGMA * h / 256.0
    ys = np.arange(h, dtype=np.float32)[None, :, None]
    xs = np.arange(w, dtype=np.float32)[None, None, :]
    cx = kp[:, 0][:, None, None]
    cy = kp[:, 1][:, None, None]
    maps = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma**2)).astype(np.float32)
    maps[kp[:, 2] < VISIBILITY_THRESHOLD] = 0.0
    return maps

"""Small vectorised drawing helpers shared by parsing, agnostic maps and the warp backend."""

from __future__ import annotations

import cv2
import numpy as np


def blank(shape: tuple[int, ...]) -> np.ndarray:
    return np.zeros(shape[:2], np.uint8)


def capsule(mask: np.ndarray, a: np.ndarray, b: np.ndarray, width: float, value: int = 255) -> np.ndarray:
    """Draw a thick segment a-b with round ends (an arm or a leg) into ``mask`` in place."""
    cv2.line(mask, _pt(a), _pt(b), int(value), thickness=max(1, int(round(width))), lineType=cv2.LINE_8)
    r = max(1, int(round(width / 2)))
    cv2.circle(mask, _pt(a), r, int(value), -1)
    cv2.circle(mask, _pt(b), r, int(value), -1)
    return mask


def polygon(mask: np.ndarray, points: np.ndarray, value: int = 255, convex: bool = True) -> np.ndarray:
    pts = np.round(np.asarray(points, np.float32)).astype(np.int32).reshape(-1, 1, 2)
    if convex:
        cv2.fillConvexPoly(mask, cv2.convexHull(pts), int(value))
    else:
        cv2.fillPoly(mask, [pts], int(value))
    return mask


def ellipse(mask: np.ndarray, centre: np.ndarray, axes: tuple[float, float], angle: float = 0.0, value: int = 255) -> np.ndarray:
    cv2.ellipse(mask, _pt(centre), (max(1, int(axes[0])), max(1, int(axes[1]))), angle, 0, 360, int(value), -1)
    return mask


def hull(mask: np.ndarray) -> np.ndarray:
    """Filled convex hull of the largest blobs of a mask (all blobs together)."""
    pts = cv2.findNonZero(mask)
    out = blank(mask.shape)
    if pts is not None and len(pts) >= 3:
        cv2.fillConvexPoly(out, cv2.convexHull(pts), 255)
    return out


def _disc(radius: float) -> np.ndarray | None:
    r = int(round(radius))
    return None if r <= 0 else cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def dilate(mask: np.ndarray, radius: float) -> np.ndarray:
    kernel = _disc(radius)
    return mask.copy() if kernel is None else cv2.dilate(mask, kernel)


def erode(mask: np.ndarray, radius: float) -> np.ndarray:
    kernel = _disc(radius)
    return mask.copy() if kernel is None else cv2.erode(mask, kernel)


def feather(mask: np.ndarray, radius: float) -> np.ndarray:
    """A soft 0..1 float matte from a binary mask (Gaussian of the given radius)."""
    m = mask.astype(np.float32) / 255.0
    r = max(1, int(round(radius)))
    return cv2.GaussianBlur(m, (2 * r + 1, 2 * r + 1), r / 2.0)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))

"""Getting a photo of any size in and out of a fixed-size diffusion model (numpy, PIL, OpenCV).

CatVTON runs at 3:4 (768x1024 or 384x512). A backend crops the person region to 3:4
(:func:`crop_box`, :func:`crop`), resizes it to the model size, runs, resizes the result
back and pastes it with a soft edge that lies entirely inside the pass mask
(:func:`feather`, :func:`paste`), so every pixel outside the mask is left as it was.
The garment picture is letterboxed on white (:func:`fit_on_white`), as in CatVTON's
``resize_and_padding``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageFilter

from pipelines.types import Garment

MODEL_ASPECT = (3, 4)  # width : height of every CatVTON resolution (768x1024, 384x512)
CROP_MARGIN = 0.05  # context added on every side of the mask+person box, as a fraction of its longer side
WHITE = 255  # background of the garment picture (CatVTON pads garments with white)
# CatVTON's demo (app.py) blurs the mask with a radius of 9 px at 1024 px height, then
# binarises it at 0.5 (utils.prepare_mask_image); we scale the radius with the model height.
MASK_BLUR_RADIUS = 9
MASK_BLUR_REFERENCE_HEIGHT = 1024
MASK_THRESHOLD = 0.5
# Width of the soft edge of the paste, as a fraction of the crop height (about 10 px for a
# 1024 px crop). CatVTON's repaint() blurs by height // 50 outward; ours ramps inward only.
FEATHER_FRACTION = 1 / 100


@dataclass(frozen=True)
class Box:
    """A pixel rectangle, right/bottom exclusive; it may extend past the image."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


def bounding_box(mask: np.ndarray) -> Box | None:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return Box(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def crop_box(region: np.ndarray, margin: float = CROP_MARGIN) -> Box:
    """The smallest 3:4 box around ``region`` (plus ``margin``), moved inside the image where
    it fits; if it is wider or taller than the image, the image is centred in it."""
    height, width = region.shape[:2]
    tight = bounding_box(region) or Box(0, 0, width, height)
    grow = math.ceil(margin * max(tight.width, tight.height))
    box_w, box_h = tight.width + 2 * grow, tight.height + 2 * grow
    aspect_w, aspect_h = MODEL_ASPECT
    if box_w * aspect_h < box_h * aspect_w:
        box_w = math.ceil(box_h * aspect_w / aspect_h)
    else:
        box_h = math.ceil(box_w * aspect_h / aspect_w)
    left = _place(tight.left - (box_w - tight.width) // 2, box_w, width)
    top = _place(tight.top - (box_h - tight.height) // 2, box_h, height)
    return Box(left, top, left + box_w, top + box_h)


def _place(start: int, length: int, limit: int) -> int:
    if length >= limit:
        return (limit - length) // 2
    return min(max(start, 0), limit - length)


def crop(image: np.ndarray, box: Box) -> np.ndarray:
    """``image[box]``, with edge pixels repeated where the box leaves the image."""
    height, width = image.shape[:2]
    x0, y0 = max(box.left, 0), max(box.top, 0)
    x1, y1 = min(box.right, width), min(box.bottom, height)
    pad = [(y0 - box.top, box.bottom - y1), (x0 - box.left, box.right - x1)] + [(0, 0)] * (image.ndim - 2)
    return np.pad(image[y0:y1, x0:x1], pad, mode="edge")


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Lanczos resize to ``size`` = (width, height), as CatVTON resizes its inputs."""
    if (image.shape[1], image.shape[0]) == size:
        return image.copy()
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.LANCZOS))


def fit_on_white(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale ``rgb`` to fit inside ``size`` and centre it on white (CatVTON's resize_and_padding)."""
    target_w, target_h = size
    height, width = rgb.shape[:2]
    if width * target_h < target_w * height:
        new_w, new_h = max(1, width * target_h // height), target_h
    else:
        new_w, new_h = target_w, max(1, height * target_w // width)
    canvas = np.full((target_h, target_w, 3), WHITE, dtype=np.uint8)
    top, left = (target_h - new_h) // 2, (target_w - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = resize(rgb, (new_w, new_h))
    return canvas


def garment_picture(garment: Garment) -> np.ndarray:
    """The garment as CatVTON expects it: the cut-out on white, or the product photo if the
    cut-out is empty."""
    alpha = garment.alpha.astype(np.float32)[:, :, None] / 255.0
    if not np.any(alpha):
        return garment.source_image
    return np.rint(garment.rgb * alpha + WHITE * (1.0 - alpha)).astype(np.uint8)


def model_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The inpainting mask at model size: resized, blurred and binarised as CatVTON's demo does."""
    radius = MASK_BLUR_RADIUS * size[1] / MASK_BLUR_REFERENCE_HEIGHT
    image = Image.fromarray(resize(mask, size)).filter(ImageFilter.GaussianBlur(radius))
    return np.asarray(image) >= MASK_THRESHOLD * 255


def feather(mask: np.ndarray, sigma: float) -> np.ndarray:
    """A 0..1 matte that is 0 outside ``mask`` and ramps up to the mask's own value over about
    2 sigma inside its edge: ``2 * blur(mask) - 1`` is 0 on a straight edge and ~1 deeper in."""
    weight = mask.astype(np.float32) / 255.0
    inside = (mask > 0).astype(np.float32)
    if sigma <= 0:
        return weight
    blurred = cv2.GaussianBlur(inside, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REPLICATE)
    return np.clip(2.0 * blurred - 1.0, 0.0, 1.0) * weight


def paste(image: np.ndarray, patch: np.ndarray, box: Box, alpha: np.ndarray) -> np.ndarray:
    """Blend ``patch`` (the size of ``box``) into a copy of ``image`` with ``alpha`` (image size).
    Pixels where alpha is 0 are copied, not recomputed, so they stay bit-identical."""
    out = image.copy()
    height, width = image.shape[:2]
    x0, y0 = max(box.left, 0), max(box.top, 0)
    x1, y1 = min(box.right, width), min(box.bottom, height)
    a = alpha[y0:y1, x0:x1, None]
    under = out[y0:y1, x0:x1].astype(np.float32)
    over = patch[y0 - box.top : y1 - box.top, x0 - box.left : x1 - box.left].astype(np.float32)
    blended = np.rint(under * (1.0 - a) + over * a).astype(np.uint8)
    out[y0:y1, x0:x1] = np.where(a > 0, blended, out[y0:y1, x0:x1])
    return out

"""Translating between Gradio payloads and pipeline types: masks, editor layers, overlays.

Masks are ``HxW uint8`` with 255 inside, at the person photo's size, as everywhere in
:mod:`pipelines`. In the mask editor a mask is one RGBA layer over the photo: the mask
colour where the mask is, transparent elsewhere.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from PIL import Image

from pipelines.types import Slot

# The brush colour of the mask editor, and the colour a mask layer is drawn in (RGB, alpha).
MASK_RGB = (255, 45, 110)
MASK_ALPHA = 0.55
MASK_HEX = "#ff2d6e"
# A layer pixel belongs to the mask when its alpha is at least this (brush strokes are
# antialiased; the eraser leaves faint alpha at its edges).
LAYER_ALPHA_THRESHOLD = 64
# An edited layer differs from the mask it was loaded with when more than this fraction
# of pixels changed; below it, the difference is canvas resampling, not an edit.
EDIT_TOLERANCE = 0.0005

# Overlay tint per slot for the "analyze" endpoint's preview.
SLOT_COLOURS: dict[Slot, tuple[int, int, int]] = {
    "upper": (255, 85, 0),
    "lower": (0, 110, 255),
    "dress": (170, 0, 255),
    "outer": (0, 170, 110),
}
OVERLAY_ALPHA = 0.45


def mask_layer(mask: np.ndarray) -> np.ndarray:
    """An RGBA editor layer showing ``mask`` in the brush colour."""
    h, w = mask.shape
    layer = np.zeros((h, w, 4), np.uint8)
    layer[..., :3] = MASK_RGB
    layer[..., 3] = (mask > 0).astype(np.uint8) * round(MASK_ALPHA * 255)
    return layer


def editor_value(photo: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
    """The ImageEditor value: the photo as background, the mask as its one layer."""
    return {"background": photo, "layers": [mask_layer(mask)], "composite": None}


def editor_mask(value: dict[str, Any] | None, size: tuple[int, int]) -> np.ndarray | None:
    """The mask painted in an ImageEditor value, at ``size`` = (width, height); None if no layer.

    ``value`` is what an event with ``preprocess=False`` receives: layers as FileData dicts
    (PNG files in Gradio's upload folder); arrays and paths are accepted too.
    """
    if not value or not value.get("layers"):
        return None
    alphas = [alpha for alpha in (_layer_alpha(layer) for layer in value["layers"]) if alpha is not None]
    if not alphas:
        return None
    w, h = size
    alphas = [a if a.shape == (h, w) else cv2.resize(a, size, interpolation=cv2.INTER_LINEAR) for a in alphas]
    return (np.max(np.stack(alphas), axis=0) >= LAYER_ALPHA_THRESHOLD).astype(np.uint8) * 255


def _layer_alpha(layer: dict[str, Any] | str | np.ndarray | None) -> np.ndarray | None:
    if isinstance(layer, dict):
        layer = layer.get("path")
    if layer is None:
        return None
    if not isinstance(layer, np.ndarray):
        with Image.open(layer) as image:
            layer = np.asarray(image.convert("RGBA"))
    return np.ascontiguousarray(layer[..., 3]) if layer.ndim == 3 and layer.shape[2] == 4 else None


def is_edited(painted: np.ndarray, shown: np.ndarray) -> bool:
    """Whether the user changed the mask that was loaded into the editor."""
    if painted.shape != shown.shape:
        return True
    return np.count_nonzero(painted != shown) > EDIT_TOLERANCE * painted.size


def overlay(photo: np.ndarray, masks: dict[Slot, np.ndarray]) -> np.ndarray:
    """The photo with each slot's mask tinted in its colour (later slots over earlier)."""
    out = photo.astype(np.float32)
    for slot, mask in masks.items():
        inside = mask > 0
        out[inside] = out[inside] * (1 - OVERLAY_ALPHA) + np.float32(SLOT_COLOURS[slot]) * OVERLAY_ALPHA
    return (out + 0.5).astype(np.uint8)

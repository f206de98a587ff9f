"""The garment-warping backend: no model download, any CPU, well under a second a pass.

VITON's idea without a learned model: fit the flat garment to the body (see
:mod:`pipelines.fitting`), clear the old garment where the new one does not reach (skin
inside the body, inpainted background outside it), carry the photo's own shading onto
the new garment, and composite with a soft matte, only inside the pass's mask.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipelines.analysis import geometry as g
from pipelines.analysis.parsing import waist_y
from pipelines.backends.base import Backend, BackendStatus, DiffusionOptions
from pipelines.fitting import WarpedPiece, fit_garment
from pipelines.plan import below_hem
from pipelines.types import OutfitPass, Part, PassResult, PersonAnalysis, Progress, Slot

# Labels that are never an old garment. Inside a pass's mask, any other pixel of the person
# is clothing the new garment replaces (an outer layer replaces nothing: it goes on top).
NOT_CLOTHING = (Part.BACKGROUND, Part.HAIR, Part.FACE, Part.NECK, Part.TORSO_SKIN, Part.HANDS, Part.LEGS,
                Part.FEET, Part.LEFT_UPPER_ARM, Part.RIGHT_UPPER_ARM, Part.LEFT_FOREARM, Part.RIGHT_FOREARM)
# The garment a pass replaces, for matching its colour; and how close (Lab units) counts.
OLD_GARMENT: dict[Slot, tuple[Part, ...]] = {
    "upper": (Part.UPPER_CLOTHES,),
    "lower": (Part.LOWER_CLOTHES,),
    "dress": (Part.DRESS, Part.UPPER_CLOTHES),
    "outer": (),
}
OLD_COLOUR_DISTANCE = 14.0
# Clothing a pass keeps where its new garment does not reach: a top never erases the trousers.
KEPT_CLOTHING: dict[Slot, tuple[Part, ...]] = {"upper": (Part.LOWER_CLOTHES,), "lower": (), "dress": (), "outer": ()}
# Arms are in front of the torso: below the armpits (this fraction of shoulder -> hip), a
# garment's body part never covers bare arm skin; only its sleeves do.
ARMPIT_DEPTH = 0.3
ARM_SKIN = (Part.LEFT_UPPER_ARM, Part.RIGHT_UPPER_ARM, Part.LEFT_FOREARM, Part.RIGHT_FOREARM)
# Shading transfer: detail = blur(L, fine) / blur(L, coarse), clipped, applied with STRENGTH.
SHADING_FINE = 3.0  # px at 1024 height
SHADING_COARSE = 30.0
SHADING_RANGE = (0.78, 1.12)
SHADING_STRENGTH = 0.75
# Colour-edge strength (Lab a/b Sobel, summed) at which the photo's shading is mostly ignored.
PRINT_EDGE_SCALE = 60.0
# Soft matte: feather of garment edges and of the mask border, px at 1024 height.
EDGE_FEATHER = 1.5
MASK_FEATHER = 3.0
# Body core used to decide skin vs background when clearing an old garment (fractions of sw).
CORE_ARM = 0.24
CORE_FOREARM = 0.20
CORE_LEG = 0.34
# Inpainting of uncovered background runs at this fraction of the photo size.
INPAINT_SCALE = 0.25


class WarpBackend(Backend):
    name = "warp"

    @classmethod
    def status(cls, weights_dir: Path) -> BackendStatus:
        return BackendStatus(cls.name, True, "Garment warping on the CPU; no download needed.")

    def render(
        self,
        image: np.ndarray,
        step: OutfitPass,
        analysis: PersonAnalysis,
        options: DiffusionOptions,
        progress: Progress | None = None,
    ) -> PassResult:
        h, w = image.shape[:2]
        unit = h / 1024.0
        if progress:
            progress(0.0, "fitting the garment")
        pieces = fit_garment(step.garment, analysis.pose, step.layout, (h, w))
        if progress:
            progress(0.4, "compositing")
        garment_rgb, garment_alpha = _stack_pieces(pieces, analysis)
        if step.slot == "upper":
            garment_alpha[below_hem(image.shape, analysis.pose, step.layout)] = 0.0
        inside = g.feather(g.erode(step.mask, MASK_FEATHER * unit), MASK_FEATHER * unit) * (step.mask > 0)
        alpha = np.clip(garment_alpha * inside, 0.0, 1.0)
        base = clear_old_garment(image, step, analysis, alpha)
        shading_source = (step.mask > 0) & (analysis.part_mask(*KEPT_CLOTHING[step.slot]) == 0)
        shaded = transfer_shading(garment_rgb, analysis, shading_source, unit)
        a = alpha[:, :, None]
        out = (shaded.astype(np.float32) * a + base.astype(np.float32) * (1.0 - a) + 0.5).astype(np.uint8)
        warped = np.dstack([garment_rgb, (garment_alpha * 255).astype(np.uint8)])
        if progress:
            progress(1.0, "done")
        return PassResult(out, (alpha * 255).astype(np.uint8), {"warped": warped})


def _stack_pieces(pieces: list[WarpedPiece], analysis: PersonAnalysis) -> tuple[np.ndarray, np.ndarray]:
    """Composite the warped pieces back to front; torso pieces go behind bare arms."""
    h, w = analysis.image.shape[:2]
    rgb = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros((h, w), np.float32)
    # Arms hanging beside the body are in front of it; above the armpits the garment covers them.
    pose = analysis.pose
    shoulder_y = float(pose.landmarks[[11, 12], 1].mean())
    hip_y = float(pose.landmarks[[23, 24], 1].mean())
    arms = analysis.part_mask(*ARM_SKIN) > 0
    arms[: int(shoulder_y + ARMPIT_DEPTH * (hip_y - shoulder_y))] = False
    unit = h / 1024.0
    for piece in pieces:
        a = piece.rgba[:, :, 3].astype(np.float32) / 255.0
        a = cv2.GaussianBlur(a, (0, 0), EDGE_FEATHER * unit)
        if not piece.name.startswith("sleeve"):
            a[arms] = 0.0
        rgb = piece.rgba[:, :, :3].astype(np.float32) * a[:, :, None] + rgb * (1 - a[:, :, None])
        alpha = a + alpha * (1 - a)
    return np.clip(rgb / np.maximum(alpha[:, :, None], 1e-3), 0, 255).astype(np.uint8) * (alpha[:, :, None] > 0), alpha


def transfer_shading(garment_rgb: np.ndarray, analysis: PersonAnalysis, source: np.ndarray, unit: float) -> np.ndarray:
    """Multiply the garment by the photo's fine shading (folds, creases, light falloff), taken
    only from ``source``: the body inside the pass's mask, less the garments the pass keeps."""
    lum = cv2.cvtColor(analysis.image, cv2.COLOR_RGB2GRAY).astype(np.float32) + 8.0
    fine = cv2.GaussianBlur(lum, (0, 0), SHADING_FINE * unit)
    coarse = cv2.GaussianBlur(lum, (0, 0), SHADING_COARSE * unit)
    ratio = np.clip(fine / coarse, *SHADING_RANGE)
    # Only where the photo shows clothing or body; the background has no folds to carry.
    source = (analysis.person_mask > 0) & source
    on_body = cv2.GaussianBlur(source.astype(np.float32), (0, 0), 4 * unit)
    # Folds change brightness, not colour; prints, patches and seams between colours change
    # both. Where the colour changes, the light change is the old garment's print: drop it.
    lab = cv2.cvtColor(analysis.image, cv2.COLOR_RGB2LAB).astype(np.float32)
    chroma_edges = sum(np.abs(cv2.Sobel(lab[:, :, c], cv2.CV_32F, dx, 1 - dx, ksize=3)) for c in (1, 2) for dx in (0, 1))
    chroma_edges = cv2.GaussianBlur(chroma_edges, (0, 0), SHADING_FINE * 2 * unit)
    keep = np.exp(-chroma_edges / PRINT_EDGE_SCALE)
    ratio = 1.0 + (ratio - 1.0) * SHADING_STRENGTH * on_body * keep
    return np.clip(garment_rgb.astype(np.float32) * ratio[:, :, None], 0, 255).astype(np.uint8)


def clear_old_garment(image: np.ndarray, step: OutfitPass, analysis: PersonAnalysis, alpha: np.ndarray) -> np.ndarray:
    """Replace old-garment pixels the new garment leaves uncovered: skin on the body, background off it."""
    if step.slot == "outer":
        return image
    untouched = np.all(image == analysis.image, axis=2)  # earlier passes' paint is not "old"
    kept = NOT_CLOTHING + KEPT_CLOTHING[step.slot]
    old_anywhere = (analysis.person_mask > 0) & (analysis.part_mask(*kept) == 0) & untouched
    old_anywhere |= _like_old_garment(analysis, step.slot) & untouched & (step.mask > 0)
    old = old_anywhere & (step.mask > 0)
    exposed = old & (alpha < 0.98)
    if not exposed.any():
        return image
    core = body_core(analysis, step.slot) > 0
    out = image.copy()
    skin = exposed & core
    if skin.any():
        out[skin] = _skin_fill(analysis, core)[skin]
    back = exposed & ~core
    if back.any():
        # Fill from what surrounds the old garment, never from the old garment itself.
        out[back] = _inpaint(image, back | old_anywhere)[back]
    return out


def _like_old_garment(analysis: PersonAnalysis, slot: Slot) -> np.ndarray:
    """Pixels whose colour matches the old garment of this slot: catches its hem or cuffs
    where the parsing gave them to a neighbouring part."""
    parts = OLD_GARMENT[slot]
    pixels = analysis.part_mask(*parts) > 0
    if pixels.sum() < 200:
        return np.zeros(pixels.shape, bool)
    lab = cv2.cvtColor(analysis.image, cv2.COLOR_RGB2LAB).astype(np.float32)
    reference = np.median(lab[pixels], axis=0)
    return (np.linalg.norm(lab - reference, axis=2) < OLD_COLOUR_DISTANCE) & (analysis.person_mask > 0)


def body_core(analysis: PersonAnalysis, slot: Slot) -> np.ndarray:
    """Where the body itself (not loose clothing) is: torso, arm and leg capsules."""
    pose = analysis.pose
    sw = pose.shoulder_width
    core = g.blank(analysis.image.shape)
    ls, rs, lh, rh = (pose.xy(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
    g.polygon(core, np.stack([ls, rs, rh, lh]))
    for side in ("left", "right"):
        g.capsule(core, pose.xy(f"{side}_shoulder"), pose.xy(f"{side}_elbow"), CORE_ARM * sw)
        g.capsule(core, pose.xy(f"{side}_elbow"), pose.xy(f"{side}_wrist"), CORE_FOREARM * sw)
        g.capsule(core, pose.xy(f"{side}_hip"), pose.xy(f"{side}_knee"), CORE_LEG * sw)
        g.capsule(core, pose.xy(f"{side}_knee"), pose.xy(f"{side}_ankle"), CORE_LEG * 0.75 * sw)
    if slot == "upper":
        # Below the waist an upper garment's tail covered the bottom, not skin: inpaint there.
        arms = g.blank(core.shape)
        for side in ("left", "right"):
            g.capsule(arms, pose.xy(f"{side}_elbow"), pose.xy(f"{side}_wrist"), CORE_FOREARM * sw)
        core[int(waist_y(pose)):] &= arms[int(waist_y(pose)):]
    return core & analysis.person_mask


def _skin_fill(analysis: PersonAnalysis, core: np.ndarray) -> np.ndarray:
    """Skin colour sampled from the person's own bare skin, shaded like a cylinder."""
    skin_parts = (Part.FACE, Part.NECK, Part.TORSO_SKIN, *ARM_SKIN, Part.LEGS)
    pixels = analysis.image[analysis.part_mask(*skin_parts) > 0]
    colour = np.median(pixels, axis=0) if len(pixels) > 50 else np.array([200, 160, 135], np.float32)
    dist = cv2.distanceTransform(core.astype(np.uint8), cv2.DIST_L2, 5)
    rim = np.clip(dist / max(float(dist.max()) * 0.35, 1.0), 0, 1)
    shade = 0.82 + 0.18 * rim
    return np.clip(colour[None, None, :] * shade[:, :, None], 0, 255).astype(np.uint8)


def _inpaint(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    small = (max(8, int(w * INPAINT_SCALE)), max(8, int(h * INPAINT_SCALE)))
    img_s = cv2.resize(image, small, interpolation=cv2.INTER_AREA)
    hole_s = cv2.resize(hole.astype(np.uint8) * 255, small, interpolation=cv2.INTER_LINEAR) > 0
    hole_s = cv2.dilate(hole_s.astype(np.uint8) * 255, np.ones((3, 3), np.uint8))
    filled = cv2.inpaint(img_s, hole_s, 5, cv2.INPAINT_TELEA)
    return cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)

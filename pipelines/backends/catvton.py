"""CatVTON-compatible diffusion try-on, loading the public weights (see :mod:`pipelines.weights`).

Contract: ``CatVTONBackend(weights_dir, options)`` loads the SD 1.5 inpainting UNet with
CatVTON's self-attention weights for ``options.weights`` and the sd-vae-ft-mse VAE once,
on the device and in the precision :func:`pipelines.device.resolve_device` picks.
``render`` then, per pass:

1. frames the person: a 3:4 crop around the pass mask and the person, resized to the
   variant's resolution (768x1024 for ``mix``, 384x512 for ``vitonhd``/``dresscode``);
2. letterboxes the garment cut-out on white at the same size;
3. runs the diffusion model (steps, guidance, seed and scheduler from ``options``);
4. resizes the result back and pastes it inside the pass mask with a soft inner edge.

Pixels outside the mask are copied, so they stay bit-identical. The same seed gives the
same image on the same device. This module does not import torch until a backend is
built, so :meth:`CatVTONBackend.status` stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, get_args

import cv2
import numpy as np

from pipelines.backends.base import Backend, BackendStatus, DiffusionOptions, Scheduler, WeightsVariant
from pipelines.diffusion import framing
from pipelines.errors import InputError
from pipelines.types import OutfitPass, PassResult, PersonAnalysis, Progress
from pipelines.weights import (
    CATVTON_LICENCE,
    catvton_paths,
    missing_files,
    missing_weights_error,
)

if TYPE_CHECKING:
    from pipelines.diffusion.catvton_model import CatVTONModel

# Model resolution (width, height) per weights variant: each sub-folder name ends with its
# training height (mix-48k-1024, vitonhd-16k-512, dresscode-16k-512), always at 3:4.
MODEL_SIZES: dict[WeightsVariant, tuple[int, int]] = {
    "mix": (768, 1024),
    "vitonhd": (384, 512),
    "dresscode": (384, 512),
}
SCHEDULERS: tuple[Scheduler, ...] = get_args(Scheduler)
MAX_STEPS = 1000  # the scheduler's num_train_timesteps
MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed range (non-negative part)


class CatVTONBackend(Backend):
    name: ClassVar[str] = "catvton"

    def __init__(self, weights_dir: Path, options: DiffusionOptions) -> None:
        super().__init__(weights_dir, options)
        if options.weights not in MODEL_SIZES:
            raise InputError(
                f"Unknown CatVTON weights '{options.weights}'; choose one of: {', '.join(MODEL_SIZES)}."
            )
        missing = missing_files("catvton", weights_dir, options.weights)
        if missing:
            raise missing_weights_error("catvton", weights_dir, missing)
        from pipelines.device import resolve_device
        from pipelines.diffusion.catvton_model import CatVTONModel

        self.device, self.dtype = resolve_device(options.device, options.precision)
        self.load_options = (options.weights, options.device, options.precision)
        self.size = MODEL_SIZES[options.weights]
        self.model: CatVTONModel = CatVTONModel.load(
            catvton_paths(weights_dir, options.weights), self.device, self.dtype
        )

    @classmethod
    def status(cls, weights_dir: Path) -> BackendStatus:
        ready = [variant for variant in MODEL_SIZES if not missing_files("catvton", weights_dir, variant)]
        if not ready:
            missing = missing_files("catvton", weights_dir, "mix")
            return BackendStatus(cls.name, False, str(missing_weights_error("catvton", weights_dir, missing)))
        return BackendStatus(
            cls.name,
            True,
            f"CatVTON weights found ({', '.join(ready)}); non-commercial use only ({CATVTON_LICENCE}).",
        )

    def render(
        self,
        image: np.ndarray,
        step: OutfitPass,
        analysis: PersonAnalysis,
        options: DiffusionOptions,
        progress: Progress | None = None,
    ) -> PassResult:
        self._check(image, step, options)
        if not np.any(step.mask):
            return PassResult(image=image.copy(), paint_mask=np.zeros_like(step.mask))

        # 1. Frame the person at model resolution.
        region = (step.mask > 0) | _person_mask(analysis, step.mask.shape)
        box = framing.crop_box(region)
        person = framing.resize(framing.crop(image, box), self.size)
        mask = framing.model_mask(framing.crop(step.mask, box), self.size)
        # 2. The garment, letterboxed on white.
        garment = framing.fit_on_white(framing.garment_picture(step.garment), self.size)
        # 3. Diffusion.
        generated = self.model.generate(
            person,
            garment,
            mask,
            steps=options.steps,
            guidance=options.guidance,
            seed=options.seed,
            scheduler_name=options.scheduler,
            progress=progress,
        )
        # 4. Back to full size, pasted inside the pass mask only.
        patch = framing.resize(generated, (box.width, box.height))
        alpha = framing.feather(step.mask, sigma=framing.FEATHER_FRACTION * box.height / 2)
        return PassResult(
            image=framing.paste(image, patch, box, alpha),
            paint_mask=np.rint(alpha * 255).astype(np.uint8),
            debug={
                "catvton_person": person,
                "catvton_mask": mask.astype(np.uint8) * 255,
                "catvton_garment": garment,
                "catvton_output": generated,
            },
        )

    def _check(self, image: np.ndarray, step: OutfitPass, options: DiffusionOptions) -> None:
        if (options.weights, options.device, options.precision) != self.load_options:
            raise InputError(
                f"This CatVTON backend was loaded with weights/device/precision {self.load_options}, but the "
                f"render asks for {(options.weights, options.device, options.precision)}; build a new backend."
            )
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise InputError(
                f"The photo has shape {image.shape} and type {image.dtype}; expected HxWx3 uint8."
            )
        if step.mask.shape != image.shape[:2]:
            raise InputError(
                f"The {step.slot} mask is {step.mask.shape[::-1]} but the photo is {image.shape[1::-1]}."
            )
        if not 1 <= options.steps <= MAX_STEPS:
            raise InputError(f"steps is {options.steps}; use 1 to {MAX_STEPS} (CatVTON's default is 50).")
        if options.guidance < 0:
            raise InputError(f"guidance is {options.guidance}; use 0 or more (CatVTON's default is 2.5).")
        if not 0 <= options.seed <= MAX_SEED:
            raise InputError(f"seed is {options.seed}; use a whole number from 0 to {MAX_SEED}.")
        if options.scheduler not in SCHEDULERS:
            raise InputError(
                f"Unknown scheduler '{options.scheduler}'; choose one of: {', '.join(SCHEDULERS)}."
            )


def _person_mask(analysis: PersonAnalysis, shape: tuple[int, ...]) -> np.ndarray:
    """The analysed person as a boolean mask of ``shape`` (resized if the analysis ran smaller)."""
    person = analysis.person_mask
    if person.shape != shape:
        person = cv2.resize(person, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    return person > 0

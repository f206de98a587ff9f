"""CatVTON inference in PyTorch: stock SD 1.5 inpainting UNet + VAE, person and garment
latents concatenated along the height axis, cross-attention skipped.

Only :mod:`pipelines.backends.catvton` imports this module (it imports torch and diffusers).
:meth:`CatVTONModel.generate` works at model resolution on numpy arrays and reads as the
steps of the reference ``CatVTONPipeline.__call__``:

1. images to tensors in [-1, 1]; the person is masked (``person * (mask < 0.5)``);
2. VAE-encode the masked person and the garment separately (latents x 0.18215);
3. concatenate along height: ``[masked person; garment]`` and ``[mask; zeros]``;
4. classifier-free guidance: the unconditional half has the garment latent zeroed;
5. denoise: UNet input = ``cat([noisy latent (4), mask (1), condition latent (4)], dim=1)``,
   ``encoder_hidden_states=None``;
6. decode only the person (top) half.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import AutoencoderKL, DDIMScheduler, DPMSolverMultistepScheduler, UNet2DConditionModel
from diffusers.schedulers.scheduling_utils import SchedulerMixin
from diffusers.utils.torch_utils import randn_tensor

from pipelines.diffusion.attention import load_self_attention, set_catvton_processors
from pipelines.diffusion.sd15 import LATENT_CHANNELS
from pipelines.errors import MissingWeightsError
from pipelines.types import Progress
from pipelines.weights import CatVTONPaths, download_command

SchedulerName = Literal["ddim", "dpmpp"]

CONCAT_DIM = -2  # person and garment are stacked along the height axis
INPAINT_IN_CHANNELS = 2 * LATENT_CHANNELS + 1  # noisy latent + mask + masked-image latent = 9
# CatVTONPipeline.__call__ default: eta = 1.0, i.e. DDIM adds fresh noise at every step.
DDIM_ETA = 1.0
# Guidance at or below 1 means a single conditional pass (as in the reference).
GUIDANCE_OFF = 1.0
# The VAE posterior is sampled (latent_dist.sample(), as in the reference) from its own
# generator, seeded seed + this, so that the diffusion noise stream matches the reference's.
VAE_SEED_OFFSET = 1
PIXEL_SCALE = 127.5  # uint8 -> [-1, 1]
MASK_THRESHOLD = 0.5  # the reference keeps person pixels where mask < 0.5


class CatVTONModel:
    """The loaded UNet and VAE on one device in one precision, plus the scheduler config."""

    def __init__(
        self,
        unet: UNet2DConditionModel,
        vae: AutoencoderKL,
        scheduler_config: dict,
        device: torch.device,
        dtype: torch.dtype,
    ) -> None:
        self.unet = unet
        self.vae = vae
        self.scheduler_config = scheduler_config
        self.device = device
        self.dtype = dtype

    @classmethod
    def load(cls, paths: CatVTONPaths, device: torch.device, dtype: torch.dtype) -> CatVTONModel:
        # The pinned hub copy has only an fp32 pickle; diffusers opens it with weights_only=True.
        has_safetensors = any(paths.unet.glob("*.safetensors"))
        unet = UNet2DConditionModel.from_pretrained(
            paths.unet, torch_dtype=dtype, use_safetensors=has_safetensors
        )
        if unet.config.in_channels != INPAINT_IN_CHANNELS:
            raise MissingWeightsError(
                f"The UNet in {paths.unet} has {unet.config.in_channels} input channels; CatVTON needs the "
                f"{INPAINT_IN_CHANNELS}-channel SD 1.5 inpainting UNet. Run `{download_command('catvton')}`."
            )
        set_catvton_processors(unet)
        load_self_attention(unet, paths.attention)
        unet.to(device=device).eval()
        vae = AutoencoderKL.from_pretrained(paths.vae, torch_dtype=dtype).to(device=device).eval()
        scheduler_config = dict(DDIMScheduler.load_config(paths.scheduler))
        return cls(unet, vae, scheduler_config, device, dtype)

    @torch.inference_mode()
    def generate(
        self,
        person: np.ndarray,
        garment: np.ndarray,
        mask: np.ndarray,
        steps: int,
        guidance: float,
        seed: int,
        scheduler_name: SchedulerName,
        progress: Progress | None = None,
    ) -> np.ndarray:
        """Try the garment on; returns the person image (RGB uint8) at model resolution.

        ``person`` and ``garment`` are RGB uint8 at the model size; ``mask`` is boolean,
        True where the person is repainted.
        """
        report = progress or _no_progress
        report(0.0, "CatVTON: encoding person and garment")
        person, garment, mask = self._image(person), self._image(garment), self._mask(mask)
        vae_generator = torch.Generator(self.device).manual_seed(seed + VAE_SEED_OFFSET)
        masked_latent = self._encode(person * (mask < MASK_THRESHOLD), vae_generator)
        garment_latent = self._encode(garment, vae_generator)
        mask_latent = F.interpolate(mask, size=masked_latent.shape[-2:], mode="nearest")

        condition = torch.cat([masked_latent, garment_latent], dim=CONCAT_DIM)
        mask_condition = torch.cat([mask_latent, torch.zeros_like(mask_latent)], dim=CONCAT_DIM)
        latent_shape = condition.shape  # 1 x 4 x (2 * height / 8) x (width / 8)
        guided = guidance > GUIDANCE_OFF
        if guided:
            unconditional = torch.cat([masked_latent, torch.zeros_like(garment_latent)], dim=CONCAT_DIM)
            condition = torch.cat([unconditional, condition])
            mask_condition = torch.cat([mask_condition, mask_condition])

        generator = torch.Generator(self.device).manual_seed(seed)
        scheduler = self._scheduler(scheduler_name)
        scheduler.set_timesteps(steps, device=self.device)
        noise = randn_tensor(latent_shape, generator=generator, device=self.device, dtype=self.dtype)
        latents = noise * scheduler.init_noise_sigma
        latents = self._denoise(latents, condition, mask_condition, scheduler, generator, guidance, report)

        person_latent = latents.split(latents.shape[CONCAT_DIM] // 2, dim=CONCAT_DIM)[0]
        image = self.vae.decode(person_latent / self.vae.config.scaling_factor).sample
        report(1.0, "CatVTON: done")
        return _to_uint8(image)

    def _image(self, rgb: np.ndarray) -> torch.Tensor:
        """HxWx3 uint8 -> 1x3xHxW in [-1, 1]."""
        pixels = torch.tensor(rgb, dtype=torch.float32).permute(2, 0, 1)[None]
        return (pixels / PIXEL_SCALE - 1.0).to(self.device, self.dtype)

    def _mask(self, mask: np.ndarray) -> torch.Tensor:
        """HxW bool -> 1x1xHxW, 1 where the person is repainted."""
        return torch.from_numpy(mask.astype(np.float32))[None, None].to(self.device, self.dtype)

    def _encode(self, pixels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        posterior = self.vae.encode(pixels).latent_dist
        return posterior.sample(generator=generator) * self.vae.config.scaling_factor

    def _scheduler(self, name: SchedulerName) -> SchedulerMixin:
        if name == "ddim":
            return DDIMScheduler.from_config(self.scheduler_config)
        return DPMSolverMultistepScheduler.from_config(self.scheduler_config)

    def _denoise(
        self,
        latents: torch.Tensor,
        condition: torch.Tensor,
        mask_condition: torch.Tensor,
        scheduler: SchedulerMixin,
        generator: torch.Generator,
        guidance: float,
        report: Progress,
    ) -> torch.Tensor:
        guided = guidance > GUIDANCE_OFF
        timesteps = scheduler.timesteps
        for i, t in enumerate(timesteps):
            model_input = torch.cat([latents, latents]) if guided else latents
            model_input = scheduler.scale_model_input(model_input, t)
            model_input = torch.cat([model_input, mask_condition, condition], dim=1)
            noise = self.unet(model_input, t, encoder_hidden_states=None, return_dict=False)[0]
            if guided:
                unconditional, conditional = noise.chunk(2)
                noise = unconditional + guidance * (conditional - unconditional)
            if isinstance(scheduler, DDIMScheduler):
                latents = scheduler.step(noise, t, latents, eta=DDIM_ETA, generator=generator).prev_sample
            else:
                latents = scheduler.step(noise, t, latents, generator=generator).prev_sample
            report((i + 1) / (len(timesteps) + 1), f"CatVTON: step {i + 1}/{len(timesteps)}")
        return latents


def _to_uint8(image: torch.Tensor) -> np.ndarray:
    image = (image / 2 + 0.5).clamp(0, 1)
    array = image[0].permute(1, 2, 0).float().cpu().numpy()
    return np.rint(array * 255).astype(np.uint8)


def _no_progress(fraction: float, message: str) -> None:
    return None

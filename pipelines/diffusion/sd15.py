"""Configurations of the public Stable Diffusion 1.5 parts CatVTON builds on, as plain dicts.

They mirror the ``config.json`` files of the repositories in :mod:`pipelines.weights`, so
the benchmark and the tests can build a real-size model (with random or meta weights)
without downloading anything. No torch import here.
"""

from __future__ import annotations

# booksforcharlie/stable-diffusion-inpainting (a copy of runwayml/stable-diffusion-inpainting), unet/config.json.
# 9 input channels = 4 noisy latent + 1 mask + 4 masked-image latent.
SD15_INPAINT_UNET_CONFIG: dict = {
    "act_fn": "silu",
    "attention_head_dim": 8,
    "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False,
    "cross_attention_dim": 768,
    "down_block_types": [
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "DownBlock2D",
    ],
    "downsample_padding": 1,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 9,
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "out_channels": 4,
    "sample_size": 64,
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
}

# Same repository, scheduler/scheduler_config.json (written for PNDM; DDIM and DPM-Solver read the same fields).
SD15_SCHEDULER_CONFIG: dict = {
    "_class_name": "PNDMScheduler",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
}

# stabilityai/sd-vae-ft-mse, config.json (scaling_factor is diffusers' default, 0.18215).
SD_VAE_FT_MSE_CONFIG: dict = {
    "act_fn": "silu",
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "in_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "out_channels": 3,
    "sample_size": 256,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
}

# The VAE downsamples by 2 per block after the first: 2 ** (4 - 1) = 8 pixels per latent cell.
VAE_SCALE = 8
LATENT_CHANNELS = 4

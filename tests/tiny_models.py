"""Tiny random models laid out exactly like the downloaded weights, for fast offline tests.

``build_catvton_weights(weights_dir)`` writes, under ``weights_dir/catvton``, the same
folders and file names the hub repositories give (see :mod:`pipelines.weights`):

    stable-diffusion-inpainting/unet/{config.json, diffusion_pytorch_model.bin}
    stable-diffusion-inpainting/scheduler/scheduler_config.json
    sd-vae-ft-mse/{config.json, diffusion_pytorch_model.safetensors}
    CatVTON/{mix-48k-1024,vitonhd-16k-512,dresscode-16k-512}/attention/model.safetensors

with a UNet and VAE of the real architecture families but a few thousand parameters, and
attention checkpoints keyed like CatVTON's (attn1 ModuleList, shared tensors once, first
name wins). Other test modules use it to make the catvton backend appear.
``build_rembg_placeholders`` writes non-empty stand-ins where rembg's models go (for
presence checks only; they are not valid ONNX files).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from safetensors.torch import save_file

from pipelines.diffusion.attention import checkpoint_layout, self_attention_modules, set_catvton_processors
from pipelines.diffusion.sd15 import SD15_SCHEDULER_CONFIG
from pipelines.weights import CATVTON_SUBFOLDERS, MANIFEST, RembgModel, catvton_paths, rembg_home

# A 2-level UNet with the real block types and 9 input channels. Attention sits at the lower
# level only, so a 384x512 person+garment latent (128x48) costs little.
TINY_UNET_CONFIG: dict = {
    "sample_size": 16,
    "in_channels": 9,
    "out_channels": 4,
    "layers_per_block": 1,
    "block_out_channels": [8, 16],
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D"],
    "up_block_types": ["CrossAttnUpBlock2D", "UpBlock2D"],
    "cross_attention_dim": 8,
    "attention_head_dim": 4,
    "norm_num_groups": 4,
}
# Four levels like sd-vae-ft-mse, so latents are 1/8 of the image; no mid-block attention
# (a 768x1024 image would make it a 12288-token attention).
TINY_VAE_CONFIG: dict = {
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 4,
    "block_out_channels": [4, 4, 4, 4],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "layers_per_block": 1,
    "norm_num_groups": 2,
    "sample_size": 64,
    "mid_block_add_attention": False,
}


def build_catvton_weights(weights_dir: Path, seed: int = 0) -> Path:
    """Write tiny random CatVTON weights under ``weights_dir``; returns ``weights_dir/catvton``."""
    torch.manual_seed(seed)
    weights_dir = Path(weights_dir)
    paths = catvton_paths(weights_dir, "mix")

    unet = UNet2DConditionModel(**TINY_UNET_CONFIG)
    unet.save_pretrained(paths.unet, safe_serialization=False)  # the hub copy has only the .bin
    paths.scheduler.mkdir(parents=True, exist_ok=True)
    (paths.scheduler / "scheduler_config.json").write_text(json.dumps(SD15_SCHEDULER_CONFIG, indent=2))
    AutoencoderKL(**TINY_VAE_CONFIG).save_pretrained(paths.vae)

    for index, variant in enumerate(CATVTON_SUBFOLDERS):
        torch.manual_seed(seed + 1 + index)  # each variant gets its own self-attention weights
        save_attention_checkpoint(unet, catvton_paths(weights_dir, variant).attention / "model.safetensors")
    return weights_dir / "catvton"


def save_attention_checkpoint(unet: UNet2DConditionModel, path: Path) -> dict[str, torch.Tensor]:
    """Save random self-attention weights for ``unet``'s architecture as CatVTON does: the
    attn1 ModuleList's state dict, each shared tensor once under its first name."""
    twin = UNet2DConditionModel.from_config(unet.config)
    set_catvton_processors(twin)
    modules = self_attention_modules(twin)
    for parameter in modules.parameters():
        torch.nn.init.normal_(parameter, std=0.02)
    state = modules.state_dict()
    tensors = {key: state[key].contiguous().clone() for key in checkpoint_layout(modules)}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata={"format": "pt"})
    return tensors


def build_rembg_placeholders(weights_dir: Path) -> list[Path]:
    """Non-empty files where rembg's models go, so presence checks pass (not loadable)."""
    folder = rembg_home(weights_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for model in MANIFEST["rembg"]:
        assert isinstance(model, RembgModel)
        path = folder / model.filename
        path.write_bytes(b"placeholder, not an ONNX model")
        written.append(path)
    return written

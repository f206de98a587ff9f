"""CatVTON's two changes to a stock SD 1.5 inpainting UNet, and its attention checkpoint format.

1. Cross-attention is switched off: every ``attn2`` gets a processor that returns its input
   unchanged (the layer stays, so the transformer block still adds its normalised input).
   The garment reaches the UNet through the concatenated latent, not through text.
2. Self-attention weights come from ``zhengchong/CatVTON``: the file is the state dict of a
   ``torch.nn.ModuleList`` holding every module whose qualified name contains ``attn1``, in
   ``unet.named_modules()`` order. In the reference, each attn1 processor is a
   (parameter-free) ``nn.Module``, so one self-attention block fills 8 list slots: the
   Attention itself, to_q, to_k, to_v, to_out, to_out.0, to_out.1 (dropout) and processor.
   Shared tensors are saved once, under their first name, so the file holds
   ``{8k}.to_q.weight``, ``{8k}.to_k.weight``, ``{8k}.to_v.weight``, ``{8k}.to_out.0.weight``
   and ``{8k}.to_out.0.bias`` for k = 0..15 (16 blocks, 49,574,080 parameters).
   Our processors are ``nn.Module`` too, so the same list has the same keys.
"""

from __future__ import annotations

from pathlib import Path

import torch
from diffusers.models.attention_processor import Attention, AttnProcessor2_0

from pipelines.errors import MissingWeightsError
from pipelines.weights import ATTENTION_FILE, download_command

SELF_ATTENTION = "attn1"
CROSS_ATTENTION = "attn2"


class SkipCrossAttention(torch.nn.Module):
    """``attn2`` processor: returns ``hidden_states`` unchanged."""

    def forward(
        self,
        attn: Attention,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        temb: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return hidden_states


class SelfAttention(torch.nn.Module):
    """``attn1`` processor: diffusers' scaled-dot-product attention, as an ``nn.Module`` so
    that it takes the ``processor`` slot of the checkpoint's ModuleList (see module doc)."""

    def __init__(self) -> None:
        super().__init__()
        self._sdpa = AttnProcessor2_0()

    def forward(
        self,
        attn: Attention,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        temb: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return self._sdpa(attn, hidden_states, encoder_hidden_states, attention_mask, temb)


def set_catvton_processors(unet: torch.nn.Module) -> None:
    """Skip every cross-attention and give every self-attention our module processor."""
    processors: dict[str, torch.nn.Module] = {}
    for name in unet.attn_processors:
        if name.endswith(f"{CROSS_ATTENTION}.processor"):
            processors[name] = SkipCrossAttention()
        elif name.endswith(f"{SELF_ATTENTION}.processor"):
            processors[name] = SelfAttention()
        else:
            raise ValueError(f"Unexpected attention layer '{name}': not an SD 1.5 UNet.")
    unet.set_attn_processor(processors)


def self_attention_modules(unet: torch.nn.Module) -> torch.nn.ModuleList:
    """The ModuleList whose state dict is CatVTON's attention checkpoint. Call after
    :func:`set_catvton_processors`, whose processor modules are part of the list."""
    return torch.nn.ModuleList(module for name, module in unet.named_modules() if SELF_ATTENTION in name)


def checkpoint_layout(modules: torch.nn.ModuleList) -> dict[str, tuple[int, ...]]:
    """Key -> shape of a checkpoint of ``modules`` with shared tensors kept once, under the
    first name in state-dict order (what accelerate writes to safetensors)."""
    layout: dict[str, tuple[int, ...]] = {}
    seen: set[int] = set()
    for key, tensor in modules.state_dict(keep_vars=True).items():
        if id(tensor) not in seen:
            seen.add(id(tensor))
            layout[key] = tuple(tensor.shape)
    return layout


def check_checkpoint(shapes: dict[str, tuple[int, ...]], modules: torch.nn.ModuleList, source: str) -> None:
    """Refuse a checkpoint whose keys or shapes do not fill ``modules`` exactly.

    Any alias of a shared tensor is accepted ("1.weight" for "0.to_q.weight"), but every
    parameter must be covered and nothing may be left over: accelerate's loader is not
    strict and would otherwise leave random weights in place without a word.
    """
    params = modules.state_dict(keep_vars=True)
    unexpected = sorted(set(shapes) - set(params))
    wrong_shape = sorted(k for k in set(shapes) & set(params) if tuple(shapes[k]) != tuple(params[k].shape))
    covered = {id(params[k]) for k in shapes if k in params}
    uncovered = [k for k in checkpoint_layout(modules) if id(params[k]) not in covered]
    if unexpected or wrong_shape or uncovered:
        details = [
            f"{label}: {', '.join(keys[:4])}{' ...' if len(keys) > 4 else ''}"
            for label, keys in (
                ("unexpected", unexpected),
                ("wrong shape", wrong_shape),
                ("missing", uncovered),
            )
            if keys
        ]
        raise MissingWeightsError(
            f"The CatVTON attention checkpoint {source} does not fit this UNet ({'; '.join(details)}); "
            f"delete it and run `{download_command('catvton')}` again."
        )


def read_checkpoint_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Key -> shape from a safetensors header, without reading the tensors."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        return {key: tuple(handle.get_slice(key).get_shape()) for key in handle.keys()}


def load_self_attention(unet: torch.nn.Module, folder: Path) -> torch.nn.ModuleList:
    """Load ``folder/model.safetensors`` into the UNet's self-attention layers, the way the
    reference does (accelerate's ``load_checkpoint_in_model`` on the attn1 ModuleList)."""
    from accelerate import load_checkpoint_in_model

    modules = self_attention_modules(unet)
    path = Path(folder) / ATTENTION_FILE
    check_checkpoint(read_checkpoint_shapes(path), modules, str(path))
    load_checkpoint_in_model(modules, str(path))
    return modules

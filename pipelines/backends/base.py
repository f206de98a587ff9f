"""The backend contract and the name -> class registry.

A backend turns one :class:`OutfitPass` into a new photo. The runner
(:func:`pipelines.tryon.run_plan`) calls it once per pass in the planned order, feeds the
output of one pass into the next, and guarantees that pixels outside each pass's mask
stay identical to its input. Backends are imported lazily so that choosing ``warp``
never imports torch.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal, get_args

import numpy as np

from pipelines.errors import InputError
from pipelines.types import OutfitPass, PassResult, PersonAnalysis, Progress

BackendName = Literal["warp", "catvton"]
BACKEND_NAMES: tuple[BackendName, ...] = get_args(BackendName)

# name -> "module:Class"; imported only when that backend is asked for.
_REGISTRY: dict[str, str] = {
    "warp": "pipelines.backends.warp:WarpBackend",
    "catvton": "pipelines.backends.catvton:CatVTONBackend",
}

Scheduler = Literal["ddim", "dpmpp"]
WeightsVariant = Literal["mix", "vitonhd", "dresscode"]


@dataclass(frozen=True)
class DiffusionOptions:
    """Settings of the diffusion backends (the warp backend ignores them)."""

    steps: int = 50  # CatVTON reference default (DDIM)
    guidance: float = 2.5  # CatVTON reference default; above 3.5 distorts colour
    seed: int = 42  # CatVTON reference default
    scheduler: Scheduler = "ddim"
    weights: WeightsVariant = "mix"
    device: str = "auto"  # "auto", "cpu", "cuda", "cuda:1" ... resolved in pipelines.device
    precision: str = "auto"  # "auto", "fp32", "fp16", "bf16"


@dataclass(frozen=True)
class BackendStatus:
    name: str
    available: bool
    message: str  # why not, and the command that fixes it; or what it will run on


class Backend(ABC):
    """A try-on backend. Construct once, call :meth:`render` for every pass."""

    name: ClassVar[str]

    def __init__(self, weights_dir: Path, options: DiffusionOptions) -> None:
        """Load models once; ``options`` supplies the load-time fields (weights, device, precision)."""
        self.weights_dir = weights_dir

    @classmethod
    @abstractmethod
    def status(cls, weights_dir: Path) -> BackendStatus:
        """Whether this backend can run here, cheaply (no model load, no network)."""

    @abstractmethod
    def render(
        self,
        image: np.ndarray,
        step: OutfitPass,
        analysis: PersonAnalysis,
        options: DiffusionOptions,
        progress: Progress | None = None,
    ) -> PassResult:
        """Draw ``step.garment`` onto ``image`` inside ``step.mask``; return the whole photo.

        ``options`` supplies the per-call fields (steps, guidance, seed, scheduler).
        """


def backend_class(name: str) -> type[Backend]:
    if name not in _REGISTRY:
        raise InputError(f"Unknown backend '{name}'; choose one of: {', '.join(_REGISTRY)}.")
    module_name, class_name = _REGISTRY[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)


def create_backend(name: str, weights_dir: Path, options: DiffusionOptions) -> Backend:
    return backend_class(name)(weights_dir, options)


def backend_status(name: str, weights_dir: Path) -> BackendStatus:
    return backend_class(name).status(weights_dir)

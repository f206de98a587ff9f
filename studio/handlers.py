"""What every handler shares: reading the inputs, running the engine, keeping the result.

Handlers in ``studio/components`` stay a few lines: they call :class:`TryOnService` and
turn its answers into component updates. Every user mistake is a
:class:`pipelines.errors.InputError`, shown as is by :func:`user_errors`; anything else is a
bug and keeps its traceback in the server log while the user sees a generic error.
"""

from __future__ import annotations

import base64
import binascii
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any, TypeVar, get_args

import gradio as gr
import numpy as np

from pipelines.backends.base import DiffusionOptions, Scheduler, WeightsVariant
from pipelines.errors import InputError
from pipelines.imageio import load_image, save_png
from pipelines.layout import parse_layout
from pipelines.plan import validate_slots
from pipelines.tryon import TryOnEngine
from pipelines.types import SLOTS, PersonAnalysis, Slot, TryOnResult
from studio.workspace import Workspace

# Bounds of the diffusion settings a request may ask for (the same as the CLI's).
MAX_STEPS = 1000
MAX_GUIDANCE = 20.0
MAX_SEED = 2**32 - 1
# How long Hugging Face ZeroGPU may hold a GPU for one diffusion try-on (seconds): room for
# a three-pass outfit at 50 steps plus loading the models on first use (its default is 60).
ZEROGPU_DURATION = 180

F = TypeVar("F", bound=Callable)
# An image as an event with preprocess=False receives it: Gradio's FileData as a dict
# ({"path": ..., "url": ..., "orig_name": ...}), None when empty; tests may pass a path.
Upload = dict[str, Any] | str | None


def user_errors(fn: F) -> F:
    """Show an InputError's sentence in the UI (and to API clients), without a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    return wrapper  # type: ignore[return-value]


def _on_gpu(fn: F) -> F:
    """Hugging Face ZeroGPU's decorator where the ``spaces`` package is installed; else as is."""
    try:
        import spaces
    except ImportError:
        return fn
    return spaces.GPU(duration=ZEROGPU_DURATION)(fn)


@_on_gpu
def _render_on_gpu(
    engine: TryOnEngine, request: TryOnRequest, overrides: dict[Slot, np.ndarray] | None, progress
) -> TryOnResult:
    return engine.tryon(
        request.person, request.garments, request.layout, request.backend, request.options, overrides, progress
    )


@dataclass(frozen=True, eq=False)
class TryOnRequest:
    """A checked try-on request: decoded photos and settings the engine accepts."""

    person: np.ndarray
    garments: dict[Slot, np.ndarray]
    layout: str
    backend: str
    options: DiffusionOptions


@dataclass(frozen=True)
class SavedResult:
    """One try-on kept in a session's history."""

    before: Path
    after: Path  # PNG with the settings in its text metadata
    caption: str
    details: str  # Markdown: settings, timings, notes


class TryOnService:
    """The engine, the app's folder, and one diffusion run per device at a time.

    Gradio's queue limits each event, but a diffusion run can come from the UI or from the
    API, which are different events; the per-device lock keeps them off the device together.
    """

    def __init__(self, engine: TryOnEngine, workspace: Workspace) -> None:
        self.engine = engine
        self.workspace = workspace
        self._device_locks: dict[str, Lock] = {}
        self._guard = Lock()

    def load_person(self, upload: Upload) -> np.ndarray:
        if not upload_given(upload):
            raise InputError("No person photo was given; upload one, take one with the webcam or pick an example.")
        return read_upload(upload, "person photo")

    def analyze(self, upload: Upload) -> tuple[np.ndarray, PersonAnalysis]:
        photo = self.load_person(upload)
        return photo, self.engine.analyze(photo)

    def request(
        self,
        person: Upload,
        garments: dict[Slot, Upload],
        layout: str | None,
        backend: str,
        steps: float | None = None,
        guidance: float | None = None,
        seed: float | None = None,
        scheduler: str | None = None,
        weights: str | None = None,
    ) -> TryOnRequest:
        """Check everything cheap first, then decode the photos."""
        given = {slot: upload for slot, upload in garments.items() if upload_given(upload)}
        validate_slots(set(given))
        parse_layout(layout)
        status = self.engine.status(backend)
        if not status.available:
            raise InputError(status.message)
        options = diffusion_options(steps, guidance, seed, scheduler, weights)
        photo = self.load_person(person)
        return TryOnRequest(
            person=photo,
            garments={slot: read_upload(upload, f"{slot} garment photo") for slot, upload in given.items()},
            layout=layout or "",
            backend=backend,
            options=options,
        )

    def run(
        self,
        request: TryOnRequest,
        overrides: dict[Slot, np.ndarray] | None = None,
        progress: Callable[[float, str], None] | None = None,
    ) -> TryOnResult:
        if request.backend == "warp":
            return self.engine.tryon(
                request.person, request.garments, request.layout, "warp", request.options, overrides, progress
            )
        with self._device_lock(request.options.device):
            return _render_on_gpu(self.engine, request, overrides, progress)

    def save(self, request: TryOnRequest, result: TryOnResult) -> SavedResult:
        folder = self.workspace.result_folder()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        metadata = {f"tryon:{key}": value for key, value in result.settings.items()}
        after = save_png(folder / f"tryon-{request.backend}-{stamp}.png", result.image, text=metadata)
        before = save_png(folder / "before.png", request.person)
        caption = f"{request.backend} · {result.settings['layout']}"
        return SavedResult(before, after, caption, details_markdown(result))

    def _device_lock(self, device: str) -> Lock:
        with self._guard:
            return self._device_locks.setdefault(device, Lock())


def upload_given(value: Upload) -> bool:
    return bool(value) and (isinstance(value, str) or bool(value.get("path") or value.get("url")))


def read_upload(value: Upload, what: str) -> np.ndarray:
    """Decode an upload as events with ``preprocess=False`` receive it (a FileData dict), or a path.

    Messages name what it is ("person photo"), never the server's path.
    """
    if isinstance(value, str):
        return load_image(Path(value).read_bytes(), what)
    if value.get("path"):
        return load_image(Path(value["path"]).read_bytes(), what)
    url = value.get("url") or ""
    if url.startswith("data:") and "," in url:  # a pasted image, sent inline
        try:
            return load_image(base64.b64decode(url.split(",", 1)[1], validate=True), what)
        except binascii.Error:
            pass
    raise InputError(f"The {what} did not arrive; upload it again.")


def diffusion_options(
    steps: float | None, guidance: float | None, seed: float | None, scheduler: str | None, weights: str | None
) -> DiffusionOptions:
    """DiffusionOptions from UI/API values; a missing value keeps its default."""
    default = DiffusionOptions()
    steps_i = default.steps if steps is None else int(steps)
    guidance_f = default.guidance if guidance is None else float(guidance)
    seed_i = default.seed if seed is None else int(seed)
    if not 1 <= steps_i <= MAX_STEPS:
        raise InputError(f"Steps is {steps_i}; use a number from 1 to {MAX_STEPS} (50 is the reference).")
    if not 0.0 <= guidance_f <= MAX_GUIDANCE:
        raise InputError(f"Guidance is {guidance_f}; use a value from 0 to {MAX_GUIDANCE:g} (2.5 is the reference).")
    if not 0 <= seed_i <= MAX_SEED:
        raise InputError(f"Seed is {seed_i}; use a whole number from 0 to {MAX_SEED}.")
    scheduler = scheduler or default.scheduler
    weights = weights or default.weights
    if scheduler not in get_args(Scheduler):
        raise InputError(f"Unknown scheduler '{scheduler}'; choose one of: {', '.join(get_args(Scheduler))}.")
    if weights not in get_args(WeightsVariant):
        raise InputError(f"Unknown weights variant '{weights}'; choose one of: {', '.join(get_args(WeightsVariant))}.")
    return DiffusionOptions(steps=steps_i, guidance=guidance_f, seed=seed_i, scheduler=scheduler, weights=weights)


def garment_uploads(upper: Upload, lower: Upload, dress: Upload, outer: Upload) -> dict[Slot, Upload]:
    return dict(zip(SLOTS, (upper, lower, dress, outer), strict=True))


def details_markdown(result: TryOnResult) -> str:
    settings = result.settings
    lines = [
        f"**{settings['backend']}** · {settings['layout']} · drawn in this order: {settings['slots'].replace(',', ' → ')}"
        f" · {result.timings['total']:.1f} s",
    ]
    if "seed" in settings:
        lines.append(
            f"seed {settings['seed']} · {settings['steps']} steps · guidance {settings['guidance']} · "
            f"{settings['scheduler']} · weights {settings['weights']}"
        )
    lines += [f"- {note}" for note in result.plan.analysis.notes]
    return "\n\n".join(lines)


def progress_callback(progress: gr.Progress) -> Callable[[float, str], None]:
    """Feed the engine's progress(fraction, message) into Gradio's progress bar."""

    def report(fraction: float, message: str) -> None:
        progress(fraction, desc=message)

    return report

"""Running an outfit plan, and the engine that owns every model for the CLI and the studio.

``run_plan`` draws the passes in order, each on the output of the previous one, and is the
one place that guarantees the central promise: pixels outside every pass's mask are
bit-identical to the input photo.

``TryOnEngine`` is built once (in launch.py or the studio) and passed to whoever needs it:
it owns the person analyzer, the garment preparer and one instance per backend
configuration, so models load once and are reused across requests.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from threading import Lock

import numpy as np
from pipelines.garment import GarmentPreparer

from pipelines.analysis import PersonAnalyzer
from pipelines.backends.base import Backend, BackendStatus, DiffusionOptions, backend_status, create_backend
from pipelines.layout import describe, parse_layout
from pipelines.plan import plan_outfit, validate_slots
from pipelines.types import Garment, OutfitPlan, PassResult, PersonAnalysis, Progress, Slot, TryOnResult


def run_plan(backend: Backend, plan: OutfitPlan, options: DiffusionOptions, progress: Progress | None = None) -> TryOnResult:
    image = plan.analysis.image
    results: list[PassResult] = []
    timings: dict[str, float] = {}
    n = len(plan.passes)
    for i, step in enumerate(plan.passes):
        started = time.perf_counter()
        report = _sub_progress(progress, i, n, step.slot)
        result = backend.render(image, step, plan.analysis, options, report)
        outside = step.mask == 0
        out = result.image.copy()
        out[outside] = image[outside]  # the guarantee, whatever the backend did
        image = out
        results.append(PassResult(out, result.paint_mask, result.debug))
        timings[f"pass_{i}_{step.slot}"] = time.perf_counter() - started
    if progress:
        progress(1.0, "done")
    settings = {
        "backend": backend.name,
        "layout": describe(plan.layout),
        "slots": ",".join(p.slot for p in plan.passes),
    }
    if backend.name != "warp":
        settings.update({k: str(v) for k, v in asdict(options).items()})
    return TryOnResult(image, plan, tuple(results), timings, settings)


def _sub_progress(progress: Progress | None, index: int, total: int, slot: str) -> Progress | None:
    if progress is None:
        return None

    def report(fraction: float, message: str) -> None:
        progress((index + min(max(fraction, 0.0), 1.0)) / total, f"pass {index + 1}/{total} ({slot}): {message}")

    return report


class TryOnEngine:
    """Owns the models. Thread-safe for the analysis and preparation caches."""

    def __init__(self, weights_dir: Path) -> None:
        self.weights_dir = weights_dir
        self.analyzer = PersonAnalyzer(weights_dir)
        self.preparer = GarmentPreparer(weights_dir)
        self._backends: dict[tuple, Backend] = {}
        self._lock = Lock()

    def analyze(self, person: np.ndarray) -> PersonAnalysis:
        return self.analyzer.analyze(person)

    def prepare(self, garments: dict[Slot, np.ndarray]) -> dict[Slot, Garment]:
        validate_slots(set(garments))
        return {slot: self.preparer.prepare(image, slot) for slot, image in garments.items()}

    def backend(self, name: str, options: DiffusionOptions) -> Backend:
        key = (name, options.weights, options.device, options.precision)
        with self._lock:
            if key not in self._backends:
                self._backends[key] = create_backend(name, self.weights_dir, options)
            return self._backends[key]

    def status(self, name: str) -> BackendStatus:
        return backend_status(name, self.weights_dir)

    def tryon(
        self,
        person: np.ndarray,
        garments: dict[Slot, np.ndarray],
        layout_text: str = "",
        backend: str = "warp",
        options: DiffusionOptions | None = None,
        mask_overrides: dict[Slot, np.ndarray] | None = None,
        progress: Progress | None = None,
    ) -> TryOnResult:
        options = options or DiffusionOptions()
        timings: dict[str, float] = {}
        t = time.perf_counter()
        layout = parse_layout(layout_text)
        validate_slots(set(garments))
        analysis = self.analyze(person)
        timings["analysis"] = time.perf_counter() - t
        t = time.perf_counter()
        prepared = self.prepare(garments)
        timings["garments"] = time.perf_counter() - t
        plan = plan_outfit(analysis, prepared, layout, mask_overrides)
        t = time.perf_counter()
        engine = self.backend(backend, options)
        timings["backend_load"] = time.perf_counter() - t
        result = run_plan(engine, plan, options, progress)
        result.timings.update(timings)
        result.timings["total"] = sum(result.timings.values())
        return result

"""The named API endpoints, ``/tryon`` and ``/analyze``, for gradio_client and scripts.

Their inputs are hidden components of their own, so the API keeps a simple, stable
signature whatever the page looks like: photos as files, settings as plain values.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import get_args

import gradio as gr

from pipelines.backends.base import BACKEND_NAMES, DiffusionOptions, Scheduler, WeightsVariant
from pipelines.imageio import save_png
from pipelines.types import SLOTS
from studio import convert
from studio.components.run import WARP_CONCURRENCY
from studio.handlers import TryOnService, Upload, garment_uploads, progress_callback, user_errors
from studio.widgets import photo_input


@dataclass(frozen=True)
class ApiPanel:
    tryon_trigger: gr.Button
    tryon_inputs: list[gr.components.Component]
    tryon_outputs: list[gr.components.Component]
    analyze_trigger: gr.Button
    analyze_inputs: list[gr.components.Component]
    analyze_outputs: list[gr.components.Component]


def render() -> ApiPanel:
    default = DiffusionOptions()
    with gr.Column(visible=False):
        person = photo_input(label="person")
        garments = [photo_input(label=slot) for slot in SLOTS]
        tryon_inputs = [
            person,
            *garments,
            gr.Textbox(label="layout", value=""),
            gr.Dropdown(list(BACKEND_NAMES), value="warp", label="backend"),
            gr.Number(value=default.steps, precision=0, label="steps"),
            gr.Number(value=default.guidance, label="guidance"),
            gr.Number(value=default.seed, precision=0, label="seed"),
            gr.Dropdown(list(get_args(Scheduler)), value=default.scheduler, label="scheduler"),
            gr.Dropdown(list(get_args(WeightsVariant)), value=default.weights, label="weights"),
        ]
        tryon_outputs = [gr.Image(type="filepath", format="png", label="result"), gr.JSON(label="details")]
        analyze_inputs = [photo_input(label="person")]
        analyze_outputs = [gr.Image(type="filepath", format="png", label="masks"), gr.JSON(label="analysis")]
        tryon_trigger = gr.Button("tryon")
        analyze_trigger = gr.Button("analyze")
    return ApiPanel(tryon_trigger, tryon_inputs, tryon_outputs, analyze_trigger, analyze_inputs, analyze_outputs)


def listen(panel: ApiPanel, service: TryOnService) -> None:
    panel.tryon_trigger.click(
        functools.partial(tryon, service),
        inputs=panel.tryon_inputs,
        outputs=panel.tryon_outputs,
        api_name="tryon",
        preprocess=False,  # photos reach the handler undecoded (see studio.widgets.photo_input)
        concurrency_id="api-tryon",
        concurrency_limit=WARP_CONCURRENCY,
    )
    panel.analyze_trigger.click(
        functools.partial(analyze, service),
        inputs=panel.analyze_inputs,
        outputs=panel.analyze_outputs,
        api_name="analyze",
        preprocess=False,
        concurrency_id="analysis",
        concurrency_limit=2,
    )


@user_errors
def tryon(
    service: TryOnService,
    person: Upload,
    upper: Upload = None,
    lower: Upload = None,
    dress: Upload = None,
    outer: Upload = None,
    layout: str = "",
    backend: str = "warp",
    steps: float = DiffusionOptions.steps,
    guidance: float = DiffusionOptions.guidance,
    seed: float = DiffusionOptions.seed,
    scheduler: str = DiffusionOptions.scheduler,
    weights: str = DiffusionOptions.weights,
    progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's documented way to ask for it)
) -> tuple[str, dict]:
    """Dress the person in the given garments; returns the result PNG (settings in its metadata) and details."""
    request = service.request(person, garment_uploads(upper, lower, dress, outer), layout, backend,
                              steps, guidance, seed, scheduler, weights)
    result = service.run(request, None, progress_callback(progress))
    saved = service.save(request, result)
    details = {
        "settings": result.settings,
        "notes": list(result.plan.analysis.notes),
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
        "size": {"width": result.image.shape[1], "height": result.image.shape[0]},
    }
    return str(saved.after), details


@user_errors
def analyze(service: TryOnService, person: Upload) -> tuple[str, dict]:
    """Find the person: returns the photo with each slot's automatic mask tinted, and the pose."""
    photo, analysis = service.analyze(person)
    masks = {slot: analysis.regions[slot].mask for slot in ("outer", "dress", "upper", "lower")}
    folder = service.workspace.result_folder()
    preview = save_png(folder / "masks.png", convert.overlay(photo, masks))
    report = {
        "size": {"width": analysis.size[0], "height": analysis.size[1]},
        "parsing_source": analysis.parsing_source,
        "notes": list(analysis.notes),
        "mask_pixels": {slot: int((analysis.regions[slot].mask > 0).sum()) for slot in SLOTS},
        "joints": {name: {"x": round(x, 1), "y": round(y, 1), "visibility": round(v, 3)}
                   for name, (x, y, v) in analysis.pose.joints().items()},
        "colours": {slot: "#{:02x}{:02x}{:02x}".format(*convert.SLOT_COLOURS[slot]) for slot in SLOTS},
    }
    return str(preview), report

"""The Try on button and the two queues behind it.

A click only routes the job (instant): warp jobs go to a queue that runs
``WARP_CONCURRENCY`` at once on the CPU; diffusion jobs go to a queue per device that runs
one at a time. Gradio's concurrency belongs to an event, not to an input value, so the
click bumps one of two job counters, and each counter's change event is its own queue.
"""

from __future__ import annotations

import functools

import gradio as gr

from pipelines.backends.base import DiffusionOptions
from pipelines.imageio import content_key
from studio.components import masks as mask_component
from studio.components import result as result_component
from studio.components.backend import BackendPanel
from studio.components.garments import GarmentPanel
from studio.components.masks import MaskEdits, MaskPanel
from studio.components.outfit_layout import LayoutPanel
from studio.components.person import PersonPanel
from studio.components.result import ResultPanel
from studio.handlers import SavedResult, TryOnService, Upload, garment_uploads, progress_callback, user_errors

# Warp try-ons running at once (CPU, a fraction of a second to a few seconds each).
WARP_CONCURRENCY = 4
# Diffusion try-ons running at once on one device: one, or they run out of memory.
DIFFUSION_CONCURRENCY = 1


def diffusion_queue() -> str:
    """The concurrency id of diffusion runs: one queue per device."""
    return f"diffusion:{DiffusionOptions().device}"


def render() -> tuple[gr.Button, gr.State, gr.State]:
    button = gr.Button("Try on", variant="primary", size="lg", elem_id="tryon-button")
    return button, gr.State(0), gr.State(0)


def listen(
    widgets: tuple[gr.Button, gr.State, gr.State],
    service: TryOnService,
    person: PersonPanel,
    garments: GarmentPanel,
    layout: LayoutPanel,
    backend: BackendPanel,
    masks: MaskPanel,
    result: ResultPanel,
) -> None:
    button, warp_job, diffusion_job = widgets
    # Queued (without a limit), not queue=False: Gradio reports State changes, which start
    # the job's own event, only from queued events.
    button.click(route, inputs=[backend.choice, warp_job, diffusion_job], outputs=[warp_job, diffusion_job],
                 concurrency_limit=None, show_progress="hidden", api_visibility="private")
    inputs = [
        person.photo, *garments.inputs, layout.text, *backend.inputs,
        masks.editor, masks.edits, result.history,
    ]
    outputs = [result.compare, result.download, result.details, result.gallery, result.history, masks.edits]
    run = functools.partial(tryon, service)
    # preprocess=False: photos and the mask editor reach the handler undecoded (studio.widgets).
    common = {"inputs": inputs, "outputs": outputs, "api_visibility": "private", "show_progress_on": [result.compare],
              "scroll_to_output": True, "preprocess": False}
    warp_job.change(run, concurrency_id="warp", concurrency_limit=WARP_CONCURRENCY, **common)
    diffusion_job.change(run, concurrency_id=diffusion_queue(), concurrency_limit=DIFFUSION_CONCURRENCY, **common)


def route(backend: str, warp_job: int, diffusion_job: int) -> tuple:
    if backend == "warp":
        return warp_job + 1, gr.skip()
    return gr.skip(), diffusion_job + 1


@user_errors
def tryon(
    service: TryOnService,
    person: Upload,
    upper: Upload,
    lower: Upload,
    dress: Upload,
    outer: Upload,
    layout: str | None,
    backend: str,
    steps: float,
    guidance: float,
    seed: float,
    scheduler: str,
    weights: str,
    editor: dict | None,
    edits: MaskEdits,
    history: list[SavedResult],
    progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's documented way to ask for it)
) -> tuple:
    request = service.request(person, garment_uploads(upper, lower, dress, outer), layout, backend,
                              steps, guidance, seed, scheduler, weights)
    size = (request.person.shape[1], request.person.shape[0])
    edits, corrected = mask_component.current_overrides(edits, editor, content_key(request.person), size)
    overrides = {s: m for s, m in corrected.items() if s in request.garments} or None
    result = service.run(request, overrides, progress_callback(progress))
    saved = service.save(request, result)
    history = result_component.remember(history, saved)
    return (*result_component.updates(saved, history), history, edits)

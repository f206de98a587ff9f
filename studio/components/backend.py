"""The backend choice and the diffusion settings.

Only backends that can run here are selectable; the others are listed greyed out with the
command that installs them. Dropdown choices come from the Literal types in
:mod:`pipelines.backends.base`, so the UI and the types cannot drift apart.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import get_args

import gradio as gr

from pipelines.backends.base import BackendStatus, DiffusionOptions, Scheduler, WeightsVariant
from studio.handlers import MAX_SEED

# The UI slider's range; the API accepts up to handlers.MAX_STEPS / MAX_GUIDANCE.
STEPS_SLIDER_MAX = 100
GUIDANCE_SLIDER_MAX = 10.0


@dataclass(frozen=True)
class BackendPanel:
    choice: gr.Radio
    steps: gr.Slider
    guidance: gr.Slider
    seed: gr.Number
    scheduler: gr.Dropdown
    weights: gr.Dropdown

    @property
    def inputs(self) -> list[gr.components.Component]:
        """In the order handlers take them: backend, steps, guidance, seed, scheduler, weights."""
        return [self.choice, self.steps, self.guidance, self.seed, self.scheduler, self.weights]


def render(statuses: list[BackendStatus]) -> BackendPanel:
    gr.Markdown("### 4 · Backend")
    available = [s.name for s in statuses if s.available]
    choice = gr.Radio(
        choices=available,
        value=available[0],
        label="Backend",
        show_label=False,
        elem_id="backend-choice",
    )
    gr.Markdown(status_lines(statuses), elem_classes="backend-status")
    default = DiffusionOptions()
    with gr.Accordion("Advanced settings (diffusion backends)", open=False, elem_id="advanced"):
        steps = gr.Slider(1, STEPS_SLIDER_MAX, value=default.steps, step=1, label="Steps")
        guidance = gr.Slider(0.0, GUIDANCE_SLIDER_MAX, value=default.guidance, step=0.1, label="Guidance")
        seed = gr.Number(value=default.seed, precision=0, minimum=0, maximum=MAX_SEED, label="Seed")
        with gr.Row():
            scheduler = gr.Dropdown(list(get_args(Scheduler)), value=default.scheduler, label="Scheduler")
            weights = gr.Dropdown(list(get_args(WeightsVariant)), value=default.weights, label="Weights variant")
        gr.Markdown("The warp backend ignores these settings.", elem_classes="notes")
    return BackendPanel(choice, steps, guidance, seed, scheduler, weights)


def status_lines(statuses: list[BackendStatus]) -> str:
    lines = []
    for status in statuses:
        if status.available:
            lines.append(f"<div class='backend-on'><b>{status.name}</b>: {_html(status.message)}</div>")
        else:
            command = re.search(r"`([^`]+)`", status.message)
            how = f"to add it, run <code>{html.escape(command.group(1))}</code>" if command else _html(status.message)
            lines.append(
                f"<div class='backend-off'><b>{status.name}</b> (not installed): {how}"
                f"<details><summary>why</summary>{_html(status.message)}</details></div>"
            )
    return "\n".join(lines)


def _html(text: str) -> str:
    """Escape a status message; its `commands` become <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))

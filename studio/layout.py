"""Where each component sits on the page. Arranging only: the components build and wire themselves."""

from __future__ import annotations

import gradio as gr

from pipelines.backends.base import BackendStatus
from studio.components import api, backend, garments, masks, outfit_layout, person, result, run
from studio.examples import ExampleSet
from studio.handlers import TryOnService

INTRO = (
    "# Try-on studio\n"
    "Dress a photo of a person in garment photos: pick a person, fill one or more garment slots, "
    "say how they are worn, and press **Try on**. Everything runs on this machine."
)


def render(service: TryOnService, examples: ExampleSet, statuses: list[BackendStatus]) -> None:
    gr.Markdown(INTRO, elem_id="intro")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=640):
            with gr.Row(equal_height=False):
                with gr.Column(scale=2, min_width=220):
                    person_panel = person.render(examples.people)
                with gr.Column(scale=5, min_width=480):
                    garment_panel = garments.render(examples.garments)
            with gr.Row(equal_height=False):
                with gr.Column(min_width=300):
                    layout_panel = outfit_layout.render()
                with gr.Column(min_width=300):
                    backend_panel = backend.render(statuses)
            run_widgets = run.render()
        with gr.Column(scale=2, min_width=380, elem_id="result-column"):
            result_panel = result.render()
    mask_panel = masks.render()
    api_panel = api.render()

    garments.listen(garment_panel)
    outfit_layout.listen(layout_panel)
    masks.listen(mask_panel, service, person_panel, garment_panel, layout_panel)
    result.listen(result_panel)
    run.listen(run_widgets, service, person_panel, garment_panel, layout_panel, backend_panel, mask_panel, result_panel)
    api.listen(api_panel, service)

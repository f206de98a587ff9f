"""The garment slots: one card per slot, each filled by upload or example, and a live
line that says whether the filled slots make a valid outfit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from pipelines.errors import InputError
from pipelines.plan import validate_slots
from pipelines.types import SLOTS, Slot
from studio.handlers import Upload, upload_given
from studio.widgets import photo_input

SLOT_TITLES: dict[Slot, str] = {"upper": "Upper", "lower": "Lower", "dress": "Dress", "outer": "Outer"}
SLOT_HINTS: dict[Slot, str] = {
    "upper": "shirt, T-shirt, top",
    "lower": "trousers, skirt, shorts",
    "dress": "whole-body dress",
    "outer": "jacket, coat, cardigan",
}
CARD_HEIGHT = 200
EMPTY_STATUS = "Add at least one garment. Upper, lower and outer go together; a dress goes with an outer only."


@dataclass(frozen=True)
class GarmentPanel:
    slots: dict[Slot, gr.Image]
    clear: gr.Button
    status: gr.Markdown

    @property
    def inputs(self) -> list[gr.Image]:
        """The slot images in SLOTS order, as handlers take them."""
        return [self.slots[slot] for slot in SLOTS]


def render(examples: dict[Slot, Sequence[Path]]) -> GarmentPanel:
    with gr.Row(equal_height=True, elem_classes="section-head"):
        gr.Markdown("### 2 · Garments")
        clear = gr.Button("Clear all", size="sm", variant="secondary", scale=0, min_width=90)
    slots: dict[Slot, gr.Image] = {}
    with gr.Row(equal_height=True, elem_id="garment-slots"):
        for slot in SLOTS:
            with gr.Column(min_width=120, elem_classes="slot-card"):
                gr.Markdown(f"**{SLOT_TITLES[slot]}**", elem_classes="slot-title")
                slots[slot] = photo_input(
                    label=SLOT_TITLES[slot],
                    show_label=False,
                    placeholder=SLOT_HINTS[slot],
                    sources=["upload", "clipboard"],
                    height=CARD_HEIGHT,
                    elem_id=f"slot-{slot}",
                )
                if examples.get(slot):
                    gr.Examples(
                        examples=[[str(p)] for p in examples[slot]],
                        inputs=[slots[slot]],
                        label=None,
                        examples_per_page=6,
                        cache_examples=False,
                    )
    status = gr.Markdown(slot_status(None, None, None, None), elem_id="slot-status", elem_classes="status-line")
    return GarmentPanel(slots, clear, status)


def listen(panel: GarmentPanel) -> None:
    gr.on(
        [image.change for image in panel.inputs],
        slot_status,
        inputs=panel.inputs,
        outputs=panel.status,
        queue=False,
        preprocess=False,
        api_visibility="private",
    )
    panel.clear.click(lambda: [None] * len(SLOTS), outputs=panel.inputs, queue=False, api_visibility="private")


def slot_status(upper: Upload, lower: Upload, dress: Upload, outer: Upload) -> str:
    filled = [slot for slot, value in zip(SLOTS, (upper, lower, dress, outer), strict=True) if upload_given(value)]
    if not filled:
        return EMPTY_STATUS
    try:
        validate_slots(set(filled))
    except InputError as exc:
        return f"⚠ {exc}"
    return f"✓ {' + '.join(SLOT_TITLES[s] for s in filled)}: a valid outfit."

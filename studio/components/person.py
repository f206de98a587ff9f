"""The person photo: upload, webcam, paste, or an example; and what the analysis noticed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from studio.widgets import photo_input

PHOTO_HEIGHT = 330


@dataclass(frozen=True)
class PersonPanel:
    photo: gr.Image
    notes: gr.Markdown  # filled by the masks component after each analysis


def render(examples: Sequence[Path]) -> PersonPanel:
    gr.Markdown("### 1 · Person photo")
    photo = photo_input(
        label="Person photo",
        sources=["upload", "webcam", "clipboard"],
        height=PHOTO_HEIGHT,
        elem_id="person-photo",
        placeholder="One person, facing the camera",
    )
    if examples:
        gr.Examples(
            examples=[[str(p)] for p in examples],
            inputs=[photo],
            label="Example people",
            examples_per_page=8,
            cache_examples=False,
        )
    notes = gr.Markdown(elem_classes="notes")
    return PersonPanel(photo, notes)

"""How the outfit is worn: a phrase, chips for the understood attributes, and a live line
saying how the phrase was understood."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from pipelines.errors import InputError
from pipelines.layout import CANONICAL, describe, parse_layout

ATTRIBUTE_TITLES = {"tuck": "Tuck", "sleeves": "Sleeves", "outerwear": "Jacket"}
# Chip phrase -> (attribute, value), in CANONICAL's order.
CHIPS: dict[str, tuple[str, str]] = {phrase: key for key, phrase in CANONICAL.items()}


@dataclass(frozen=True)
class LayoutPanel:
    text: gr.Textbox
    chips: dict[str, gr.Button]
    understood: gr.Markdown


def render() -> LayoutPanel:
    gr.Markdown("### 3 · How they are worn")
    text = gr.Textbox(
        label="Layout",
        placeholder="e.g. rolled sleeves, tucked in, open jacket",
        elem_id="layout-text",
        max_length=300,
    )
    chips: dict[str, gr.Button] = {}
    for attribute, title in ATTRIBUTE_TITLES.items():
        with gr.Row(elem_classes="chip-row"):
            gr.Markdown(title, elem_classes="chip-title")
            for phrase, (attr, _) in CHIPS.items():
                if attr == attribute:
                    chips[phrase] = gr.Button(phrase, size="sm", variant="secondary", elem_classes="chip", scale=0)
    understood = gr.Markdown(understood_line(""), elem_id="layout-understood", elem_classes="status-line")
    return LayoutPanel(text, chips, understood)


def listen(panel: LayoutPanel) -> None:
    panel.text.change(
        show_understood,
        inputs=panel.text,
        outputs=[panel.understood, *panel.chips.values()],
        queue=False,
        api_visibility="private",
    )
    for phrase, chip in panel.chips.items():
        chip.click(
            lambda text, phrase=phrase: toggle_phrase(text, phrase),
            inputs=panel.text,
            outputs=panel.text,
            queue=False,
            api_visibility="private",
        )


def understood_line(text: str | None) -> str:
    try:
        layout = parse_layout(text)
    except InputError as exc:
        return f"⚠ {exc}"
    prefix = "Understood as" if text and text.strip() else "Default"
    return f"{prefix}: **{describe(layout)}**"


def show_understood(text: str | None) -> list:
    try:
        chosen = set(parse_layout(text).understood)
    except InputError:
        chosen = set()
    chips = [gr.Button(variant="primary" if phrase in chosen else "secondary") for phrase in CHIPS]
    return [understood_line(text), *chips]


def toggle_phrase(text: str | None, phrase: str) -> str:
    """Add a chip's phrase, replacing the phrase for the same attribute; remove it if present.

    A phrase that parses is rewritten in the chips' words ("french tuck" -> "half tucked").
    """
    attribute = CHIPS[phrase][0]
    try:
        current = list(parse_layout(text).understood)
    except InputError:  # keep the user's words; the line under the box says what is wrong
        current = [part.strip() for part in (text or "").split(",") if part.strip()]
    if phrase in current:
        return ", ".join(p for p in current if p != phrase)
    kept = [p for p in current if p not in CHIPS or CHIPS[p][0] != attribute]
    return ", ".join([*kept, phrase])

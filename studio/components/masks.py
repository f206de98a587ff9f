"""The automatic mask of each slot over the photo, and a brush and eraser to correct it.

The editor shows one slot at a time: the photo as background, the mask as its one layer.
An edit is kept per slot in the session (:class:`MaskEdits`) when the user switches slot,
changes the layout or runs a try-on; the next try-on passes the kept masks to the engine as
``mask_overrides``. A new photo drops them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import gradio as gr
import numpy as np

from pipelines.errors import InputError
from pipelines.layout import describe, parse_layout
from pipelines.plan import shape_mask
from pipelines.types import SLOTS, Layout, PersonAnalysis, Slot
from studio import convert
from studio.components.garments import SLOT_TITLES, GarmentPanel
from studio.components.outfit_layout import LayoutPanel
from studio.components.person import PersonPanel
from studio.handlers import TryOnService, Upload, garment_uploads, upload_given

EDITOR_HEIGHT = 560
# The editor's starting canvas, smaller than any photo (imageio.MIN_SIDE): Gradio 6.31 centres
# a loaded layer in the starting canvas when that is larger than the photo, which shows the
# mask shifted off the photo (the exported layer is right; only the display is off).
EDITOR_START_CANVAS = (64, 64)


@dataclass(frozen=True, eq=False)
class MaskEdits:
    """A session's corrected masks, and what the editor currently shows."""

    photo: str = ""  # content key of the photo the masks belong to
    slot: Slot | None = None  # the slot loaded in the editor
    shown: np.ndarray | None = None  # the mask loaded in the editor
    overrides: dict[Slot, np.ndarray] = field(default_factory=dict)

    def for_photo(self, key: str) -> MaskEdits:
        return self if key == self.photo else MaskEdits(photo=key)

    def capture(self, painted: np.ndarray | None) -> MaskEdits:
        """Keep the editor's mask for the shown slot if the user changed it."""
        if painted is None or self.slot is None or self.shown is None or not convert.is_edited(painted, self.shown):
            return self
        return replace(self, shown=painted, overrides={**self.overrides, self.slot: painted})

    def without(self, slot: Slot) -> MaskEdits:
        return replace(self, overrides={s: m for s, m in self.overrides.items() if s != slot})


@dataclass(frozen=True)
class MaskPanel:
    slot: gr.Radio
    editor: gr.ImageEditor
    reset: gr.Button
    info: gr.Markdown
    edits: gr.State


def render() -> MaskPanel:
    with gr.Accordion("5 · Check and correct the masks (optional)", open=False, elem_id="masks"):
        with gr.Row():
            with gr.Column(scale=1, min_width=220):
                slot = gr.Radio(
                    choices=[(SLOT_TITLES[s], s) for s in SLOTS], value=SLOTS[0], label="Slot", elem_id="mask-slot"
                )
                info = gr.Markdown("Add a person photo to see where each garment will be drawn.", elem_classes="notes")
                reset = gr.Button("Back to the automatic mask", size="sm")
            with gr.Column(scale=3):
                editor = gr.ImageEditor(
                    label="Where the garment may be drawn",
                    sources=[],
                    transforms=[],
                    layers=gr.LayerOptions(allow_additional_layers=False),
                    brush=gr.Brush(
                        colors=[(convert.MASK_HEX, convert.MASK_ALPHA)],
                        default_color=(convert.MASK_HEX, convert.MASK_ALPHA),
                        color_mode="fixed",
                    ),
                    eraser=gr.Eraser(),
                    type="numpy",
                    image_mode="RGBA",
                    format="png",
                    height=EDITOR_HEIGHT,
                    canvas_size=EDITOR_START_CANVAS,
                    placeholder="The mask appears here once a person photo is analysed.",
                    elem_id="mask-editor",
                )
    return MaskPanel(slot, editor, reset, info, gr.State(MaskEdits()))


def listen(panel: MaskPanel, service: TryOnService, person: PersonPanel, garments: GarmentPanel, layout: LayoutPanel) -> None:
    inputs = [person.photo, *garments.inputs, layout.text, panel.slot, panel.editor, panel.edits]
    outputs = [panel.editor, panel.edits, panel.info, person.notes]
    # preprocess=False: photos reach the handler undecoded (see studio.widgets.photo_input).
    common = {"concurrency_id": "analysis", "concurrency_limit": 2, "api_visibility": "private", "preprocess": False}
    gr.on(
        [person.photo.change, panel.slot.change, layout.text.change],
        functools.partial(refresh, service, False),
        inputs=inputs,
        outputs=outputs,
        trigger_mode="always_last",
        show_progress="minimal",
        **common,
    )
    panel.reset.click(functools.partial(refresh, service, True), inputs=inputs, outputs=outputs, **common)
    gr.on(
        [g.change for g in garments.inputs],
        pick_slot,
        inputs=[panel.slot, *garments.inputs],
        outputs=panel.slot,
        queue=False,
        preprocess=False,
        api_visibility="private",
    )


def refresh(
    service: TryOnService,
    reset: bool,
    person: Upload,
    upper: Upload,
    lower: Upload,
    dress: Upload,
    outer: Upload,
    layout_text: str | None,
    slot: Slot,
    editor: dict | None,
    edits: MaskEdits,
) -> tuple:
    if not upload_given(person):
        return None, MaskEdits(), "Add a person photo to see where each garment will be drawn.", ""
    try:
        photo, analysis = service.analyze(person)
    except InputError as exc:
        gr.Warning(str(exc))
        return None, MaskEdits(), f"⚠ {exc}", f"⚠ {exc}"
    edits = edits.for_photo(analysis.key).capture(convert.editor_mask(editor, analysis.size))
    if reset:
        edits = edits.without(slot)
    layout = _layout_or_default(layout_text)
    has_outer = upload_given(outer)
    mask = edits.overrides.get(slot)
    if mask is None:
        mask = automatic_mask(analysis, slot, layout, has_outer)
    edits = replace(edits, slot=slot, shown=mask)
    info = _info(slot, slot in edits.overrides, layout, garment_uploads(upper, lower, dress, outer))
    return convert.editor_value(photo, mask), edits, info, _notes(analysis)


def automatic_mask(analysis: PersonAnalysis, slot: Slot, layout: Layout, has_outer: bool) -> np.ndarray:
    """The mask the next try-on uses for ``slot`` when the user has not corrected it."""
    return shape_mask(slot, analysis.regions[slot].mask.copy(), analysis, layout, has_outer)


def current_overrides(edits: MaskEdits, editor: dict | None, key: str, size: tuple[int, int]) -> tuple[MaskEdits, dict]:
    """The session's corrected masks for the photo with content ``key``, including the editor's."""
    if edits.photo != key:
        return edits, {}
    edits = edits.capture(convert.editor_mask(editor, size))
    return edits, dict(edits.overrides)


def pick_slot(current: Slot, upper: Upload, lower: Upload, dress: Upload, outer: Upload):
    """Show the first filled slot, unless the shown one is filled."""
    filled = [s for s, value in garment_uploads(upper, lower, dress, outer).items() if upload_given(value)]
    return gr.skip() if not filled or current in filled else filled[0]


def _layout_or_default(text: str | None) -> Layout:
    try:
        return parse_layout(text)
    except InputError:  # the layout box already says what is wrong
        return Layout()


def _info(slot: Slot, corrected: bool, layout: Layout, garments: dict[Slot, Upload]) -> str:
    title = SLOT_TITLES[slot].lower()
    if corrected:
        text = f"Your corrected **{title}** mask: the next try-on uses it."
    else:
        text = f"The automatic **{title}** mask for *{describe(layout)}*."
    if not upload_given(garments[slot]):
        text += f" (No {title} garment is chosen, so it is not used.)"
    return text + " Paint with the brush to add, erase to remove."


def _notes(analysis: PersonAnalysis) -> str:
    return "\n".join(f"{note}" for note in analysis.notes)

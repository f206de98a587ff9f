"""The result: before/after slider, download, what was done, and the session's history."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from studio.handlers import SavedResult

HISTORY_SIZE = 8
RESULT_HEIGHT = 560


@dataclass(frozen=True)
class ResultPanel:
    compare: gr.ImageSlider
    download: gr.DownloadButton
    details: gr.Markdown
    gallery: gr.Gallery
    history: gr.State


def render() -> ResultPanel:
    gr.Markdown("### Result")
    compare = gr.ImageSlider(
        label="Before / after (drag the handle)",
        type="filepath",
        height=RESULT_HEIGHT,
        interactive=False,
        elem_id="result",
    )
    download = gr.DownloadButton("Download PNG", visible=False, variant="secondary", elem_id="download")
    details = gr.Markdown(elem_classes="notes", elem_id="result-details")
    gallery = gr.Gallery(
        label=f"This session (last {HISTORY_SIZE})",
        columns=4,
        height=220,
        allow_preview=False,
        interactive=False,
        object_fit="contain",
        fit_columns=False,
        elem_id="history",
    )
    return ResultPanel(compare, download, details, gallery, gr.State([]))


def listen(panel: ResultPanel) -> None:
    panel.gallery.select(
        show_saved,
        inputs=panel.history,
        outputs=[panel.compare, panel.download, panel.details],
        queue=False,
        api_visibility="private",
    )


def remember(history: list[SavedResult], saved: SavedResult) -> list[SavedResult]:
    return [saved, *history][:HISTORY_SIZE]


def updates(saved: SavedResult, history: list[SavedResult]) -> tuple:
    """What the result panel shows for ``saved``: compare, download, details, gallery."""
    return (*show_one(saved), [(str(s.after), s.caption) for s in history])


def show_one(saved: SavedResult) -> tuple:
    return (
        (str(saved.before), str(saved.after)),
        gr.DownloadButton(value=str(saved.after), visible=True),
        saved.details,
    )


def show_saved(history: list[SavedResult], evt: gr.SelectData) -> tuple:
    if evt.index is None or not 0 <= evt.index < len(history):
        return gr.skip(), gr.skip(), gr.skip()
    return show_one(history[evt.index])

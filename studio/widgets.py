"""Gradio widgets the studio needs that Gradio does not ship as such."""

from __future__ import annotations

import gradio as gr
from gradio.data_classes import ImageData


class PhotoInput(gr.Image):
    """An image input that hands the handler the uploaded file's path, undecoded.

    ``gr.Image`` decodes uploads itself, and a broken file then fails inside Gradio with a
    generic "Error". Passing the path on lets :func:`pipelines.imageio.load_image` decode
    it and explain, in one sentence, what is wrong with the file. Gradio has already
    checked that the path is one of its own uploads. Pasted images arrive as ``data:``
    URLs, which the parent class turns into a file.
    """

    is_template = True  # rendered by the frontend's "image" component
    # No __init__ of its own: Gradio sends the frontend the props named in __init__'s signature.

    def preprocess(self, payload: ImageData | None) -> str | None:
        if payload is not None and payload.path and not (payload.url or "").startswith("data:"):
            return payload.path
        return super().preprocess(payload)


def photo_input(label: str, **kwargs) -> PhotoInput:
    """A :class:`PhotoInput` (the handler gets the upload's path; PNG when shown back)."""
    return PhotoInput(label=label, type="filepath", image_mode=None, format="png", **kwargs)

"""Widgets the studio builds the same way in several places."""

from __future__ import annotations

import gradio as gr


def photo_input(label: str, **kwargs) -> gr.Image:
    """An image input whose events take the upload undecoded (``preprocess=False``).

    ``gr.Image`` decodes uploads itself, and a file it cannot read then fails inside Gradio
    with a generic "Error". Events that read photos therefore run with ``preprocess=False``
    and hand the upload to :func:`studio.handlers.read_upload`, which decodes it with
    :func:`pipelines.imageio.load_image` and explains in one sentence what is wrong. Gradio
    still checks, before any handler runs, that the file is one of its own uploads.
    """
    return gr.Image(label=label, type="filepath", image_mode=None, format="png", **kwargs)

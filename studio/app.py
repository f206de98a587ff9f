"""Build the studio's Blocks around one engine, and serve them.

``launch()`` is what ``python launch.py`` and the Space's ``app.py`` call: it creates the
app's own folder, the engine (models load lazily inside it, on first use) and the Blocks,
then serves them on the loopback interface unless told otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import gradio as gr

from pipelines.backends.base import BACKEND_NAMES
from pipelines.imageio import MAX_FILE_BYTES
from pipelines.paths import PROJECT_ROOT, exports_dir, weights_dir
from pipelines.tryon import TryOnEngine
from studio import layout
from studio.examples import prepare_examples
from studio.handlers import TryOnService
from studio.workspace import Workspace

TITLE = "Try-on studio"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
# Requests waiting in the queue before new ones are turned away with "queue full".
QUEUE_SIZE = 64
# Fast events (slot status, layout line, masks) that may run at once.
DEFAULT_CONCURRENCY = 4
# System fonts only: the studio works offline, so no web fonts are fetched.
THEME = gr.themes.Soft(
    primary_hue="indigo",
    neutral_hue="slate",
    font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)
CSS_FILE = Path(__file__).with_name("studio.css")


def build_app(engine: TryOnEngine, examples_dir: Path | None = None, workspace: Workspace | None = None) -> gr.Blocks:
    """The studio's Blocks. Examples are written into ``workspace`` (a new one if not given)."""
    workspace = workspace or Workspace.create()
    service = TryOnService(engine, workspace)
    examples = prepare_examples(workspace.examples, examples_dir)
    statuses = [engine.status(name) for name in BACKEND_NAMES]
    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True) as demo:
        layout.render(service, examples, statuses)
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=DEFAULT_CONCURRENCY)
    return demo


def serve(
    demo: gr.Blocks,
    workspace: Workspace,
    host: str | None = DEFAULT_HOST,
    port: int | None = DEFAULT_PORT,
    share: bool = False,
    block: bool = True,
    private: Sequence[Path] = (),
) -> gr.Blocks:
    """Serve ``demo`` from ``workspace`` only, uploads capped, the repository never reachable.

    ``host``/``port`` None leave the choice to Gradio's GRADIO_SERVER_NAME/PORT (Spaces).
    ``private`` folders (besides the repository, weights/ and exports/) are never served.
    """
    blocked = [PROJECT_ROOT, weights_dir(), exports_dir(), *private]
    demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        max_file_size=MAX_FILE_BYTES,
        allowed_paths=[str(workspace.root)],
        blocked_paths=[str(p) for p in blocked if not workspace.root.is_relative_to(p)],
        prevent_thread_lock=not block,
        show_error=False,
        footer_links=["api", "gradio"],
        theme=THEME,
        css=CSS_FILE.read_text(),
        quiet=not block,
    )
    return demo


def launch(
    host: str | None = DEFAULT_HOST,
    port: int | None = DEFAULT_PORT,
    share: bool = False,
    examples_dir: Path | None = None,
    *,
    weights: Path | None = None,
    engine: TryOnEngine | None = None,
    block: bool = True,
) -> gr.Blocks:
    """Create the app's folder, the engine and the Blocks, and serve them.

    ``block=False`` returns once the server is up (tests); close it with ``demo.close()``.
    """
    workspace = Workspace.create()
    # Gradio keeps uploads and its cache here; components read this when they are built.
    os.environ["GRADIO_TEMP_DIR"] = str(workspace.gradio)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    engine = engine or TryOnEngine(weights or weights_dir())
    demo = build_app(engine, examples_dir, workspace)
    return serve(demo, workspace, host, port, share, block, private=[engine.weights_dir])

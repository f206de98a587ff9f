"""rembg sessions from model files already on disk, never from the network.

rembg reads ``U2NET_HOME`` and ``MODEL_CHECKSUM_DISABLED`` from the environment when a
session is made; with the file present and the checksum off, its pooch download step uses
the file as it is. Our downloader (``pipelines.weights``) checked the file when it fetched it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from pipelines.weights import rembg_home


def find_model(weights_dir: Path, name: str) -> Path | None:
    """``<name>.onnx`` in weights/rembg/ first, then in $U2NET_HOME; None when absent."""
    candidates = [rembg_home(weights_dir) / f"{name}.onnx"]
    if os.environ.get("U2NET_HOME"):
        candidates.append(Path(os.environ["U2NET_HOME"]).expanduser() / f"{name}.onnx")
    return next((p for p in candidates if p.is_file()), None)


def open_session(name: str, model_path: Path):
    """A rembg session of model ``name`` loaded from ``model_path`` (imports rembg: ~2 s)."""
    with environment(U2NET_HOME=str(model_path.parent), MODEL_CHECKSUM_DISABLED="1"):
        from rembg import new_session

        return new_session(name)


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the duration of a call only."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

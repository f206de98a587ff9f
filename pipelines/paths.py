"""Where the studio keeps its files. Overridable with environment variables."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def weights_dir() -> Path:
    """Downloaded model files: ``weights/`` in the project, or $TRYON_WEIGHTS_DIR."""
    return Path(os.environ.get("TRYON_WEIGHTS_DIR") or PROJECT_ROOT / "weights")


def exports_dir() -> Path:
    """Exported ONNX / TensorRT models: ``exports/`` in the project, or $TRYON_EXPORTS_DIR."""
    return Path(os.environ.get("TRYON_EXPORTS_DIR") or PROJECT_ROOT / "exports")

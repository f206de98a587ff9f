"""The studio's own folder for everything it writes and serves: uploads, examples, results.

One temporary folder per running app. Gradio is told to keep its uploads and cache inside
it (``GRADIO_TEMP_DIR``), and it is the only folder the app is allowed to serve, so the
repository, ``weights/`` and ``exports/`` are never reachable over HTTP.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

# Result files kept on disk per app; older ones are deleted as new ones arrive. Each
# session shows its last few results (see studio.components.result.HISTORY_SIZE), so this
# only needs to cover every session's history at once.
MAX_RESULT_FILES = 500


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def create(cls, parent: Path | None = None) -> Workspace:
        """A fresh folder under ``parent`` (default: the system temp folder), removed at exit."""
        root = Path(tempfile.mkdtemp(prefix="tryon-studio-", dir=parent)).resolve()
        workspace = cls(root)
        for folder in (workspace.gradio, workspace.examples, workspace.results):
            folder.mkdir(parents=True, exist_ok=True)
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        return workspace

    @property
    def gradio(self) -> Path:
        """Gradio's uploads and cache (GRADIO_TEMP_DIR)."""
        return self.root / "gradio"

    @property
    def examples(self) -> Path:
        return self.root / "examples"

    @property
    def results(self) -> Path:
        return self.root / "results"

    def result_folder(self) -> Path:
        """A new folder for one try-on's files, so that a result keeps a readable file name."""
        self._prune()
        folder = self.results / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True)
        return folder

    def _prune(self) -> None:
        folders = sorted(self.results.iterdir(), key=lambda p: p.stat().st_mtime)
        for old in folders[: max(0, len(folders) - MAX_RESULT_FILES)]:
            shutil.rmtree(old, ignore_errors=True)

"""Example photos the project may redistribute, and the user's own example folder.

People come from installed packages (scikit-image's astronaut, public domain; matplotlib's
grace_hopper.jpg, public domain), where those are installed; garments are drawn here, flat on a light background like
a product photo. Everything is written into the app's workspace at start-up, so the app
serves examples from its own folder only.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines import drawn
from pipelines.errors import InputError
from pipelines.imageio import MAX_FILE_BYTES, save_png
from pipelines.types import SLOTS, Slot

# A user's example folder: these subfolders, these files, at most this many per folder.
EXAMPLE_FOLDERS = ("person", *SLOTS)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MAX_EXAMPLES_PER_FOLDER = 12


@dataclass(frozen=True)
class ExampleSet:
    people: tuple[Path, ...]
    garments: dict[Slot, tuple[Path, ...]]


DRAWN_GARMENTS: dict[Slot, tuple[tuple[str, Callable[[], np.ndarray]], ...]] = {
    "upper": (("striped_tshirt", drawn.striped_tshirt), ("green_longsleeve", lambda: drawn.solid_top((40, 140, 80), "long"))),
    "lower": (("trousers", drawn.trousers), ("skirt", drawn.skirt)),
    "dress": (("dress", drawn.dress_with_word),),
    "outer": (("jacket", drawn.open_jacket),),
}


def write_builtin(folder: Path) -> ExampleSet:
    """Write the packaged people and the drawn garments into ``folder``."""
    garments = {
        slot: tuple(save_png(folder / slot / f"{name}.png", draw()) for name, draw in drawings)
        for slot, drawings in DRAWN_GARMENTS.items()
    }
    return ExampleSet(packaged_people(folder / "person"), garments)


def packaged_people(folder: Path) -> tuple[Path, ...]:
    """Photos of people shipped inside scikit-image and matplotlib, where they are installed."""
    folder.mkdir(parents=True, exist_ok=True)
    people: list[Path] = []
    with contextlib.suppress(ImportError):
        from skimage import data

        people.append(save_png(folder / "astronaut.png", np.ascontiguousarray(data.astronaut())))
    with contextlib.suppress(ImportError):
        import matplotlib.cbook

        source = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
        people.append(Path(shutil.copyfile(source, folder / "grace_hopper.jpg")))
    return tuple(people)


def copy_user_examples(source: Path, folder: Path) -> dict[str, tuple[Path, ...]]:
    """Copy the images of ``source``'s person/, upper/, lower/, dress/, outer/ into ``folder``."""
    if not source.is_dir():
        raise InputError(
            f"The examples folder '{source}' does not exist; give a folder with person/, upper/, "
            "lower/, dress/ or outer/ subfolders of photos."
        )
    found: dict[str, tuple[Path, ...]] = {}
    for name in EXAMPLE_FOLDERS:
        sub = source / name
        if not sub.is_dir():
            continue
        files = sorted(
            p for p in sub.iterdir()
            if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file() and p.stat().st_size <= MAX_FILE_BYTES
        )[:MAX_EXAMPLES_PER_FOLDER]
        target = folder / name
        target.mkdir(parents=True, exist_ok=True)
        found[name] = tuple(Path(shutil.copyfile(p, target / p.name)) for p in files)
    if not any(found.values()):
        raise InputError(
            f"The examples folder '{source}' has no photos in person/, upper/, lower/, dress/ or outer/ "
            f"({', '.join(IMAGE_SUFFIXES)})."
        )
    return found


def prepare_examples(folder: Path, user_folder: Path | None = None) -> ExampleSet:
    """The examples the app shows: the user's where given, the built-in ones elsewhere."""
    builtin = write_builtin(folder / "builtin")
    if user_folder is None:
        return builtin
    user = copy_user_examples(user_folder, folder / "user")
    return ExampleSet(
        people=user.get("person") or builtin.people,
        garments={slot: user.get(slot) or builtin.garments[slot] for slot in SLOTS},
    )

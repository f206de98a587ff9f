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

import cv2
import numpy as np

from pipelines.errors import InputError
from pipelines.imageio import MAX_FILE_BYTES, save_png
from pipelines.types import SLOTS, Slot

# Drawn garment photos: 3:4 portrait like the VITON-HD cloth images, small enough to be quick.
CANVAS_W, CANVAS_H = 384, 512
BACKGROUND = (244, 243, 238)
OUTLINE = (60, 60, 60)
# A user's example folder: these subfolders, these files, at most this many per folder.
EXAMPLE_FOLDERS = ("person", *SLOTS)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MAX_EXAMPLES_PER_FOLDER = 12


@dataclass(frozen=True)
class ExampleSet:
    people: tuple[Path, ...]
    garments: dict[Slot, tuple[Path, ...]]


def _canvas() -> np.ndarray:
    return np.full((CANVAS_H, CANVAS_W, 3), BACKGROUND, np.uint8)


def _fill(image: np.ndarray, outline: list[tuple[int, int]], pattern: np.ndarray) -> np.ndarray:
    """Fill the polygon with ``pattern`` (an image of the same size), and outline it."""
    pts = np.array(outline, np.int32)
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_AA)
    a = (mask.astype(np.float32) / 255.0)[..., None]
    image[:] = (pattern * a + image * (1 - a) + 0.5).astype(np.uint8)
    cv2.polylines(image, [pts], True, OUTLINE, 2, lineType=cv2.LINE_AA)
    return mask


def _stripes(colours: tuple[tuple[int, int, int], ...], period: int) -> np.ndarray:
    rows = (np.arange(CANVAS_H) // period) % len(colours)
    return np.asarray(colours, np.uint8)[rows][:, None, :].repeat(CANVAS_W, axis=1)


def _solid(colour: tuple[int, int, int]) -> np.ndarray:
    return np.full((CANVAS_H, CANVAS_W, 3), colour, np.uint8)


def striped_tshirt() -> np.ndarray:
    image = _canvas()
    outline = [
        (152, 56), (108, 72), (28, 150), (70, 206), (112, 172), (112, 470), (272, 470), (272, 172),
        (314, 206), (356, 150), (276, 72), (232, 56), (216, 80), (192, 88), (168, 80),
    ]
    _fill(image, outline, _stripes(((250, 250, 250), (36, 56, 110)), 22))
    cv2.ellipse(image, (192, 58), (42, 30), 0, 0, 180, OUTLINE, 3, lineType=cv2.LINE_AA)
    return image


def trousers() -> np.ndarray:
    image = _canvas()
    outline = [(112, 40), (272, 40), (286, 480), (204, 480), (192, 196), (180, 480), (98, 480)]
    _fill(image, outline, _solid((176, 148, 104)))
    cv2.rectangle(image, (112, 40), (272, 70), (140, 116, 80), -1)
    cv2.line(image, (192, 70), (192, 190), OUTLINE, 2, lineType=cv2.LINE_AA)
    cv2.polylines(image, [np.array(outline, np.int32)], True, OUTLINE, 2, lineType=cv2.LINE_AA)
    return image


def dress() -> np.ndarray:
    image = _canvas()
    outline = [
        (146, 36), (124, 44), (128, 150), (144, 232), (60, 490), (324, 490), (240, 232), (256, 150),
        (260, 44), (238, 36), (220, 70), (192, 80), (164, 70),
    ]
    pattern = _solid((178, 34, 52))
    ys, xs = np.mgrid[18:CANVAS_H:36, 18:CANVAS_W:36]
    for y, x in zip(ys.ravel(), xs.ravel(), strict=True):
        cv2.circle(pattern, (int(x + (y // 36 % 2) * 18), int(y)), 6, (250, 240, 230), -1, cv2.LINE_AA)
    _fill(image, outline, pattern)
    cv2.line(image, (144, 232), (240, 232), OUTLINE, 2, lineType=cv2.LINE_AA)
    return image


def jacket() -> np.ndarray:
    image = _canvas()
    outline = [
        (150, 40), (100, 60), (50, 200), (24, 440), (70, 446), (104, 250), (106, 480), (278, 480),
        (280, 250), (314, 446), (360, 440), (334, 200), (284, 60), (234, 40), (192, 150),
    ]
    _fill(image, outline, _solid((86, 102, 64)))
    cv2.line(image, (192, 150), (192, 480), OUTLINE, 2, lineType=cv2.LINE_AA)
    for x in (130, 218):
        cv2.rectangle(image, (x, 360), (x + 36, 400), (66, 80, 48), -1)
    return image


DRAWN_GARMENTS: dict[Slot, tuple[tuple[str, Callable[[], np.ndarray]], ...]] = {
    "upper": (("striped_tshirt", striped_tshirt),),
    "lower": (("trousers", trousers),),
    "dress": (("dress", dress),),
    "outer": (("jacket", jacket),),
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

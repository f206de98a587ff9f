"""Reading whatever people upload into one predictable form: 8-bit RGB, upright.

Handles EXIF rotation, RGBA (composited on white), greyscale, CMYK, 16-bit PNG, WebP,
truncated files and decompression bombs. Every failure becomes an :class:`InputError`.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from pipelines.errors import InputError

# Largest accepted image, in pixels: 50 megapixels (an 8K photo is 33 MP). Larger files
# are refused before decoding, which is also what protects us from decompression bombs.
MAX_PIXELS = 50_000_000
# Smallest useful side: below this neither pose estimation nor try-on means anything.
MIN_SIDE = 64
# Photos larger than this (longest side) are processed at this size; results are scaled back.
WORK_MAX_SIDE = 2048
# Upload cap shared by the CLI and the studio (bytes): 30 MB.
MAX_FILE_BYTES = 30 * 1024 * 1024


def load_image(source: str | os.PathLike | bytes | Image.Image | np.ndarray, what: str = "image") -> np.ndarray:
    """Decode ``source`` to an upright HxWx3 uint8 RGB array or raise InputError naming ``what``."""
    if isinstance(source, np.ndarray):
        return _array_to_rgb(source, what)
    if isinstance(source, Image.Image):
        return _pil_to_rgb(source, what)
    if isinstance(source, bytes):
        data = source
        name = what
    else:
        path = Path(source)
        name = f"{what} '{path}'"
        if not path.exists():
            raise InputError(f"The {name} does not exist; check the path.")
        if not path.is_file():
            raise InputError(f"The {name} is not a file; give the path of an image file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(
                f"The {name} is {path.stat().st_size / 1e6:.0f} MB; the limit is "
                f"{MAX_FILE_BYTES / 1e6:.0f} MB, so save a smaller copy and try again."
            )
        data = path.read_bytes()
    if not data:
        raise InputError(f"The {name} is empty; give a JPEG, PNG or WebP photo.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            w, h = image.size
            if w * h > MAX_PIXELS:
                raise InputError(
                    f"The {name} is {w}x{h} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels, "
                    "so downscale it and try again."
                )
            image.load()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            f"The {name} is too large to decode safely (over {MAX_PIXELS // 1_000_000} megapixels); "
            "downscale it and try again."
        ) from None
    except UnidentifiedImageError:
        raise InputError(f"The {name} is not an image this program can read; give a JPEG, PNG or WebP photo.") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"The {name} is damaged or truncated ({exc}); re-export or re-download it.") from None
    return _pil_to_rgb(image, name)


def _pil_to_rgb(image: Image.Image, name: str) -> np.ndarray:
    image = ImageOps.exif_transpose(image)  # phone photos: apply the EXIF rotation
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits instead of clipping.
        arr = np.asarray(image, dtype=np.float32)
        top = 65535.0 if arr.max() > 255 else 255.0
        image = Image.fromarray(np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return _check_size(np.ascontiguousarray(rgb), name)


def _array_to_rgb(arr: np.ndarray, name: str) -> np.ndarray:
    if arr.dtype == np.uint16:
        arr = (arr.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
    elif arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise InputError(f"The {name} has shape {arr.shape}; expected an HxW, HxWx3 or HxWx4 image.")
    if arr.shape[2] == 4:
        alpha = arr[:, :, 3:4].astype(np.float32) / 255.0
        arr = (arr[:, :, :3] * alpha + 255.0 * (1 - alpha) + 0.5).astype(np.uint8)
    return _check_size(np.ascontiguousarray(arr), name)


def _check_size(rgb: np.ndarray, name: str) -> np.ndarray:
    h, w = rgb.shape[:2]
    if min(h, w) < MIN_SIDE:
        raise InputError(f"The {name} is only {w}x{h} pixels; give a photo at least {MIN_SIDE} pixels on each side.")
    if h * w > MAX_PIXELS:
        raise InputError(f"The {name} is {w}x{h} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels.")
    return rgb


def content_key(*arrays: np.ndarray) -> str:
    """A short hash of image contents (and shapes): the cache key for analyses and garments."""
    digest = hashlib.blake2b(digest_size=16)
    for arr in arrays:
        digest.update(str(arr.shape).encode())
        digest.update(np.ascontiguousarray(arr).data)
    return digest.hexdigest()


def save_png(path: str | os.PathLike, image: np.ndarray, text: dict[str, str] | None = None) -> Path:
    """Write an RGB image or a single-channel mask as PNG, with optional text metadata."""
    from PIL import PngImagePlugin

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    # Level 1: a 768x1024 photo saves in a third of the time for a few percent more bytes.
    Image.fromarray(image).save(path, pnginfo=info, compress_level=1)
    return path

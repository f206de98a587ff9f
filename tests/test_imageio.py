"""Reading what people upload: every odd format decodes, every broken file is one clear sentence."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from pipelines.errors import InputError
from pipelines.imageio import MAX_PIXELS, load_image


def _encode(image: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **kw)
    return buf.getvalue()


@pytest.fixture()
def photo(astronaut) -> Image.Image:
    return Image.fromarray(astronaut)


def test_exif_rotation_is_applied(photo):
    small = photo.resize((200, 100))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display
    out = load_image(_encode(small, "JPEG", exif=exif))
    assert out.shape == (200, 100, 3)


@pytest.mark.parametrize("mode", ["RGBA", "L", "CMYK", "P", "LA"])
def test_modes_become_rgb(photo, mode):
    img = photo.convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    out = load_image(_encode(img, fmt))
    assert out.shape == (512, 512, 3) and out.dtype == np.uint8


def test_rgba_transparent_becomes_white():
    rgba = np.zeros((80, 80, 4), np.uint8)
    out = load_image(_encode(Image.fromarray(rgba), "PNG"))
    assert (out == 255).all()


def test_16_bit_png_keeps_its_range():
    ramp = (np.tile(np.linspace(0, 65535, 128), (128, 1))).astype(np.uint16)
    out = load_image(_encode(Image.fromarray(ramp), "PNG"))
    assert out.shape == (128, 128, 3)
    assert out[:, 0].max() <= 2 and out[:, -1].min() >= 253


def test_webp(photo):
    assert load_image(_encode(photo, "WEBP")).shape == (512, 512, 3)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_image(tmp_path / "nope.jpg", "person photo")


def test_not_an_image(tmp_path):
    p = tmp_path / "notes.jpg"
    p.write_text("hello")
    with pytest.raises(InputError, match="not an image"):
        load_image(p)


def test_truncated_jpeg(photo):
    data = _encode(photo, "JPEG")
    with pytest.raises(InputError, match="damaged or truncated"):
        load_image(data[: len(data) // 2])


def test_decompression_bomb_is_refused_before_decoding():
    side = int(MAX_PIXELS**0.5) + 100
    data = _encode(Image.new("1", (side, side)), "PNG")  # tiny file, huge image
    assert len(data) < 2_000_000
    with pytest.raises(InputError, match="megapixels"):
        load_image(data)


def test_tiny_image_refused():
    with pytest.raises(InputError, match="at least"):
        load_image(np.zeros((10, 10, 3), np.uint8))

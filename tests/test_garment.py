"""Garment preparation on drawn product shots: cut-out, style, landmarks, cache, model path."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipelines import garment as garment_module
from pipelines.drawn import (
    WHITE,
    dress_outline,
    dress_points,
    dress_with_word,
    jacket_outline,
    jacket_points,
    jpeg_bytes,
    open_jacket,
    silhouette,
    skirt,
    skirt_outline,
    skirt_points,
    solid_top,
    striped_tshirt,
    trousers,
    trousers_outline,
    trousers_points,
    tshirt_outline,
    tshirt_points,
    with_alpha,
)
from pipelines.errors import InputError
from pipelines.garment import NO_GARMENT, GarmentPreparer, cut_out
from pipelines.garment_landmarks import measure
from pipelines.imageio import load_image
from pipelines.types import Garment, Slot

TOP = (600, 700)
TOP_NAMES = {
    "neck_left", "neck_right", "neck_centre", "shoulder_left", "shoulder_right",
    "armpit_left", "armpit_right", "hem_left", "hem_right", "hem_centre",
}  # fmt: skip
SLEEVE_NAMES = {"sleeve_left_outer", "sleeve_left_inner", "sleeve_right_outer", "sleeve_right_inner"}
TROUSER_NAMES = {"waist_left", "waist_right", "crotch", "leg_left_outer", "leg_left_inner", "leg_right_outer", "leg_right_inner"}
SKIRT_NAMES = {"waist_left", "waist_right", "hem_left", "hem_right"}
# Found landmarks lie within this share of the drawing's diagonal of the drawn ones.
LANDMARK_TOLERANCE = 0.04



@dataclass(frozen=True)
class Drawing:
    """A drawn product shot, its slot, and the outline and landmarks it was drawn from."""

    draw: Callable[[], np.ndarray]
    slot: Slot
    outline: Callable[[], np.ndarray]
    points: Callable[[], dict[str, tuple[float, float]]]
    size: tuple[int, int]

    def silhouette(self) -> np.ndarray:
        return silhouette(self.outline(), self.size)


DRAWN = {
    "striped_tee": Drawing(striped_tshirt, "upper", partial(tshirt_outline, TOP), partial(tshirt_points, TOP), TOP),
    "long_sleeves": Drawing(partial(solid_top, (30, 90, 160), "long"), "upper", partial(tshirt_outline, TOP, "long"),
                            partial(tshirt_points, TOP, "long"), TOP),
    "tank": Drawing(partial(solid_top, (200, 160, 40), "none"), "upper", partial(tshirt_outline, TOP, "none"),
                    partial(tshirt_points, TOP, "none"), TOP),
    "trousers": Drawing(trousers, "lower", trousers_outline, trousers_points, (500, 800)),
    "skirt": Drawing(skirt, "lower", skirt_outline, skirt_points, (560, 520)),
    "dress": Drawing(dress_with_word, "dress", dress_outline, dress_points, (560, 900)),
    "jacket": Drawing(open_jacket, "outer", jacket_outline, jacket_points, (700, 800)),
}  # fmt: skip


@pytest.fixture(scope="module")
def preparer(tmp_path_factory) -> GarmentPreparer:
    return GarmentPreparer(tmp_path_factory.mktemp("no_weights"))


@pytest.fixture(scope="module")
def prepared(preparer) -> dict[str, Garment]:
    return {name: preparer.prepare(d.draw(), d.slot) for name, d in DRAWN.items()}


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 127, b > 127
    return float((a & b).sum() / max((a | b).sum(), 1))


def in_source(garment: Garment, drawn_mask: np.ndarray) -> dict[str, np.ndarray]:
    """The garment's landmarks moved from its crop back into the drawing's pixels."""
    ys, xs = np.nonzero(drawn_mask)
    ya, xa = np.nonzero(garment.alpha > 127)
    offset = np.array([xs.min() - xa.min(), ys.min() - ya.min()], np.float64)
    return {k: np.asarray(v) + offset for k, v in garment.landmarks.items()}


# ---------------------------------------------------------------- cut-out


@pytest.mark.parametrize("name", list(DRAWN))
def test_cutout_covers_the_drawn_garment_and_not_the_background(name):
    drawn = DRAWN[name].silhouette()
    matte, method = cut_out(DRAWN[name].draw(), None, None)
    assert method == "grabcut"
    assert iou(matte, drawn) > 0.95
    near = cv2.dilate(drawn, np.ones((7, 7), np.uint8)) > 0  # the drawn garment and 3 pixels around it
    assert np.mean(matte[~near] > 25) < 0.001  # the background stays out


def test_white_print_on_a_shirt_on_white_is_not_a_hole():
    drawn = silhouette(tshirt_outline(TOP), TOP)
    image = solid_top((40, 40, 40), print_colour=WHITE, bg=WHITE)
    assert (image[int(0.45 * TOP[1]), TOP[0] // 2 - 50] >= 250).all()  # the print is as white as the background
    matte, _ = cut_out(image, None, None)
    inner = cv2.erode(drawn, np.ones((9, 9), np.uint8)) > 0  # away from the anti-aliased edge
    assert (matte[inner] == 255).all()


def test_white_word_on_a_dress_is_not_a_hole():
    drawn = silhouette(dress_outline(), (560, 900))
    matte, _ = cut_out(dress_with_word("TRY", ink=WHITE, bg=WHITE), None, None)
    assert iou(matte, drawn) > 0.95
    chest = (slice(int(0.22 * 900), int(0.36 * 900)), slice(180, 380))
    assert (matte[chest] == 255).all()


def test_white_top_on_a_light_grey_studio_background():
    drawn = silhouette(tshirt_outline(TOP), TOP)
    matte, _ = cut_out(solid_top((252, 252, 252), bg=(238, 238, 238)), None, None)
    assert iou(matte, drawn) > 0.9


def test_jpeg_photo_is_cut_out(preparer):
    image = load_image(jpeg_bytes(striped_tshirt(), quality=80), "garment photo")
    matte, _ = cut_out(image, None, None)
    assert iou(matte, silhouette(tshirt_outline(TOP), TOP)) > 0.93


def test_rgba_input_uses_its_alpha(preparer):
    drawn = silhouette(tshirt_outline(TOP), TOP)
    rng = np.random.default_rng(0)
    noisy = rng.integers(0, 255, (TOP[1], TOP[0], 3), dtype=np.uint8)  # no plain background to find
    noisy[drawn > 0] = (200, 60, 60)
    garment = preparer.prepare(with_alpha(noisy, drawn), "upper")
    assert garment.cutout_method == "alpha"
    assert (garment.alpha > 127).sum() == (drawn > 127).sum()
    assert garment.source_image.shape == (TOP[1], TOP[0], 3)
    assert (garment.source_image[drawn == 0] == 255).all()  # composited on white
    assert garment.sleeves == "short"


def test_opaque_rgba_is_cut_out_like_rgb(preparer):
    image = solid_top((200, 60, 60))
    rgba = with_alpha(image, np.full(image.shape[:2], 255, np.uint8))
    assert preparer.prepare(rgba, "upper").cutout_method == "grabcut"


def test_crop_keeps_the_whole_garment_with_a_margin(prepared):
    for garment in prepared.values():
        alpha = garment.alpha
        assert alpha.dtype == np.uint8 and garment.rgba.shape[2] == 4
        border = np.concatenate([alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]])
        assert border.max() == 0  # nothing cut off
        ys, xs = np.nonzero(alpha > 127)
        assert xs.min() >= 4 and ys.min() >= 4
        assert alpha.shape[1] - xs.max() <= 0.06 * alpha.shape[1] + 6


@pytest.mark.parametrize("image", [np.full((400, 300, 3), 255, np.uint8), np.full((400, 300, 3), 128, np.uint8)])
def test_blank_photo_is_refused(preparer, image):
    with pytest.raises(InputError, match="No garment was found"):
        preparer.prepare(image, "upper")


def test_tiny_garment_is_refused(preparer):
    image = np.full((500, 500, 3), 255, np.uint8)
    image[200:240, 200:240] = (30, 30, 30)  # 0.6% of the photo
    with pytest.raises(InputError) as info:
        preparer.prepare(image, "upper")
    assert str(info.value) == NO_GARMENT


@pytest.mark.parametrize("bad", [np.zeros((100, 100), np.uint8), np.zeros((100, 100, 3), np.float32), "photo.jpg"])
def test_bad_arrays_are_refused(preparer, bad):
    with pytest.raises(InputError, match="expected an HxWx3"):
        preparer.prepare(bad, "upper")


def test_unknown_slot_is_refused(preparer):
    with pytest.raises(InputError, match="Unknown garment slot 'hat'"):
        preparer.prepare(solid_top(), "hat")


# ---------------------------------------------------------------- style and slot


def test_styles_follow_the_slots(prepared):
    styles = {name: g.style for name, g in prepared.items()}
    assert styles == {
        "striped_tee": "top", "long_sleeves": "top", "tank": "top", "trousers": "trousers",
        "skirt": "skirt", "dress": "dress", "jacket": "jacket",
    }  # fmt: skip
    sleeves = {name: g.sleeves for name, g in prepared.items()}
    assert sleeves["striped_tee"] == "short"
    assert sleeves["long_sleeves"] == "long" and sleeves["jacket"] == "long"
    assert sleeves["tank"] == sleeves["dress"] == sleeves["trousers"] == "none"


@pytest.mark.parametrize("slot", ["upper", "outer", "dress"])
def test_trousers_outside_the_lower_slot_are_refused(preparer, slot):
    with pytest.raises(InputError) as info:
        preparer.prepare(trousers(), slot)
    assert str(info.value) == "This garment looks like trousers; put it in the Lower slot."


@pytest.mark.parametrize("image", [striped_tshirt(), solid_top((30, 90, 160), "long")], ids=["short", "long"])
def test_top_with_sleeves_as_lower_is_refused(preparer, image):
    with pytest.raises(InputError, match="has sleeves.*Upper, Outer or Dress slot"):
        preparer.prepare(image, "lower")


def test_ambiguous_shapes_are_accepted(preparer):
    # A tank top in the Lower slot could be a skirt's silhouette; a skirt as a top could be a
    # tube top: be conservative and take the user's word.
    assert preparer.prepare(solid_top((200, 160, 40), "none"), "lower").style == "skirt"
    assert preparer.prepare(skirt(), "upper").style == "top"


# ---------------------------------------------------------------- landmarks


@pytest.mark.parametrize("name", list(DRAWN))
def test_landmarks_sit_on_the_drawn_ones(prepared, name):
    drawing, garment = DRAWN[name], prepared[name]
    found = in_source(garment, drawing.silhouette())
    drawn = drawing.points()
    diagonal = float(np.hypot(*drawing.size))
    far = {k: round(float(np.linalg.norm(found[k] - np.asarray(p))) / diagonal, 3)
           for k, p in drawn.items() if k in found and np.linalg.norm(found[k] - np.asarray(p)) > LANDMARK_TOLERANCE * diagonal}  # fmt: skip
    assert not far, far
    assert set(drawn) <= set(found)


def test_landmark_names_per_style(prepared):
    assert set(prepared["striped_tee"].landmarks) == TOP_NAMES | SLEEVE_NAMES
    assert set(prepared["tank"].landmarks) == TOP_NAMES
    assert set(prepared["dress"].landmarks) == TOP_NAMES | {"waist_left", "waist_right"}
    assert set(prepared["jacket"].landmarks) == TOP_NAMES | SLEEVE_NAMES | {"opening_top", "opening_bottom"}
    assert set(prepared["trousers"].landmarks) == TROUSER_NAMES
    assert set(prepared["skirt"].landmarks) == SKIRT_NAMES


@pytest.mark.parametrize("name", ["striped_tee", "long_sleeves", "tank", "dress", "jacket"])
def test_top_landmarks_are_where_a_tailor_puts_them(prepared, name):
    g = prepared[name]
    p = {k: np.asarray(v) for k, v in g.landmarks.items()}
    h, w = g.alpha.shape
    for side in ("left", "right"):
        assert p[f"shoulder_{side}"][1] < p[f"armpit_{side}"][1] < p[f"hem_{side}"][1]
        assert p[f"neck_{side}"][1] <= p[f"shoulder_{side}"][1] + 2
        for k, v in p.items():  # every landmark lies on (or at the edge of) the garment
            x, y = np.clip(np.round(v).astype(int), 0, [w - 1, h - 1])
            assert g.alpha[max(0, y - 3) : y + 4, max(0, x - 3) : x + 4].max() > 0, k
    # "left" is the wearer's left: image right.
    for part in ("neck", "shoulder", "armpit", "hem"):
        assert p[f"{part}_left"][0] > p["neck_centre"][0] > p[f"{part}_right"][0]
    if g.sleeves != "none":
        for side, sign in (("left", 1), ("right", -1)):
            for end in ("outer", "inner"):
                assert sign * (p[f"sleeve_{side}_{end}"][0] - p[f"armpit_{side}"][0]) > 0  # outside the body column
        assert p["sleeve_left_outer"][0] > p["sleeve_right_outer"][0]


def test_trouser_landmarks(prepared):
    g = prepared["trousers"]
    p = {k: np.asarray(v) for k, v in g.landmarks.items()}
    h = g.alpha.shape[0]
    assert p["leg_right_inner"][0] < p["crotch"][0] < p["leg_left_inner"][0]  # between the legs
    assert p["crotch"][1] > max(p["waist_left"][1], p["waist_right"][1]) + 0.2 * h  # below the waist
    for side in ("left", "right"):
        for end in ("outer", "inner"):
            assert p[f"leg_{side}_{end}"][1] > 0.9 * h  # leg openings at the bottom
    assert p["leg_left_outer"][0] > p["leg_left_inner"][0] > p["leg_right_inner"][0] > p["leg_right_outer"][0]
    assert p["waist_left"][0] > p["waist_right"][0]


def test_dress_waist_is_its_narrowest_point(prepared):
    g = prepared["dress"]
    p = {k: np.asarray(v) for k, v in g.landmarks.items()}
    waist = p["waist_left"][0] - p["waist_right"][0]
    assert waist < p["armpit_left"][0] - p["armpit_right"][0]
    assert waist < p["hem_left"][0] - p["hem_right"][0]


def test_closed_jacket_has_no_opening(preparer):
    g = preparer.prepare(solid_top((70, 75, 85), "long"), "outer")
    assert g.style == "jacket"
    assert "opening_top" not in g.landmarks


@pytest.mark.parametrize("style", ["top", "jacket", "dress", "trousers", "skirt"])
def test_odd_silhouettes_never_break_the_landmarks(style):
    rng = np.random.default_rng(1)
    shapes = [np.zeros((120, 90), np.uint8) for _ in range(5)]
    shapes[0][50:60, 10:80] = 255  # a thin bar
    shapes[1][:, :] = 255  # the whole frame
    shapes[2][60, 45] = 255  # one pixel
    yy, xx = np.mgrid[0:120, 0:90]
    shapes[3][(yy - 60) ** 2 + (xx - 45) ** 2 < 35**2] = 255  # a disc
    shapes[4][rng.random((120, 90)) > 0.5] = 255  # noise
    names = {"trousers": TROUSER_NAMES, "skirt": SKIRT_NAMES}.get(style, TOP_NAMES)
    for mask in shapes:
        shape = measure(mask, style, np.zeros((120, 90, 3), np.uint8))
        assert names <= set(shape.landmarks)
        for x, y in shape.landmarks.values():
            assert 0 <= x <= 89 and 0 <= y <= 119


# ---------------------------------------------------------------- cache and threads


def test_cache_hits_on_the_same_photo_and_slot(tmp_path):
    preparer = GarmentPreparer(tmp_path)
    image = solid_top((200, 60, 60))
    first = preparer.prepare(image, "upper")
    assert (preparer.cache_hits, preparer.cache_misses) == (0, 1)
    assert preparer.prepare(image.copy(), "upper") is first
    assert preparer.cache_hits == 1
    preparer.prepare(image, "outer")  # same photo, other slot: prepared again
    assert (preparer.cache_hits, preparer.cache_misses) == (1, 2)


def test_cache_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(garment_module, "CACHE_SIZE", 2)
    preparer = GarmentPreparer(tmp_path)
    images = [solid_top((200, 60, 60 + 40 * i)) for i in range(3)]
    for image in images:
        preparer.prepare(image, "upper")
    preparer.prepare(images[0], "upper")  # evicted, so prepared again
    assert (preparer.cache_hits, preparer.cache_misses) == (0, 4)


def test_threads_share_one_preparation(tmp_path):
    preparer = GarmentPreparer(tmp_path)
    image = solid_top((60, 160, 60))
    results: list[Garment] = []
    threads = [threading.Thread(target=lambda: results.append(preparer.prepare(image, "upper"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r is results[0] for r in results)
    assert (preparer.cache_hits, preparer.cache_misses) == (3, 1)


# ---------------------------------------------------------------- the u2net model path


def write_tiny_u2net(path: Path) -> Path:
    """A tiny ONNX model shaped like rembg's u2net.onnx: input "input.1" (1x3x320x320), seven
    1x1x320x320 outputs (rembg reads the first). Its matte is how dark a pixel is, so on a
    drawn garment on white it finds roughly the garment."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.full((1, 3, 1, 1), -2.0, np.float32), "weight")
    bias = numpy_helper.from_array(np.array([3.0], np.float32), "bias")
    nodes = [helper.make_node("Conv", ["input.1", "weight", "bias"], ["d0_logits"]),
             helper.make_node("Sigmoid", ["d0_logits"], ["1959"])]  # fmt: skip
    outputs = ["1959"]
    for i in range(1, 7):  # rembg ignores the side outputs; they are there for the real layout
        nodes.append(helper.make_node("Identity", ["1959"], [str(1959 + i)]))
        outputs.append(str(1959 + i))
    graph = helper.make_graph(
        nodes,
        "tiny_u2net",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, 320, 320])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 1, 320, 320]) for name in outputs],
        initializer=[weight, bias],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def test_u2net_model_is_used_when_on_disk(tmp_path, monkeypatch):
    monkeypatch.delenv("U2NET_HOME", raising=False)
    write_tiny_u2net(tmp_path / "rembg" / "u2net.onnx")
    preparer = GarmentPreparer(tmp_path)
    image = solid_top((40, 40, 40))
    garment = preparer.prepare(image, "upper")
    assert garment.cutout_method == "u2net"
    assert garment.rgba.ndim == 3 and garment.rgba.shape[2] == 4
    assert garment.rgba.shape[0] <= image.shape[0] and garment.rgba.shape[1] <= image.shape[1]
    assert TOP_NAMES <= set(garment.landmarks)
    assert preparer._u2net() is preparer._u2net()  # loaded once


def test_u2net_found_through_u2net_home(tmp_path, monkeypatch):
    write_tiny_u2net(tmp_path / "elsewhere" / "u2net.onnx")
    monkeypatch.setenv("U2NET_HOME", str(tmp_path / "elsewhere"))
    garment = GarmentPreparer(tmp_path / "weights").prepare(solid_top((40, 40, 40)), "upper")
    assert garment.cutout_method == "u2net"


def test_unreadable_u2net_file_falls_back(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("U2NET_HOME", raising=False)
    (tmp_path / "rembg").mkdir()
    (tmp_path / "rembg" / "u2net.onnx").write_bytes(b"not an onnx model")
    garment = GarmentPreparer(tmp_path).prepare(solid_top((40, 40, 40)), "upper")
    assert garment.cutout_method == "grabcut"
    assert "Could not load" in caplog.text

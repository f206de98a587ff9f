"""The catvton backend on tiny random models laid out like the hub weights (CPU, offline)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from accelerate import init_empty_weights
from diffusers import UNet2DConditionModel

from pipelines.backends.base import DiffusionOptions, backend_status, create_backend
from pipelines.backends.catvton import CatVTONBackend
from pipelines.diffusion import framing
from pipelines.diffusion.attention import (
    SkipCrossAttention,
    check_checkpoint,
    checkpoint_layout,
    read_checkpoint_shapes,
    self_attention_modules,
    set_catvton_processors,
)
from pipelines.diffusion.sd15 import SD15_INPAINT_UNET_CONFIG
from pipelines.errors import InputError, MissingWeightsError
from pipelines.types import Garment, Layout, OutfitPass, OutfitPlan, PersonAnalysis, Pose, Slot
from pipelines.weights import catvton_paths
from tests.tiny_models import build_catvton_weights

STEPS = 2
OPTIONS = DiffusionOptions(steps=STEPS, weights="vitonhd", device="cpu", precision="fp32")
WIDTH, HEIGHT = 180, 300  # not 3:4, so the crop has to grow sideways

# Facts of the real checkpoint (zhengchong/CatVTON, <variant>/attention/model.safetensors):
# 16 self-attention blocks, 49.57M parameters, each block 8 ModuleList slots apart
# (Attention, to_q, to_k, to_v, to_out, to_out.0, dropout, processor), so its keys are
# "0.to_q.weight", ..., "8.to_q.weight", ..., "120.to_out.0.bias"
# (see Zheng-Chong/CatVTON issue #109 for the list of aliases the file leaves out).
REAL_BLOCKS = 16
REAL_PARAMETERS = 49_574_080
SLOTS_PER_BLOCK = 8
BLOCK_KEYS = ("to_q.weight", "to_k.weight", "to_v.weight", "to_out.0.weight", "to_out.0.bias")


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights")
    build_catvton_weights(folder)
    return folder


@pytest.fixture(scope="module")
def backend(weights_dir):
    return CatVTONBackend(weights_dir, OPTIONS)


def _person_photo() -> tuple[np.ndarray, np.ndarray]:
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[:] = np.linspace(150, 240, WIDTH, dtype=np.uint8)[None, :, None]  # a gradient backdrop
    person = np.zeros((HEIGHT, WIDTH), np.uint8)
    person[40:290, 50:130] = 255
    image[person > 0] = (170, 120, 90)
    image[20:60, 70:110] = (220, 180, 150)  # head
    return image, person


def _analysis() -> PersonAnalysis:
    image, person = _person_photo()
    return PersonAnalysis(
        key="drawn",
        image=image,
        pose=Pose(np.zeros((33, 3), np.float32)),
        person_mask=person,
        parsing=np.zeros((HEIGHT, WIDTH), np.uint8),
        parsing_source="pose_skin_fallback",
        regions={},
    )


def _garment(slot: Slot, colour: tuple[int, int, int]) -> Garment:
    rgba = np.zeros((90, 70, 4), np.uint8)
    rgba[..., :3] = colour
    rgba[5:85, 10:60, 3] = 255
    style = {"upper": "top", "lower": "trousers", "outer": "jacket", "dress": "dress"}[slot]
    return Garment(f"{slot}-garment", slot, rgba, {}, "alpha", np.full((90, 70, 3), 255, np.uint8), style)


def _pass(slot: Slot, rows: tuple[int, int], colour: tuple[int, int, int] = (30, 60, 200)) -> OutfitPass:
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    mask[rows[0] : rows[1], 45:135] = 255
    return OutfitPass(slot, _garment(slot, colour), mask, np.zeros_like(mask), Layout())


def test_output_keeps_size_and_pixels_outside_the_mask(backend):
    analysis = _analysis()
    step = _pass("upper", (70, 170))
    result = backend.render(analysis.image, step, analysis, OPTIONS)
    outside = step.mask == 0
    assert result.image.shape == analysis.image.shape and result.image.dtype == np.uint8
    assert np.array_equal(result.image[outside], analysis.image[outside])
    assert np.any(result.image[~outside] != analysis.image[~outside])
    assert result.paint_mask.shape == step.mask.shape
    assert not np.any(result.paint_mask[outside]) and result.paint_mask.max() == 255
    assert result.debug["catvton_person"].shape == (512, 384, 3)  # the vitonhd resolution


def test_same_seed_reproduces_and_other_seeds_differ(backend):
    analysis = _analysis()
    step = _pass("upper", (70, 170))
    first = backend.render(analysis.image, step, analysis, OPTIONS).image
    again = backend.render(analysis.image, step, analysis, OPTIONS).image
    other = backend.render(analysis.image, step, analysis, replace(OPTIONS, seed=7)).image
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_unet_sees_person_and_garment_stacked_on_height(backend):
    analysis = _analysis()
    inputs: list[tuple[int, ...]] = []
    hook = backend.model.unet.register_forward_hook(
        lambda module, args, out: inputs.append(tuple(args[0].shape))
    )
    try:
        backend.render(analysis.image, _pass("upper", (70, 170)), analysis, OPTIONS)
        no_guidance = replace(OPTIONS, guidance=1.0, scheduler="dpmpp")
        backend.render(analysis.image, _pass("upper", (70, 170)), analysis, no_guidance)
    finally:
        hook.remove()
    # 384x512 -> 48x64 latent per image; person + garment = 128 rows; guidance doubles the batch.
    assert inputs == [(2, 9, 128, 48)] * STEPS + [(1, 9, 128, 48)] * STEPS


def test_progress_is_reported_every_step(backend):
    analysis = _analysis()
    reports: list[tuple[float, str]] = []
    backend.render(
        analysis.image, _pass("upper", (70, 170)), analysis, OPTIONS, lambda f, m: reports.append((f, m))
    )
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert sum("step" in message for _, message in reports) == STEPS


def test_three_passes_render_in_plan_order(backend, monkeypatch):
    analysis = _analysis()
    calls: list[tuple[Slot, np.ndarray]] = []
    render = backend.render

    def recording_render(image, step, analysis, options, progress=None):
        calls.append((step.slot, image))
        return render(image, step, analysis, options, progress)

    monkeypatch.setattr(backend, "render", recording_render)
    passes = (
        _pass("lower", (170, 280), (40, 40, 40)),
        _pass("upper", (70, 190), (200, 30, 30)),
        _pass("outer", (65, 200), (30, 120, 30)),
    )
    plan = OutfitPlan(analysis, Layout(), passes)
    try:
        from pipelines.tryon import run_plan
    except ImportError:  # the runner's own imports are not all in place yet: loop as it does
        image = analysis.image
        for step in plan.passes:
            image = backend.render(image, step, analysis, OPTIONS).image
        final = image
    else:
        final = run_plan(backend, plan, OPTIONS).image
    assert [slot for slot, _ in calls] == ["lower", "upper", "outer"]
    assert np.array_equal(calls[0][1], analysis.image)
    assert not np.array_equal(calls[1][1], analysis.image)  # each pass draws on the previous output
    untouched = np.all([p.mask == 0 for p in passes], axis=0)
    assert np.array_equal(final[untouched], analysis.image[untouched])


def test_empty_mask_paints_nothing(backend):
    analysis = _analysis()
    step = _pass("upper", (0, 0))
    result = backend.render(analysis.image, step, analysis, OPTIONS)
    assert np.array_equal(result.image, analysis.image) and not result.paint_mask.any()


def test_bad_options_are_refused(backend):
    analysis = _analysis()
    step = _pass("upper", (70, 170))
    for bad in ({"steps": 0}, {"guidance": -1.0}, {"seed": -1}, {"weights": "mix"}):
        with pytest.raises(InputError):
            backend.render(analysis.image, step, analysis, replace(OPTIONS, **bad))


def test_processors_and_attention_weights_are_catvtons(backend, weights_dir):
    unet = backend.model.unet
    cross = [p for name, p in unet.attn_processors.items() if "attn2" in name]
    assert cross and all(isinstance(p, SkipCrossAttention) for p in cross)
    assert all(m.attn2 is not None for m in unet.modules() if hasattr(m, "attn2"))  # layer kept, only skipped
    checkpoint = catvton_paths(weights_dir, "vitonhd").attention / "model.safetensors"
    from safetensors.torch import load_file

    saved = load_file(checkpoint)
    loaded = self_attention_modules(unet).state_dict()
    assert saved.keys() <= loaded.keys()
    for key, tensor in saved.items():
        assert torch.equal(loaded[key], tensor), key


def test_mix_weights_run_at_768x1024(weights_dir):
    options = DiffusionOptions(steps=1, weights="mix", device="cpu", precision="fp32")
    backend = create_backend("catvton", weights_dir, options)
    analysis = _analysis()
    step = _pass("dress", (70, 280))
    result = backend.render(analysis.image, step, analysis, options)
    assert result.debug["catvton_output"].shape == (1024, 768, 3)
    assert np.array_equal(result.image[step.mask == 0], analysis.image[step.mask == 0])


def test_missing_weights_name_the_download_command(tmp_path):
    with pytest.raises(MissingWeightsError) as error:
        CatVTONBackend(tmp_path, OPTIONS)
    assert "python launch.py download catvton" in str(error.value)
    assert str(tmp_path / "catvton") in str(error.value)
    status = backend_status("catvton", tmp_path)
    assert not status.available and "python launch.py download catvton" in status.message


def test_status_lists_the_variants_found(weights_dir):
    status = CatVTONBackend.status(weights_dir)
    assert status.available and "mix" in status.message and "CC BY-NC-SA 4.0" in status.message


def test_loader_accepts_the_real_sd15_inpainting_key_layout():
    with init_empty_weights():
        unet = UNet2DConditionModel(**SD15_INPAINT_UNET_CONFIG)
    set_catvton_processors(unet)
    modules = self_attention_modules(unet)
    attention_blocks = [m for m in modules if type(m).__name__ == "Attention"]
    assert len(attention_blocks) == REAL_BLOCKS
    assert len(modules) == REAL_BLOCKS * SLOTS_PER_BLOCK
    unique = {id(p): p.numel() for p in modules.parameters()}
    assert sum(unique.values()) == REAL_PARAMETERS

    layout = checkpoint_layout(modules)
    real_keys = {f"{SLOTS_PER_BLOCK * block}.{name}" for block in range(REAL_BLOCKS) for name in BLOCK_KEYS}
    assert set(layout) == real_keys
    assert layout["0.to_q.weight"] == (320, 320) and layout["56.to_out.0.bias"] == (1280,)
    check_checkpoint(layout, modules, "real layout")  # accepted as is
    meta = {key: torch.empty(shape, device="meta") for key, shape in layout.items()}
    result = modules.load_state_dict(meta, strict=False, assign=True)
    assert not result.unexpected_keys

    with pytest.raises(MissingWeightsError, match="missing"):
        check_checkpoint({k: v for k, v in layout.items() if not k.startswith("0.")}, modules, "short")
    shifted = {
        f"{int(k.split('.', 1)[0]) // SLOTS_PER_BLOCK * 7}.{k.split('.', 1)[1]}": v for k, v in layout.items()
    }
    with pytest.raises(MissingWeightsError, match="unexpected|wrong shape"):
        check_checkpoint(shifted, modules, "7-slot layout")


def test_tiny_checkpoint_has_the_same_key_rules(weights_dir):
    shapes = read_checkpoint_shapes(catvton_paths(weights_dir, "mix").attention / "model.safetensors")
    blocks = sorted({int(key.split(".")[0]) for key in shapes})
    assert blocks == [SLOTS_PER_BLOCK * i for i in range(len(blocks))]
    assert all(key.split(".", 1)[1] in BLOCK_KEYS for key in shapes)


@pytest.mark.parametrize(
    ("shape", "rows", "cols"),
    [
        ((300, 180), (70, 170), (45, 135)),
        ((200, 900), (10, 190), (100, 800)),
        ((400, 300), (0, 400), (0, 20)),
    ],
)
def test_crop_box_is_3_by_4_and_holds_the_region(shape, rows, cols):
    region = np.zeros(shape, bool)
    region[rows[0] : rows[1], cols[0] : cols[1]] = True
    box = framing.crop_box(region)
    assert abs(box.width * 4 - box.height * 3) <= 4
    tight = framing.bounding_box(region)
    assert (
        box.left <= tight.left
        and box.top <= tight.top
        and box.right >= tight.right
        and box.bottom >= tight.bottom
    )
    assert framing.crop(np.zeros((*shape, 3), np.uint8), box).shape == (box.height, box.width, 3)


def test_feathered_paste_stays_inside_the_mask():
    image = np.full((120, 90, 3), 10, np.uint8)
    mask = np.zeros((120, 90), np.uint8)
    mask[30:90, 0:60] = 255  # touches the left border: no fade there
    alpha = framing.feather(mask, sigma=3.0)
    assert not alpha[mask == 0].any() and alpha.max() == 1.0
    assert alpha[60, 0] == 1.0 and 0 < alpha[60, 58] < 0.5
    box = framing.Box(-10, 0, 80, 120)
    out = framing.paste(image, np.full((120, 90, 3), 250, np.uint8), box, alpha)
    assert np.array_equal(out[mask == 0], image[mask == 0]) and out[60, 30, 0] == 250


def test_garment_is_letterboxed_on_white():
    garment = _garment("upper", (200, 20, 20))
    picture = framing.fit_on_white(framing.garment_picture(garment), (384, 512))
    assert picture.shape == (512, 384, 3)
    assert (picture[0, 0] == 255).all() and (picture[256, 192] == (200, 20, 20)).all()

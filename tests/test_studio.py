"""The studio, in-process: its handlers, and the running app over HTTP with gradio_client.

The app runs on a free loopback port with the real engine and the warp backend. Photos
come from installed packages and garments are drawn by ``studio.examples``.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.drawn import dress_with_word as dress
from pipelines.drawn import open_jacket as jacket
from pipelines.drawn import striped_tshirt, trousers
from pipelines.errors import InputError
from pipelines.imageio import content_key, save_png
from studio import convert
from studio.components import garments, masks, outfit_layout, run
from studio.examples import prepare_examples
from studio.handlers import TryOnService, diffusion_options, read_upload
from studio.workspace import Workspace

CLIENTS = 3


@pytest.fixture(scope="module")
def files(tmp_path_factory, astronaut) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("studio_files")
    jpeg = io.BytesIO()
    Image.fromarray(astronaut).save(jpeg, "JPEG", quality=90)
    (folder / "truncated.jpg").write_bytes(jpeg.getvalue()[: len(jpeg.getvalue()) // 2])
    (folder / "notes.jpg").write_text("this is a text file with an image's name\n")
    return {
        "person": save_png(folder / "astronaut.png", astronaut),
        "upper": save_png(folder / "tshirt.png", striped_tshirt()),
        "lower": save_png(folder / "trousers.png", trousers()),
        "dress": save_png(folder / "dress.png", dress()),
        "outer": save_png(folder / "jacket.png", jacket()),
        "truncated": folder / "truncated.jpg",
        "text": folder / "notes.jpg",
    }


@pytest.fixture(scope="module")
def service(engine, tmp_path_factory) -> TryOnService:
    return TryOnService(engine, Workspace.create(tmp_path_factory.mktemp("workspace")))


@pytest.fixture
def client(app):
    from gradio_client import Client

    return Client(app.local_url, verbose=False)


# ---------------------------------------------------------------- live feedback (no engine)


def test_slot_status_says_which_outfits_are_valid():
    assert garments.slot_status(None, None, None, None) == garments.EMPTY_STATUS
    assert garments.slot_status("u.png", "l.png", None, "o.png").startswith("✓ Upper + Lower + Outer")
    assert "dress covers the whole body" in garments.slot_status("u.png", None, "d.png", None)
    assert garments.slot_status(None, None, {"path": "d.png"}, {"path": "o.png"}).startswith("✓ Dress + Outer")


def test_layout_line_and_chips():
    assert outfit_layout.understood_line("") == "Default: **untucked, sleeves down, closed jacket**"
    assert outfit_layout.understood_line("Rolled-up sleeves and tucked in") == (
        "Understood as: **tucked in, rolled sleeves, closed jacket**"
    )
    assert outfit_layout.understood_line("wizard hat").startswith("⚠ The layout phrase 'wizard hat' is not understood")
    # A chip adds its phrase, replaces the phrase for the same attribute, and removes itself.
    assert outfit_layout.toggle_phrase("", "tucked in") == "tucked in"
    assert outfit_layout.toggle_phrase("tucked in, rolled sleeves", "untucked") == "rolled sleeves, untucked"
    assert outfit_layout.toggle_phrase("rolled sleeves, untucked", "untucked") == "rolled sleeves"
    assert outfit_layout.toggle_phrase("french tuck", "open jacket") == "half tucked, open jacket"


def test_route_sends_each_backend_to_its_queue():
    warp, diffusion = run.route("warp", 3, 7)
    assert warp == 4 and not isinstance(diffusion, int)
    warp, diffusion = run.route("catvton", 3, 7)
    assert diffusion == 8 and not isinstance(warp, int)
    assert run.diffusion_queue() == "diffusion:auto"


def test_diffusion_settings_are_checked():
    assert diffusion_options(20, 3.0, 7, "dpmpp", "vitonhd").steps == 20
    assert diffusion_options(None, None, None, None, None).seed == 42
    for bad, words in [((0, 2.5, 1, "ddim", "mix"), "Steps is 0"), ((50, 99, 1, "ddim", "mix"), "Guidance is 99"),
                       ((50, 2.5, -1, "ddim", "mix"), "Seed is -1"), ((50, 2.5, 1, "euler", "mix"), "scheduler 'euler'")]:
        with pytest.raises(InputError, match=words):
            diffusion_options(*bad)


def test_uploads_are_decoded_with_readable_messages(files):
    assert read_upload({"path": str(files["person"])}, "person photo").shape == (512, 512, 3)
    with pytest.raises(InputError) as caught:
        read_upload({"path": str(files["text"])}, "person photo")
    assert str(caught.value).startswith("The person photo is not an image")
    assert str(files["text"].parent) not in str(caught.value)  # no server paths in messages
    with pytest.raises(InputError, match="damaged or truncated"):
        read_upload(str(files["truncated"]), "upper garment photo")


def test_mask_layer_round_trip():
    mask = np.zeros((60, 80), np.uint8)
    mask[10:30, 20:50] = 255
    value = convert.editor_value(np.zeros((60, 80, 3), np.uint8), mask)
    painted = convert.editor_mask(value, (80, 60))
    assert np.array_equal(painted, mask)
    assert not convert.is_edited(painted, mask)
    painted[40:50, 0:10] = 255
    assert convert.is_edited(painted, mask)


def test_examples_are_written_into_the_workspace(tmp_path):
    own = tmp_path / "mine"
    (own / "upper").mkdir(parents=True)
    Image.fromarray(striped_tshirt()).save(own / "upper" / "tee.jpg")
    (own / "upper" / "readme.txt").write_text("not an example")
    examples = prepare_examples(tmp_path / "examples", own)
    assert [p.name for p in examples.garments["upper"]] == ["tee.jpg"]
    assert [p.name for p in examples.people] == ["astronaut.png", "grace_hopper.jpg"]
    assert all(p.is_relative_to(tmp_path / "examples") for p in [*examples.people, *examples.garments["dress"]])
    with pytest.raises(InputError, match="does not exist"):
        prepare_examples(tmp_path / "again", tmp_path / "missing")


# ---------------------------------------------------------------- handlers with the real engine


def test_corrected_mask_is_what_the_next_try_on_uses(service, files, astronaut):
    person, upper = str(files["person"]), str(files["upper"])
    editor, edits, info, _ = masks.refresh(service, False, person, upper, None, None, None, "", "upper", None,
                                           masks.MaskEdits())
    assert "automatic **upper** mask" in info
    assert np.array_equal(convert.editor_mask(editor, (512, 512)), edits.shown)
    # The user wipes the automatic mask and paints a small square instead.
    square = np.zeros((512, 512), np.uint8)
    square[300:380, 200:280] = 255
    painted = {"background": astronaut, "layers": [convert.mask_layer(square)], "composite": None}
    compare, download, details, gallery, history, edits = run.tryon(
        service, person, upper, None, None, None, "", "warp", 50, 2.5, 42, "ddim", "mix", painted, edits, [],
        progress=lambda *args, **kwargs: None,
    )
    assert set(edits.overrides) == {"upper"} and edits.photo == content_key(astronaut)
    with Image.open(compare[1]) as image:
        result = np.asarray(image.convert("RGB"))
    outside = square == 0
    assert np.array_equal(result[outside], astronaut[outside])
    assert not np.array_equal(result[~outside], astronaut[~outside])
    assert len(history) == 1 and gallery[0][0] == compare[1] and "**warp**" in details
    # Switching slot keeps the correction; resetting drops it.
    _, edits, info, _ = masks.refresh(service, False, person, upper, None, None, None, "", "lower", None, edits)
    assert "upper" in edits.overrides and "automatic **lower** mask" in info
    _, edits, info, _ = masks.refresh(service, True, person, upper, None, None, None, "", "upper", None, edits)
    assert edits.overrides == {} and "automatic **upper** mask" in info


# ---------------------------------------------------------------- the running app, over HTTP


def test_tryon_endpoint_returns_the_photo_size_and_records_settings(client, files):
    from gradio_client import handle_file

    path, details = client.predict(
        handle_file(str(files["person"])), handle_file(str(files["upper"])),
        layout="tucked in", backend="warp", api_name="/tryon",
    )
    with Image.open(path) as image:
        assert image.size == (512, 512)
        assert image.text["tryon:backend"] == "warp"
        assert image.text["tryon:layout"] == "tucked in, sleeves down, closed jacket"
    assert details["settings"]["slots"] == "upper" and details["size"] == {"width": 512, "height": 512}


def test_analyze_endpoint(client, grace_hopper, tmp_path):
    from gradio_client import handle_file

    photo = save_png(tmp_path / "hopper.png", grace_hopper)
    preview, report = client.predict(handle_file(str(photo)), api_name="/analyze")
    with Image.open(preview) as image:
        assert image.size == (grace_hopper.shape[1], grace_hopper.shape[0])
    assert report["size"] == {"width": grace_hopper.shape[1], "height": grace_hopper.shape[0]}
    assert set(report["mask_pixels"]) == {"upper", "lower", "dress", "outer"}
    assert "left_shoulder" in report["joints"]


def test_bad_input_gets_a_readable_message_and_the_app_keeps_serving(client, files):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    cases = [
        ((files["text"], files["upper"]), {}, "The person photo is not an image this program can read"),
        ((files["person"], files["truncated"]), {}, "The upper garment photo is damaged or truncated"),
        ((files["person"], files["upper"]), {"dress": handle_file(str(files["dress"]))}, "A dress covers the whole body"),
        ((files["person"], files["upper"]), {"layout": "inside out"}, "'inside out' is not understood"),
        ((files["person"], files["upper"]), {"backend": "catvton"}, "python launch.py download catvton"),
        ((files["person"], files["upper"]), {"steps": 0}, "Steps is 0"),
    ]
    for (person, upper), extra, words in cases:
        with pytest.raises(AppError) as caught:
            client.predict(handle_file(str(person)), handle_file(str(upper)), api_name="/tryon", **extra)
        message = str(caught.value)
        assert words in message
        assert "Traceback" not in message and "tryon-studio-" not in message  # nor the upload's path
    path, _ = client.predict(handle_file(str(files["person"])), handle_file(str(files["upper"])), api_name="/tryon")
    with Image.open(path) as image:
        assert image.size == (512, 512)


def test_concurrent_clients_all_get_their_results(app, files):
    from gradio_client import Client, handle_file

    outfits = [{"upper": files["upper"]}, {"lower": files["lower"]}, {"dress": files["dress"], "outer": files["outer"]}]

    def one(outfit: dict[str, Path]) -> tuple[str, dict]:
        client = Client(app.local_url, verbose=False)
        garments_given = {slot: handle_file(str(path)) for slot, path in outfit.items()}
        return client.predict(handle_file(str(files["person"])), api_name="/tryon", **garments_given)

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(one, outfits[:CLIENTS]))
    for outfit, (path, details) in zip(outfits, results, strict=True):
        with Image.open(path) as image:
            assert image.size == (512, 512)
        assert set(details["settings"]["slots"].split(",")) == set(outfit)


def test_app_serves_only_its_own_folder(app):
    import urllib.error
    import urllib.request

    from pipelines.paths import PROJECT_ROOT

    for path in [PROJECT_ROOT / "pyproject.toml", Path("/etc/passwd")]:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{app.local_url}gradio_api/file={path}")
        assert caught.value.code in (403, 404)


def test_uploads_over_the_cap_are_refused(app):
    import httpx

    from pipelines.imageio import MAX_FILE_BYTES

    too_big = b"\0" * (MAX_FILE_BYTES + 1)
    response = httpx.post(f"{app.local_url}gradio_api/upload", files={"files": ("big.png", too_big)}, timeout=60)
    assert response.status_code == 413

# ---------------------------------------------------------------- a diffusion backend (tiny random CatVTON)


@pytest.mark.slow
def test_diffusion_backend_appears_and_reports_every_step(tmp_path, files):
    from pipelines.tryon import TryOnEngine
    from studio.components import backend as backend_component
    from tests.tiny_models import build_catvton_weights

    weights = tmp_path / "weights"
    build_catvton_weights(weights)
    engine = TryOnEngine(weights)
    status = engine.status("catvton")
    assert status.available
    assert "<b>catvton</b>:" in backend_component.status_lines([status])
    service = TryOnService(engine, Workspace.create(tmp_path))
    reports: list[tuple[float, str]] = []
    compare, _, details, _, _, _ = run.tryon(
        service, str(files["person"]), str(files["upper"]), None, None, None, "", "catvton",
        2, 2.5, 7, "ddim", "vitonhd", None, masks.MaskEdits(), [],
        progress=lambda fraction, desc: reports.append((fraction, desc)),
    )
    with Image.open(compare[1]) as image:
        assert image.size == (512, 512)
        assert image.text["tryon:backend"] == "catvton" and image.text["tryon:seed"] == "7"
    assert "seed 7 · 2 steps" in details
    assert sum("step" in desc for _, desc in reports) == 2  # one report per denoising step


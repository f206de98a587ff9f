"""The weights manifest, presence checks and downloads (huggingface-hub and rembg mocked)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines import weights
from pipelines.errors import InputError, MissingWeightsError
from pipelines.weights import HubFiles, RembgModel
from tests.tiny_models import build_catvton_weights, build_rembg_placeholders

REPO_ROOT = Path(__file__).resolve().parent.parent
CATVTON_EXPECTED = {
    "catvton/CatVTON/mix-48k-1024/attention/model.safetensors",
    "catvton/CatVTON/vitonhd-16k-512/attention/model.safetensors",
    "catvton/CatVTON/dresscode-16k-512/attention/model.safetensors",
    "catvton/stable-diffusion-inpainting/unet/config.json",
    "catvton/stable-diffusion-inpainting/unet/diffusion_pytorch_model.bin",
    "catvton/stable-diffusion-inpainting/scheduler/scheduler_config.json",
    "catvton/sd-vae-ft-mse/config.json",
    "catvton/sd-vae-ft-mse/diffusion_pytorch_model.safetensors",
}


def _relative(paths: list[Path], root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in paths}


def test_manifest_names_the_public_repositories():
    hub = {s.repo_id: s for s in weights.MANIFEST["catvton"] if isinstance(s, HubFiles)}
    assert set(hub) == {
        "zhengchong/CatVTON",
        "booksforcharlie/stable-diffusion-inpainting",
        "stabilityai/sd-vae-ft-mse",
    }
    assert hub["zhengchong/CatVTON"].licence == "CC BY-NC-SA 4.0"
    rembg = {m.session for m in weights.MANIFEST["rembg"] if isinstance(m, RembgModel)}
    assert rembg == {"u2net_cloth_seg", "u2net"}
    assert "CC BY-NC-SA 4.0" in weights.LICENCE_NOTE and "non-commercial" in weights.LICENCE_NOTE


def test_no_other_module_spells_a_repo_id():
    repo_ids = [
        s.repo_id for sources in weights.MANIFEST.values() for s in sources if isinstance(s, HubFiles)
    ]
    offenders = []
    for path in [
        *REPO_ROOT.glob("pipelines/**/*.py"),
        *REPO_ROOT.glob("studio/**/*.py"),
        REPO_ROOT / "launch.py",
    ]:
        if path.name == "weights.py" or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [
            f"{path.relative_to(REPO_ROOT)}: {r}" for r in repo_ids if f'"{r}"' in text or f"'{r}'" in text
        ]
    assert not offenders


def test_expected_layout_and_variant_filter(tmp_path):
    assert _relative(weights.expected_files("catvton", tmp_path), tmp_path) == CATVTON_EXPECTED
    vitonhd = _relative(weights.expected_files("catvton", tmp_path, "vitonhd"), tmp_path)
    assert {p for p in vitonhd if "/attention/" in p} == {
        "catvton/CatVTON/vitonhd-16k-512/attention/model.safetensors"
    }
    assert _relative(weights.expected_files("rembg", tmp_path), tmp_path) == {
        "rembg/u2net_cloth_seg.onnx",
        "rembg/u2net.onnx",
    }
    paths = weights.catvton_paths(tmp_path, "dresscode")
    assert paths.attention == tmp_path / "catvton/CatVTON/dresscode-16k-512/attention"
    assert paths.unet == tmp_path / "catvton/stable-diffusion-inpainting/unet"


def test_missing_weights_message_names_command_and_folder(tmp_path):
    assert len(weights.missing_files("catvton", tmp_path)) == len(CATVTON_EXPECTED)
    with pytest.raises(MissingWeightsError) as error:
        weights.locate("catvton", tmp_path)
    assert "python launch.py download catvton" in str(error.value)
    assert str(tmp_path / "catvton") in str(error.value)
    with pytest.raises(MissingWeightsError, match="python launch.py download rembg"):
        weights.locate("rembg", tmp_path)
    with pytest.raises(InputError):
        weights.missing_files("nonsense", tmp_path)


def test_locate_finds_tiny_weights(tmp_path):
    build_catvton_weights(tmp_path)
    build_rembg_placeholders(tmp_path)
    assert weights.missing_files("catvton", tmp_path) == []
    assert weights.locate("catvton", tmp_path, "mix") == tmp_path / "catvton"
    assert weights.locate("rembg", tmp_path) == weights.rembg_home(tmp_path)


def test_empty_file_counts_as_missing(tmp_path):
    build_rembg_placeholders(tmp_path)
    (weights.rembg_home(tmp_path) / "u2net.onnx").write_bytes(b"")
    assert weights.missing_files("rembg", tmp_path) == [weights.rembg_home(tmp_path) / "u2net.onnx"]


def test_default_weights_dir_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv(weights.WEIGHTS_DIR_ENV, raising=False)
    assert weights.default_weights_dir() == REPO_ROOT / "weights"
    monkeypatch.setenv(weights.WEIGHTS_DIR_ENV, str(tmp_path))
    assert weights.default_weights_dir() == tmp_path


def _no_network(*args, **kwargs):
    raise AssertionError("the network was touched")


def test_offline_download_never_touches_the_network(monkeypatch, tmp_path):
    import huggingface_hub
    from rembg.sessions.u2net import U2netSession

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", _no_network)
    monkeypatch.setattr(U2netSession, "download_models", classmethod(_no_network))
    with pytest.raises(MissingWeightsError, match="HF_HUB_OFFLINE"):
        weights.download("catvton", tmp_path)
    build_catvton_weights(tmp_path)
    build_rembg_placeholders(tmp_path)
    assert _relative(weights.download("catvton", tmp_path), tmp_path) == CATVTON_EXPECTED
    assert len(weights.download("rembg", tmp_path)) == 2


def test_download_uses_the_manifest(monkeypatch, tmp_path):
    import huggingface_hub
    from rembg.sessions import sessions_class

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(weights, "hub_offline", lambda: False)
    hub_calls = []

    def fake_snapshot(repo_id, *, revision, local_dir, allow_patterns):
        hub_calls.append((repo_id, revision, Path(local_dir), tuple(allow_patterns)))
        for pattern in allow_patterns:
            (Path(local_dir) / pattern).parent.mkdir(parents=True, exist_ok=True)
            (Path(local_dir) / pattern).write_bytes(b"x")
        return str(local_dir)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot)
    files = weights.download("catvton", tmp_path)
    assert _relative(files, tmp_path) == CATVTON_EXPECTED
    by_repo = {repo: (revision, local, patterns) for repo, revision, local, patterns in hub_calls}
    revision, local, patterns = by_repo["booksforcharlie/stable-diffusion-inpainting"]
    assert revision == "d260cf3646fe94c6d5d70820b77512f836d7cce2"
    assert local == tmp_path / "catvton" / "stable-diffusion-inpainting"
    assert "unet/diffusion_pytorch_model.bin" in patterns
    hub_calls.clear()
    weights.download("catvton", tmp_path)
    assert hub_calls == []  # everything present: the hub is not asked again
    assert by_repo["zhengchong/CatVTON"][2] == tuple(
        f"{sub}/attention/model.safetensors"
        for sub in ("mix-48k-1024", "vitonhd-16k-512", "dresscode-16k-512")
    )

    homes = []
    for session_class in sessions_class:
        if session_class.name() in ("u2net", "u2net_cloth_seg"):

            def fake_download(cls):
                home = Path(os.environ["U2NET_HOME"])
                homes.append(home)
                (home / f"{cls.name()}.onnx").write_bytes(b"onnx")
                return str(home / f"{cls.name()}.onnx")

            monkeypatch.setattr(session_class, "download_models", classmethod(fake_download))
    monkeypatch.setenv("U2NET_HOME", "/somewhere/else")
    files = weights.download("rembg", tmp_path)
    assert homes == [weights.rembg_home(tmp_path)] * 2
    assert os.environ["U2NET_HOME"] == "/somewhere/else"  # restored after the call
    assert _relative(files, tmp_path) == {"rembg/u2net_cloth_seg.onnx", "rembg/u2net.onnx"}
    assert weights.download("rembg", tmp_path) == files  # present files are not fetched again
    assert len(homes) == 2

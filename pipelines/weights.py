"""The one manifest of downloadable weights, and the functions that fetch and find them.

Every model repository the studio uses is named here, with the files taken from it and
the revision where it is known; nothing else in the code base spells a repo id. Files go
into ``weights/<name>/...`` (a cache, git-ignored), never into the global Hugging Face
cache, so the folder can be copied to an offline machine as is.

Finding files (:func:`missing_files`, :func:`locate`, :func:`catvton_paths`) never touches
the network. :func:`download` is resumable (huggingface-hub keeps partial files under
``weights/<name>/<repo>/.cache``) and shows tqdm progress; with ``HF_HUB_OFFLINE=1`` it
only checks what is on disk.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from pipelines.errors import InputError, MissingWeightsError

WeightsName = Literal["catvton", "rembg"]
WEIGHTS_NAMES: tuple[WeightsName, ...] = get_args(WeightsName)

CatVTONVariant = Literal["mix", "vitonhd", "dresscode"]  # same values as backends.base.WeightsVariant

WEIGHTS_DIR_ENV = "TRYON_WEIGHTS_DIR"  # read by pipelines.paths.weights_dir

CATVTON_LICENCE = "CC BY-NC-SA 4.0"
LICENCE_NOTE = (
    f"CatVTON attention weights (zhengchong/CatVTON) are licensed {CATVTON_LICENCE}: "
    "non-commercial use only, with attribution, and derivatives under the same licence. "
    "The SD 1.5 inpainting UNet is CreativeML OpenRAIL-M and sd-vae-ft-mse is MIT. "
    "The studio's own code is Apache-2.0; these terms apply to the downloaded weights."
)


@dataclass(frozen=True)
class HubFiles:
    """Files taken from one Hugging Face repository into ``weights/<name>/<folder>``."""

    repo_id: str
    folder: str  # sub-folder of weights/<name>/ that mirrors the repo's layout
    files: tuple[str, ...]  # exact paths inside the repo: the allow-patterns and the presence check
    revision: str | None  # a commit hash where known; None = the repo's main branch
    licence: str


@dataclass(frozen=True)
class RembgModel:
    """One rembg model, fetched by rembg itself into ``weights/rembg`` (its U2NET_HOME layout)."""

    session: str  # rembg session name; the file is <session>.onnx
    md5: str  # rembg 2.0.69's own checksum, checked by rembg's downloader (pooch)

    @property
    def filename(self) -> str:
        return f"{self.session}.onnx"


# CatVTON variant -> sub-folder of zhengchong/CatVTON holding <sub-folder>/attention/model.safetensors.
# (Folder names from CatVTONPipeline.auto_attn_ckpt_load; the file name is accelerate's SAFE_WEIGHTS_NAME.)
CATVTON_SUBFOLDERS: dict[CatVTONVariant, str] = {
    "mix": "mix-48k-1024",
    "vitonhd": "vitonhd-16k-512",
    "dresscode": "dresscode-16k-512",
}
ATTENTION_FILE = "model.safetensors"

_CATVTON_ATTENTION = HubFiles(
    repo_id="zhengchong/CatVTON",
    folder="CatVTON",
    files=tuple(f"{sub}/attention/{ATTENTION_FILE}" for sub in CATVTON_SUBFOLDERS.values()),
    revision=None,  # full hash unknown here; the attention files are from commit bcb9b0f ("Upload ckpts", 2024-07-21)
    licence=CATVTON_LICENCE,
)
_SD15_INPAINTING = HubFiles(
    # The copy CatVTON's own scripts use since runwayml/stable-diffusion-inpainting was removed.
    # At this commit the UNet exists only as an fp32 pickle (.bin, 3.44 GB); diffusers reads it
    # with torch.load(weights_only=True), so no code in it runs.
    repo_id="booksforcharlie/stable-diffusion-inpainting",
    folder="stable-diffusion-inpainting",
    files=("unet/config.json", "unet/diffusion_pytorch_model.bin", "scheduler/scheduler_config.json"),
    revision="d260cf3646fe94c6d5d70820b77512f836d7cce2",
    licence="CreativeML OpenRAIL-M",
)
_SD_VAE = HubFiles(
    repo_id="stabilityai/sd-vae-ft-mse",
    folder="sd-vae-ft-mse",
    files=("config.json", "diffusion_pytorch_model.safetensors"),
    revision="c984c1eeadc00e78bcb5d6b9e1898b5545397d5d",  # 2023-06-05, after the safetensors file was added
    licence="MIT",
)

MANIFEST: dict[WeightsName, tuple[HubFiles | RembgModel, ...]] = {
    "catvton": (_CATVTON_ATTENTION, _SD15_INPAINTING, _SD_VAE),
    "rembg": (
        RembgModel(session="u2net_cloth_seg", md5="2434d1f3cb744e0e49386c906e5a08bb"),
        RembgModel(session="u2net", md5="60024c5c889badc19c04ad937298a77b"),
    ),
}


@dataclass(frozen=True)
class CatVTONPaths:
    """Where the catvton backend finds each part, for one variant."""

    unet: Path  # diffusers UNet2DConditionModel folder (config.json + weights)
    scheduler: Path  # folder with scheduler_config.json
    vae: Path  # diffusers AutoencoderKL folder
    attention: Path  # folder with model.safetensors (the attn1 ModuleList state dict)


def default_weights_dir() -> Path:
    """``$TRYON_WEIGHTS_DIR`` if set, else ``<repo>/weights`` (decided in :mod:`pipelines.paths`)."""
    from pipelines.paths import weights_dir

    return weights_dir()


def download_command(name: WeightsName) -> str:
    return f"python launch.py download {name}"


def rembg_home(weights_dir: Path) -> Path:
    """The folder to use as rembg's ``U2NET_HOME``."""
    return Path(weights_dir) / "rembg"


def catvton_paths(weights_dir: Path, variant: CatVTONVariant = "mix") -> CatVTONPaths:
    root = Path(weights_dir) / "catvton"
    sd = root / _SD15_INPAINTING.folder
    return CatVTONPaths(
        unet=sd / "unet",
        scheduler=sd / "scheduler",
        vae=root / _SD_VAE.folder,
        attention=root / _CATVTON_ATTENTION.folder / CATVTON_SUBFOLDERS[variant] / "attention",
    )


def expected_files(name: WeightsName, weights_dir: Path, variant: CatVTONVariant | None = None) -> list[Path]:
    """Every file ``name`` needs under ``weights_dir``; for catvton, ``variant`` limits the
    attention files to that one variant (None = all three)."""
    _check_name(name)
    paths: list[Path] = []
    for source in MANIFEST[name]:
        if isinstance(source, RembgModel):
            paths.append(rembg_home(weights_dir) / source.filename)
            continue
        for file in source.files:
            if (
                variant is not None
                and source is _CATVTON_ATTENTION
                and not file.startswith(f"{CATVTON_SUBFOLDERS[variant]}/")
            ):
                continue
            paths.append(Path(weights_dir) / name / source.folder / file)
    return paths


def missing_files(name: WeightsName, weights_dir: Path, variant: CatVTONVariant | None = None) -> list[Path]:
    """The expected files that are absent or empty. Never touches the network."""
    return [p for p in expected_files(name, weights_dir, variant) if not _present(p)]


def _present(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def missing_weights_error(name: WeightsName, weights_dir: Path, missing: list[Path]) -> MissingWeightsError:
    folder = rembg_home(weights_dir) if name == "rembg" else Path(weights_dir) / name
    shown = ", ".join(
        str(p.relative_to(weights_dir)) if p.is_relative_to(weights_dir) else str(p) for p in missing[:3]
    )
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    return MissingWeightsError(
        f"The {name} weights are not in {folder} (missing {shown}{more}); "
        f"run `{download_command(name)}` to fetch them there, or set {WEIGHTS_DIR_ENV} to a folder that has them."
    )


def locate(name: WeightsName, weights_dir: Path, variant: CatVTONVariant | None = None) -> Path:
    """The folder holding ``name``'s files, or MissingWeightsError naming the download command."""
    missing = missing_files(name, weights_dir, variant)
    if missing:
        raise missing_weights_error(name, weights_dir, missing)
    return rembg_home(weights_dir) if name == "rembg" else Path(weights_dir) / name


def hub_offline() -> bool:
    """True when HF_HUB_OFFLINE asks for no network access at all."""
    from huggingface_hub import constants

    value = os.environ.get("HF_HUB_OFFLINE", "")
    return bool(constants.HF_HUB_OFFLINE) or value.strip().upper() in ("1", "ON", "YES", "TRUE")


def download(name: WeightsName, weights_dir: Path) -> list[Path]:
    """Fetch everything ``name`` needs into ``weights_dir`` and return the files' paths.

    Files already present are not fetched again; an interrupted download resumes. With
    HF_HUB_OFFLINE=1 nothing is fetched: present files are returned, missing ones raise.
    """
    _check_name(name)
    weights_dir = Path(weights_dir)
    if hub_offline():
        return _offline_check(name, weights_dir)
    for source in MANIFEST[name]:
        if isinstance(source, RembgModel):
            _download_rembg(source, weights_dir)
        elif not all(_present(weights_dir / name / source.folder / file) for file in source.files):
            _download_hub(source, weights_dir / name / source.folder)
    missing = missing_files(name, weights_dir)
    if missing:  # the repo changed under us: say so rather than fail later at load time
        raise missing_weights_error(name, weights_dir, missing)
    return expected_files(name, weights_dir)


def _offline_check(name: WeightsName, weights_dir: Path) -> list[Path]:
    missing = missing_files(name, weights_dir)
    if missing:
        raise MissingWeightsError(
            f"HF_HUB_OFFLINE is set, so nothing was downloaded, and {len(missing)} {name} file(s) are missing "
            f"from {weights_dir}; unset HF_HUB_OFFLINE and run `{download_command(name)}`."
        )
    return expected_files(name, weights_dir)


def _download_hub(source: HubFiles, local_dir: Path) -> None:
    from huggingface_hub import snapshot_download

    local_dir.mkdir(parents=True, exist_ok=True)
    snapshot_download(
        source.repo_id,
        revision=source.revision,
        local_dir=local_dir,
        allow_patterns=list(source.files),
    )


def _download_rembg(model: RembgModel, weights_dir: Path) -> None:
    """Let rembg fetch its own model (it checks the md5) with U2NET_HOME pointed at weights/rembg."""
    from rembg.sessions import sessions_class

    target = rembg_home(weights_dir) / model.filename
    if _present(target):
        return
    session_class = next(c for c in sessions_class if c.name() == model.session)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _environment("U2NET_HOME", str(target.parent)):
        session_class.download_models()


@contextlib.contextmanager
def _environment(key: str, value: str) -> Iterator[None]:
    """rembg reads U2NET_HOME from the environment at call time; set it only for the call."""
    old = os.environ.get(key)
    os.environ[key] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old


def _check_name(name: str) -> None:
    if name not in MANIFEST:
        raise InputError(f"Unknown weights '{name}'; choose one of: {', '.join(WEIGHTS_NAMES)}.")

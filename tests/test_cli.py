"""The command line as a user meets it: files written, one-line errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, weights: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "launch.py"), "--weights-dir", str(weights), *args],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )


@pytest.fixture(scope="module")
def person_file(tmp_path_factory, astronaut) -> Path:
    path = tmp_path_factory.mktemp("in") / "astronaut.jpg"
    Image.fromarray(astronaut).save(path, quality=92)
    return path


def test_analyze_writes_every_file(tmp_path, person_file, empty_weights):
    out = tmp_path / "analysis"
    result = run("analyze", "--person", str(person_file), "--out", str(out), "--heatmaps", weights=empty_weights)
    assert result.returncode == 0, result.stderr
    names = {p.name for p in out.iterdir()}
    expected = {"pose.json", "person_mask.png", "parsing.png", "pose_map.png", "heatmaps.npy"}
    expected |= {f"{kind}_{slot}.png" for kind in ("mask", "agnostic") for slot in ("upper", "lower", "dress", "outer")}
    assert expected <= names
    mask = Image.open(out / "mask_upper.png")
    assert mask.mode == "L" and mask.size == (512, 512)
    assert set(np.unique(np.asarray(mask))) <= {0, 255}
    report = json.loads((out / "pose.json").read_text())
    assert len(report["landmarks"]) == 33
    assert report["parsing_source"] == "pose_skin_fallback"
    assert report["parsing_legend"]["face"]["label"] == 2
    assert np.load(out / "heatmaps.npy").shape == (18, 512, 512)


@pytest.mark.parametrize(
    "make,expected",
    [
        (lambda d: d / "missing.jpg", "does not exist"),
        (lambda d: (d / "notes.png").write_text("not an image") and d / "notes.png", "not an image"),
        (lambda d: Image.new("RGB", (300, 400), (240, 240, 240)).save(d / "empty.png") or d / "empty.png", "No person"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, make, expected, empty_weights):
    path = make(tmp_path)
    result = run("analyze", "--person", str(path), "--out", str(tmp_path / "o"), weights=empty_weights)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and expected in lines[0]


def test_tryon_refuses_invalid_outfit_before_reading_images(tmp_path, empty_weights):
    result = run("tryon", "--person", "p.jpg", "--dress", "d.jpg", "--upper", "u.jpg", "--out", str(tmp_path / "o.png"),
                 weights=empty_weights)
    assert result.returncode == 2 and "dress" in result.stderr and "Traceback" not in result.stderr


def test_tryon_refuses_unknown_layout(tmp_path, empty_weights):
    result = run("tryon", "--person", "p.jpg", "--upper", "u.jpg", "--layout", "inside out",
                 "--out", str(tmp_path / "o.png"), weights=empty_weights)
    assert result.returncode == 2 and "rolled sleeves" in result.stderr


def test_no_command_prints_help_or_serves(empty_weights):
    result = run("--help", weights=empty_weights)
    assert result.returncode == 0 and "analyze" in result.stdout and "tryon" in result.stdout

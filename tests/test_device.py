"""Device and precision are resolved in one place, and cheaply."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from pipelines import device as device_module
from pipelines.device import cpu_has_native_bf16, describe, resolve_device
from pipelines.errors import InputError

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_explicit_cpu_fp32():
    assert resolve_device("cpu", "fp32") == (torch.device("cpu"), torch.float32)
    assert resolve_device("cpu", "bf16") == (torch.device("cpu"), torch.bfloat16)


@pytest.mark.parametrize("native", [True, False])
def test_auto_on_cpu_uses_bf16_only_with_native_units(monkeypatch, no_gpu, native):
    monkeypatch.setattr(device_module, "cpu_has_native_bf16", lambda: native)
    assert resolve_device() == (torch.device("cpu"), torch.bfloat16 if native else torch.float32)


def test_auto_on_cuda_is_fp16(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    assert resolve_device("auto", "auto") == (torch.device("cuda", 0), torch.float16)


@pytest.mark.parametrize(
    ("device", "precision"),
    [("cpu", "fp16"), ("cpu", "half"), ("tpu", "auto"), ("not a device", "auto")],
)
def test_refusals(device, precision):
    with pytest.raises(InputError):
        resolve_device(device, precision)


def test_cuda_without_gpu_is_refused(no_gpu):
    with pytest.raises(InputError, match="--device cpu"):
        resolve_device("cuda", "auto")


@pytest.mark.parametrize(
    ("flags", "expected"), [("fma avx2 avx512_bf16", True), ("amx_tile amx_bf16", True), ("avx2 fma", False)]
)
def test_cpu_flags(monkeypatch, tmp_path, flags, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 {flags}\n")
    monkeypatch.setattr(device_module, "_CPUINFO", cpuinfo)
    cpu_has_native_bf16.cache_clear()
    try:
        assert cpu_has_native_bf16() is expected
    finally:
        cpu_has_native_bf16.cache_clear()


def test_describe():
    assert describe(torch.device("cpu"), torch.bfloat16) == "cpu, bf16"


def test_light_modules_do_not_import_torch():
    code = (
        "import sys\n"
        "import pipelines.device, pipelines.weights, pipelines.bench, pipelines.backends.catvton\n"
        "from pipelines.backends.base import backend_status\n"
        "backend_status('catvton', __import__('pathlib').Path('/nonexistent'))\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"

"""Where the diffusion backends run and in which precision: resolved here and nowhere else.

``resolve_device("auto", "auto")`` picks CUDA in fp16 when there is a GPU; on a CPU it picks
bf16 only where the CPU multiplies bf16 natively (AMX or AVX512-BF16), since emulated bf16
is slower than fp32. torch is imported inside the functions so that importing this module
(for the CLI's ``--device`` help, say) costs nothing.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from pipelines.errors import InputError

if TYPE_CHECKING:
    import torch

Precision = Literal["auto", "fp32", "fp16", "bf16"]
PRECISIONS: tuple[Precision, ...] = get_args(Precision)

# Precision name -> attribute of the torch module.
_DTYPE_NAMES: dict[str, str] = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}

# /proc/cpuinfo flags of CPUs with bf16 matrix instructions (Intel Sapphire Rapids+ AMX,
# Cooper Lake+ / AMD Zen 4+ AVX512-BF16). Without them torch emulates bf16 in fp32 registers.
_CPU_BF16_FLAGS = frozenset({"amx_bf16", "avx512_bf16"})
_CPUINFO = Path("/proc/cpuinfo")


def resolve_device(device: str = "auto", precision: str = "auto") -> tuple[torch.device, torch.dtype]:
    """Turn the user's ``device`` and ``precision`` strings into what torch needs.

    ``device``: "auto", "cpu", "cuda", "cuda:N" or "mps". ``precision``: "auto", "fp32",
    "fp16" or "bf16". Raises InputError for a device that is absent or a precision it
    cannot run.
    """
    import torch

    if precision not in PRECISIONS:
        raise InputError(f"Unknown precision '{precision}'; choose one of: {', '.join(PRECISIONS)}.")
    dev = _resolve_torch_device(device)
    if precision == "auto":
        return dev, _auto_dtype(dev)
    dtype = getattr(torch, _DTYPE_NAMES[precision])
    if dev.type == "cpu" and dtype == torch.float16:
        raise InputError("fp16 is not supported on the CPU; use --precision bf16 or fp32 (or auto).")
    if dev.type == "cuda" and dtype == torch.bfloat16 and not torch.cuda.is_bf16_supported():
        raise InputError(f"The GPU {torch.cuda.get_device_name(dev)} has no bf16 support; use fp16 or fp32.")
    return dev, dtype


def describe(device: torch.device, dtype: torch.dtype) -> str:
    """A short human label such as ``cpu, bf16`` or ``cuda:0 (NVIDIA L4), fp16``."""
    import torch

    names = {getattr(torch, attr): short for short, attr in _DTYPE_NAMES.items()}
    where = str(device)
    if device.type == "cuda":
        where = f"{device} ({torch.cuda.get_device_name(device)})"
    return f"{where}, {names.get(dtype, str(dtype))}"


@functools.lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    """Whether this CPU has bf16 matrix units (so bf16 is faster than fp32, not slower)."""
    if _CPUINFO.is_file():
        for line in _CPUINFO.read_text(errors="replace").splitlines():
            if line.startswith("flags"):
                return bool(_CPU_BF16_FLAGS & set(line.split(":", 1)[1].split()))
    import torch  # not Linux: ask oneDNN, which checks the same instructions

    return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())


def _resolve_torch_device(device: str) -> torch.device:
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise InputError(f"Unknown device '{device}'; use auto, cpu, cuda, cuda:N or mps.") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError(
                f"Device '{device}' was asked for but this torch sees no CUDA GPU; use --device cpu."
            )
        index = torch.cuda.current_device() if dev.index is None else dev.index
        if index >= torch.cuda.device_count():
            raise InputError(
                f"Device '{device}' does not exist; this machine has {torch.cuda.device_count()} GPU(s)."
            )
        return torch.device("cuda", index)
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise InputError(f"Device '{device}' was asked for but MPS is not available here; use --device cpu.")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise InputError(f"Device '{device}' is not supported; use auto, cpu, cuda, cuda:N or mps.")
    return dev


def _auto_dtype(dev: torch.device) -> torch.dtype:
    import torch

    if dev.type in ("cuda", "mps"):
        return torch.float16  # CatVTON's published demo runs in half precision on GPUs
    return torch.bfloat16 if cpu_has_native_bf16() else torch.float32

"""Pick the compute device and the autocast context."""

from __future__ import annotations

import contextlib

import torch

from core.errors import OpEmbedError


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` takes CUDA when present, else the CPU. ``cuda`` without a GPU is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise OpEmbedError("--device cuda: no CUDA device is available here; use --device auto or cpu")
    if name not in ("cpu",) and not name.startswith("cuda"):
        raise OpEmbedError(f"--device {name}: use auto, cpu or cuda")
    return torch.device(name)


def autocast(device: torch.device, precision: str):
    """``bf16``: autocast to bfloat16 on the device; ``fp32``: nothing."""
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()

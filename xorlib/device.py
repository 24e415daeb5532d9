"""Devices and timing, introduced in chapter 2 (``02_devices``).

One device object chosen at the top of a program lets the same code run on a
CPU-only laptop and on a CUDA machine; timing must warm up and, on a GPU,
synchronize, or it measures nothing but the launch.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch
from torch import nn

from xorlib import _checks


def get_device(prefer: str | None = None) -> torch.device:
    """Return the device to compute on: CUDA when present, else the CPU.

    Args:
        prefer: ``None`` to choose automatically, or ``"cpu"``/``"cuda"``/``"cuda:N"``.

    Raises:
        ValueError: a CUDA device was asked for on a machine without one.
    """
    if prefer is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(prefer, str | torch.device):
        raise TypeError(f"prefer must be None, a string or a torch.device, got {type(prefer).__name__}")
    try:
        device = torch.device(prefer)
    except RuntimeError:  # torch's message lists every device type it knows
        raise ValueError(f"unknown device {prefer!r}; expected None, 'cpu', 'cuda' or 'cuda:N'") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device {prefer!r} was asked for, but this machine has no CUDA GPU "
            "(torch.cuda.is_available() is False); use get_device() to fall back to the CPU"
        )
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(f"device {prefer!r} was asked for, but this machine has "
                         f"{torch.cuda.device_count()} CUDA GPU(s), numbered from 0")
    return device


def module_device(model: nn.Module) -> torch.device:
    """Return the device holding ``model``'s parameters (they all live on one device here)."""
    try:
        return next(model.parameters()).device
    except StopIteration:
        raise ValueError(f"{type(model).__name__} has no parameters, so it lives on no device") from None


@dataclass(frozen=True)
class MatmulTiming:
    """Median time of an ``n x n`` float32 matrix product, and the rate it implies."""

    n: int
    device: str
    seconds: float  # median over the timed repeats
    repeats: int

    @property
    def gflops(self) -> float:
        """Billions of floating-point operations per second (a product costs 2 n^3)."""
        return 2 * self.n**3 / self.seconds / 1e9

    def __str__(self) -> str:
        return (
            f"{self.n}x{self.n} matmul on {self.device}: {self.seconds:.4f} s "
            f"(median of {self.repeats}), {self.gflops:.0f} GFLOP/s"
        )


def time_matmul(n: int = 5000, device: torch.device | str = "cpu", repeats: int = 3) -> MatmulTiming:
    """Time ``x @ x`` for a random ``n x n`` matrix on ``device``: one warm-up, then a median.

    On CUDA the GPU runs asynchronously, so each product is bracketed by CUDA
    events and the host waits (synchronizes) before reading them.
    """
    n = _checks.positive_int("n", n)
    repeats = _checks.positive_int("repeats", repeats)
    device = torch.device(device)
    x = torch.randn(n, n, generator=torch.Generator().manual_seed(0)).to(device)
    x @ x  # warm-up: first call pays for library loading and caches
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            x @ x
            end.record()
            torch.cuda.synchronize(device)
            times.append(start.elapsed_time(end) / 1000)  # ms -> s
        else:
            t0 = time.perf_counter()
            x @ x
            times.append(time.perf_counter() - t0)
    return MatmulTiming(n=n, device=device.type, seconds=statistics.median(times), repeats=repeats)


def provenance(device: torch.device | str) -> str:
    """One line naming the torch version and device a chapter's outputs were made with."""
    version = torch.__version__.split("+")[0]  # drop the build tag (+cpu, +cu130)
    name = torch.cuda.get_device_name(device) if torch.device(device).type == "cuda" else "cpu"
    return f"Outputs verified with torch {version} on device: {name}"

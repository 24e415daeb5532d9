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

MAX_MATMUL_N = 20_000  # three n x n float32 matrices: 4.8 GB at this size


def get_device(prefer: torch.device | str | None = None) -> torch.device:
    """Return the device to compute on: the machine's accelerator when it has one, else the CPU.

    ``torch.accelerator`` names the accelerator this torch build can use (CUDA, Apple's MPS,
    Intel's XPU, ...), so the same line serves every kind of machine.

    Args:
        prefer: ``None`` to choose automatically, ``"cpu"``, or the accelerator's type, such as
            ``"cuda"``/``"cuda:N"`` or ``"mps"``.

    Raises:
        ValueError: an unknown device, or an accelerator this machine does not have.
    """
    accelerator = torch.accelerator.current_accelerator(check_available=True)  # None: there is none
    if prefer is None:
        return accelerator if accelerator is not None else torch.device("cpu")
    if not isinstance(prefer, str | torch.device):
        raise TypeError(f"prefer must be None, a string or a torch.device, got {type(prefer).__name__}")
    try:
        device = torch.device(prefer)
    except RuntimeError:  # torch's message lists every device type it knows
        raise ValueError(f"unknown device {str(prefer)!r}; expected None, 'cpu', or an accelerator "
                         "such as 'cuda', 'cuda:N' or 'mps'") from None
    if device.type == "cpu":
        return device
    if accelerator is None or device.type != accelerator.type:
        has = "no accelerator" if accelerator is None else f"a {accelerator.type} accelerator instead"
        raise ValueError(
            f"device {str(prefer)!r} was asked for, but this machine has {has} "
            "(torch.accelerator.current_accelerator()); use get_device() to fall back to the CPU")
    count = torch.accelerator.device_count()
    if device.index is not None and device.index >= count:
        raise ValueError(f"device {str(prefer)!r} was asked for, but this machine has "
                         f"{count} {device.type} device(s), numbered from 0")
    return device


def module_device(model: nn.Module) -> torch.device:
    """Return the device holding ``model``'s parameters (they all live on one device here)."""
    try:
        return next(_checks.module("model", model).parameters()).device
    except StopIteration:
        raise ValueError(f"{type(model).__name__} has no parameters, so it lives on no device") from None


def module_dtype(model: nn.Module) -> torch.dtype:
    """Return the dtype of ``model``'s parameters: inputs are converted to it (float64 -> float32)."""
    module_device(model)  # the same checks: a module, with parameters
    return next(model.parameters()).dtype


@dataclass(frozen=True)
class MatmulTiming:
    """Median time of an ``n x n`` float32 matrix product, and the rate it implies."""

    n: int
    device: str
    seconds: float  # median over the timed repeats
    repeats: int

    def __post_init__(self) -> None:
        _checks.positive_int("n", self.n)
        if not isinstance(self.device, str):
            raise TypeError(f"device must be a device name such as 'cpu', got {type(self.device).__name__}")
        _checks.number("seconds", self.seconds, positive=True)
        _checks.positive_int("repeats", self.repeats)

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
    events and the host waits (synchronizes) before reading them. ``device`` is
    checked as ``get_device`` checks it; ``n`` is at most ``MAX_MATMUL_N``.
    """
    n = _checks.positive_int("n", n, maximum=MAX_MATMUL_N)
    repeats = _checks.positive_int("repeats", repeats)
    device = get_device(device)
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
            if device.type != "cpu":
                torch.accelerator.synchronize(device)  # other accelerators queue work like CUDA
            times.append(time.perf_counter() - t0)
    return MatmulTiming(n=n, device=device.type, seconds=statistics.median(times), repeats=repeats)


def provenance(device: torch.device | str) -> str:
    """One line naming the torch version and device a chapter's outputs were made with.

    ``device`` is checked as ``get_device`` checks it (a device this machine lacks is refused).
    """
    version = torch.__version__.split("+")[0]  # drop the build tag (+cpu, +cu130)
    device = get_device(device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
    return f"Outputs verified with torch {version} on device: {name}"

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

__all__ = ["MAX_MATMUL_N", "MatmulTiming", "get_device", "module_device", "module_dtype", "provenance",
           "time_matmul"]

MAX_MATMUL_N = 20_000  # three n x n float32 matrices: 4.8 GB at this size


def get_device(prefer: torch.device | str | None = None) -> torch.device:
    """Return the device to compute on: the machine's accelerator when it has one, else the CPU.

    ``torch.accelerator`` names the accelerator this torch build can use (CUDA, Apple's MPS,
    Intel's XPU, ...), so the same line serves every kind of machine.

    Args:
        prefer: ``None`` to choose automatically, ``"cpu"``, or the accelerator's type, such as
            ``"cuda"``/``"cuda:N"`` or ``"mps"``.

    Returns:
        The ``torch.device`` to put models and data on.

    Raises:
        TypeError: ``prefer`` is not None, a str or a torch.device.
        ValueError: an unknown device, or an accelerator this machine does not have.

    Example::

        >>> import xorlib
        >>> xorlib.get_device("cpu")
        device(type='cpu')
        >>> xorlib.get_device().type in {"cpu", "cuda", "mps", "xpu"}
        True
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
    """Return the device holding ``model``'s parameters and buffers (all on one device).

    Args:
        model: an ``nn.Module`` with at least one parameter.

    Returns:
        Its device (``meta`` for a model built on the meta device).

    Raises:
        ValueError: the model has no parameters, or its tensors sit on several devices.

    Example::

        >>> import xorlib
        >>> xorlib.module_device(xorlib.SimpleClassifier())
        device(type='cpu')
    """
    return _checks.model_device(model)


def module_dtype(model: nn.Module) -> torch.dtype:
    """Return the dtype of ``model``'s parameters: inputs are converted to it (float64 -> float32).

    Args:
        model: an ``nn.Module`` with at least one parameter.

    Returns:
        The one floating dtype of its parameters and floating buffers.

    Raises:
        ValueError: the model has no parameters, or its layers mix dtypes (``model.float()`` fixes it).

    Example::

        >>> import xorlib
        >>> from xorlib.hardware import module_dtype
        >>> module_dtype(xorlib.SimpleClassifier()), module_dtype(xorlib.SimpleClassifier().double())
        (torch.float32, torch.float64)
    """
    return _checks.model_dtype(model)


@dataclass(frozen=True)
class MatmulTiming:
    """Median time of an ``n x n`` float32 matrix product, and the rate it implies.

    Args:
        n: the matrices' size.
        device: the device's type, such as ``"cpu"`` or ``"cuda"``.
        seconds: the median time of one product.
        repeats: how many timed products the median is over.

    Example::

        >>> from xorlib import MatmulTiming
        >>> timing = MatmulTiming(n=1000, device="cpu", seconds=0.5, repeats=3)
        >>> timing.gflops
        4.0
        >>> print(timing)
        1000x1000 matmul on cpu: 0.5000 s (median of 3), 4 GFLOP/s
    """

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
    checked as ``get_device`` checks it.

    Args:
        n: the matrix size, 1 to ``MAX_MATMUL_N`` (three 20,000 x 20,000 float32 matrices: 4.8 GB).
        device: where to multiply, as ``get_device`` takes it.
        repeats: timed products after the warm-up.

    Returns:
        The median time and the rate it implies.

    Example::

        >>> import xorlib
        >>> timing = xorlib.time_matmul(64, "cpu", repeats=2)
        >>> timing.n, timing.device, timing.repeats, timing.seconds > 0
        (64, 'cpu', 2, True)
    """
    n = _checks.positive_int("n", n, maximum=MAX_MATMUL_N,
                             why="three such float32 matrices take 4.8 GB at that size")
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

    Args:
        device: the device the outputs were computed on, checked as ``get_device`` checks it
            (a device this machine lacks is refused).

    Returns:
        ``"Outputs verified with torch <version> on device: <name>"``.

    Example::

        >>> import xorlib
        >>> xorlib.provenance("cpu").endswith("on device: cpu")
        True
    """
    version = torch.__version__.split("+")[0]  # drop the build tag (+cpu, +cu130)
    device = get_device(device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else device.type
    return f"Outputs verified with torch {version} on device: {name}"

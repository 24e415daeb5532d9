"""Watching training with TensorBoard, introduced in chapter 6 (``06_training``).

``torch.utils.tensorboard.SummaryWriter`` writes scalars and images into event
files that the TensorBoard server draws live. ``read_scalars`` reads the scalars
back with TensorBoard's own event-file reader, so they can be checked and plotted
without a server (as the course's website does); ``scalar_plot`` draws them.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from tensorboard.backend.event_processing.event_accumulator import SCALARS, EventAccumulator

from xorlib.plotting import DPI, LINE_COLORS

Scalars = dict[str, tuple[list[int], list[float]]]


def run_tags(logdir: str | Path) -> dict[str, list[str]]:
    """The tags logged in the run directory ``logdir``, per kind (``"scalars"``, ``"images"``, ...).

    Raises:
        TypeError: ``logdir`` is not a str or Path.
        FileNotFoundError: ``logdir`` is not a directory holding event files.
    """
    return {kind: sorted(tags) for kind, tags in _load(logdir).Tags().items()
            if isinstance(tags, list) and tags}


def read_scalars(logdir: str | Path) -> Scalars:
    """Every scalar logged in ``logdir``: ``{tag: (steps, values)}``, in step order.

    Values come back as the 32-bit floats the event file stores.

    Raises:
        TypeError: ``logdir`` is not a str or Path.
        FileNotFoundError: ``logdir`` is not a directory holding event files.
    """
    acc = _load(logdir)
    scalars = {}
    for tag in sorted(acc.Tags()["scalars"]):
        events = sorted(acc.Scalars(tag), key=lambda e: e.step)
        scalars[tag] = ([e.step for e in events], [e.value for e in events])
    return scalars


def _load(logdir: str | Path) -> EventAccumulator:
    if not isinstance(logdir, str | Path):
        raise TypeError(f"logdir must be a str or pathlib.Path, got {type(logdir).__name__}")
    path = Path(logdir)
    if not path.is_dir() or not any(path.glob("events.out.tfevents.*")):
        raise FileNotFoundError(f"no TensorBoard event files in {str(logdir)!r}")
    acc = EventAccumulator(str(path), size_guidance={SCALARS: 0})  # 0: keep every scalar, not a sample
    acc.Reload()
    return acc


def scalar_plot(scalars: Scalars, title: str = "Read back from the event files") -> Figure:
    """One panel per tag, stacked, sharing the step axis. Shape: ``{tag: (steps, values)}``."""
    if not isinstance(scalars, dict) or not scalars:
        raise ValueError(f"scalars must be a non-empty dict {{tag: (steps, values)}}, got {scalars!r}")
    fig, axes = plt.subplots(len(scalars), 1, figsize=(5, 1.2 + 1.6 * len(scalars)), dpi=DPI, sharex=True,
                             layout="constrained", squeeze=False)
    for i, (ax, (tag, (steps, values))) in enumerate(zip(axes[:, 0], scalars.items(), strict=True)):
        ax.plot(steps, values, color=LINE_COLORS[i % len(LINE_COLORS)])
        ax.set_ylabel(tag)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("epoch (the step logged)")
    fig.suptitle(title)
    return fig

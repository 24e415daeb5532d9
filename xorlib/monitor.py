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

__all__ = ["Scalars", "read_scalars", "run_tags", "scalar_plot"]

Scalars = dict[str, tuple[list[int], list[float]]]  # {tag: (steps, values)}, as read_scalars returns


def run_tags(logdir: str | Path) -> dict[str, list[str]]:
    """The tags logged in the run directory ``logdir``, per kind (``"scalars"``, ``"images"``, ...).

    Kinds with no tag are left out.

    Args:
        logdir (str | Path): the directory a ``SummaryWriter`` wrote its event files to.

    Returns:
        dict[str, list[str]]: the sorted tags of each kind logged.

    Raises:
        TypeError: ``logdir`` is not a str or Path.
        FileNotFoundError: ``logdir`` is not a directory holding event files.

    Example::

        >>> import tempfile
        >>> from torch.utils.tensorboard import SummaryWriter
        >>> from xorlib import monitor
        >>> logdir = tempfile.TemporaryDirectory()
        >>> with SummaryWriter(logdir.name) as writer:
        ...     for epoch, loss in enumerate([0.75, 0.5, 0.25]):
        ...         writer.add_scalar("loss/train", loss, epoch)
        >>> monitor.run_tags(logdir.name)
        {'scalars': ['loss/train']}
        >>> logdir.cleanup()
    """
    return {kind: sorted(tags) for kind, tags in _load(logdir).Tags().items()
            if isinstance(tags, list) and tags}


def read_scalars(logdir: str | Path) -> Scalars:
    """Every scalar logged in ``logdir``: ``{tag: (steps, values)}``, in step order.

    Values come back as the 32-bit floats the event file stores.

    Args:
        logdir (str | Path): the directory a ``SummaryWriter`` wrote its event files to.

    Returns:
        Scalars: the steps and values of each scalar tag, tags in sorted order.

    Raises:
        TypeError: ``logdir`` is not a str or Path.
        FileNotFoundError: ``logdir`` is not a directory holding event files.

    Example::

        >>> import tempfile
        >>> from torch.utils.tensorboard import SummaryWriter
        >>> from xorlib import monitor
        >>> logdir = tempfile.TemporaryDirectory()
        >>> with SummaryWriter(logdir.name) as writer:
        ...     for epoch, loss in enumerate([0.75, 0.5, 0.25]):
        ...         writer.add_scalar("loss/train", loss, epoch)
        >>> monitor.read_scalars(logdir.name)  # these values are exact in float32
        {'loss/train': ([0, 1, 2], [0.75, 0.5, 0.25])}
        >>> logdir.cleanup()
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
    """One panel per tag, stacked, sharing the step axis.

    Args:
        scalars (Scalars): ``{tag: (steps, values)}``, as ``read_scalars`` returns them.
        title (str): the figure's title.

    Returns:
        Figure: one axes per tag, in the order of ``scalars``, each labelled with its tag.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib import monitor
        >>> scalars = {"accuracy/train": ([0, 1, 2], [0.5, 0.75, 1.0]),
        ...            "loss/train": ([0, 1, 2], [0.7, 0.4, 0.2])}
        >>> fig = monitor.scalar_plot(scalars)
        >>> [ax.get_ylabel() for ax in fig.axes]
        ['accuracy/train', 'loss/train']
        >>> plt.close(fig)
    """
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

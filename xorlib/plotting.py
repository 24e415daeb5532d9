"""Figures: samples (chapter 4), loss curves (chapter 6), decision boundaries (chapter 11).

Every figure has a fixed size and dpi so pages look the same on every build,
and an opaque white background so it stays readable on a dark page. The two
classes use the Okabe-Ito blue and orange, which stay distinct for colour-blind
readers (they also get different marker shapes, edged in white so they stand
out on a probability map). Legends sit outside the axes, never on the data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from torch import nn

from xorlib import _checks
from xorlib.classifier import eval_mode

__all__ = ["BOUNDARY_ALPHA", "BOUNDARY_CMAP", "CLASS_COLORS", "DPI", "FACECOLOR", "FIGSIZE", "HI",
           "LINE_COLORS", "LINE_STYLES", "LO", "MARKERS", "MAX_INCHES", "boundary_image", "decision_boundary",
           "draw_probability", "figure", "legend_below", "loss_curve", "samples", "scatter"]

CLASS_COLORS = ("#0072B2", "#E69F00")  # class 0 blue, class 1 orange (Okabe-Ito)
MARKERS = ("o", "^")
LINE_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")  # Okabe-Ito, for curves
LINE_STYLES = ("-", "--", "-.", ":")  # a second cue besides colour
FIGSIZE = (4, 4)
DPI = 100
MAX_INCHES = 50  # 5,000 pixels at DPI: a larger figure is a slip, and its canvas would take gigabytes
LO, HI = -0.5, 1.5  # the square every boundary map covers
FACECOLOR = "white"  # opaque: Jupyter's default is transparent, which a dark theme turns black
BOUNDARY_ALPHA = 0.4  # a light map under the full-strength class colours of the samples
BOUNDARY_CMAP = LinearSegmentedColormap.from_list("xor", [CLASS_COLORS[0], "#ffffff", CLASS_COLORS[1]])


def _axes(ax: object) -> Axes:
    return _checks.of_type("ax", ax, Axes, "a matplotlib Axes, e.g. from fig, ax = plt.subplots()")


def _points(X: object, y: object) -> tuple[torch.Tensor, torch.Tensor]:
    """Samples to draw: tensors or NumPy arrays, ``X`` ``(N, 2)`` finite floats, ``y`` ``(N,)`` of 0/1."""
    X, y = _checks.as_tensor("X", X), _checks.as_tensor("y", y)
    _checks.check_xy(X, y, 2, who="a plot of the plane (x_1, x_2)")  # a third feature, or label 2, is lost
    return X.detach().cpu(), y.detach().cpu()


def figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = FIGSIZE,
           **kwargs: Any) -> tuple[Figure, Any]:
    """``plt.subplots`` with the course's dpi and an opaque white background; same returns.

    Args:
        nrows, ncols: the grid of axes.
        figsize: width and height in inches, each at most ``MAX_INCHES``.
        **kwargs: passed on to ``plt.subplots`` (``squeeze``, ``sharex``, ``layout``, ...).

    Returns:
        ``(fig, ax)``, ``ax`` an Axes or an array of them as ``plt.subplots`` returns it.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib import plotting
        >>> fig, axes = plotting.figure(1, 2, figsize=(6, 3))
        >>> len(axes), fig.dpi, fig.get_size_inches().tolist()
        (2, 100, [6.0, 3.0])
        >>> plt.close(fig)
    """
    nrows, ncols = _checks.positive_int("nrows", nrows, 20), _checks.positive_int("ncols", ncols, 20)
    if not isinstance(figsize, Sequence) or isinstance(figsize, str) or len(figsize) != 2:
        raise TypeError(f"figsize must be (width, height) in inches, got {figsize!r}")
    for name, inches in zip(("width", "height"), figsize, strict=True):
        if _checks.number(f"figsize {name}", inches, positive=True) > MAX_INCHES:
            raise ValueError(f"figsize {name} must be at most {MAX_INCHES} inches, got {inches}")
    return plt.subplots(nrows, ncols, figsize=figsize, dpi=DPI, facecolor=FACECOLOR, **kwargs)


def legend_below(ax: plt.Axes, **kwargs: Any) -> None:
    """Put ``ax``'s legend in one row under the axes (below the x label), clear of the data.

    Args:
        ax: the axes whose labelled artists the legend names.
        **kwargs: ``ax.legend`` options that replace the defaults (``ncol``, ``title``, ...).

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib import plotting
        >>> fig, ax = plotting.figure()
        >>> _ = ax.plot([0, 1], label="a line")
        >>> plotting.legend_below(ax)
        >>> [t.get_text() for t in ax.get_legend().get_texts()]
        ['a line']
        >>> plt.close(fig)
    """
    options = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.14), "ncol": 4, "frameon": False}
    _axes(ax).legend(**{**options, **kwargs})


def scatter(ax: plt.Axes, X: torch.Tensor, y: torch.Tensor, legend: bool = True) -> None:
    """Draw the samples ``X`` on ``ax``, coloured and shaped by label ``y``.

    Args:
        ax: the axes to draw on.
        X: the points (a tensor, or a NumPy array).
        y: their labels, 0 or 1.
        legend: name the two classes under the axes (``legend_below``).

    Shape:
        - ``X``: ``(N, 2)`` finite floats.
        - ``y``: ``(N,)``.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> import xorlib
        >>> from xorlib import plotting
        >>> data = xorlib.XORDataset(20, seed=0)
        >>> fig, ax = plotting.figure()
        >>> plotting.scatter(ax, data.X, data.y)
        >>> sum(len(c.get_offsets()) for c in ax.collections)
        20
        >>> plt.close(fig)
    """
    ax, (X, y) = _axes(ax), _points(X, y)
    _checks.of_type("legend", legend, bool, "True or False")
    for label in (0, 1):
        points = X[y == label]  # (n_label, 2)
        ax.scatter(points[:, 0], points[:, 1], s=24, c=CLASS_COLORS[label], marker=MARKERS[label],
                   edgecolors="white", linewidths=0.5, label=f"class {label}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$", labelpad=0)
    if legend:
        legend_below(ax)


def samples(X: torch.Tensor, y: torch.Tensor, title: str = "XOR samples") -> Figure:
    """Scatter the samples ``X`` coloured by label ``y``.

    Args:
        X: the points (a tensor, or a NumPy array).
        y: their labels, 0 or 1.
        title: the figure's title.

    Returns:
        The figure.

    Shape:
        - ``X``: ``(N, 2)`` finite floats.
        - ``y``: ``(N,)``.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> import xorlib
        >>> data = xorlib.XORDataset(50, seed=0)
        >>> fig = xorlib.plotting.samples(data.X.numpy(), data.y.numpy())
        >>> fig.axes[0].get_title()
        'XOR samples'
        >>> plt.close(fig)
    """
    X, y = _points(X, y)  # before the figure exists: a refused call leaves no figure open
    _checks.of_type("title", title, str, "a str")
    fig, ax = figure()
    scatter(ax, X, y)
    ax.set_title(title)
    return fig


def _curve(label: str, values: object) -> list[float]:
    if isinstance(values, torch.Tensor | np.ndarray):  # a 1-D array of losses, converted on purpose
        values = values.tolist() if values.ndim == 1 else values
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Sequence) or not len(values):
        raise TypeError(f"{label} must be a non-empty list of numbers (one per epoch), got {values!r}"[:300])
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int | float | np.floating | np.integer):
            tensor = isinstance(v, torch.Tensor)
            hint = "; store loss.item(), a float, rather than the tensor loss" if tensor else ""
            raise TypeError(f"{label}[{i}] must be a number, got {type(v).__name__}{hint}")
    return [float(v) for v in values]  # NaN stays: a diverged run, which the plot leaves out


def loss_curve(losses: Sequence[float] | Mapping[str, Sequence[float]], log: bool = False) -> Figure:
    """Plot loss per epoch; pass a dict ``{label: losses}`` to compare runs.

    Args:
        losses: one number per epoch (a list, or a 1-D tensor or array), as ``train_fast``
            returns them; or a dict of such lists keyed by the runs' names.
            A NaN (a diverged run) is left out of the line.
        log: a logarithmic loss axis.

    Returns:
        The figure.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib import plotting
        >>> fig = plotting.loss_curve({"lr 0.1": [0.7, 0.5, 0.3], "lr 1": [0.7, 0.2, 0.1]}, log=True)
        >>> [line.get_label() for line in fig.axes[0].lines]
        ['lr 0.1', 'lr 1']
        >>> plt.close(fig)
    """
    if isinstance(losses, Mapping):
        if not losses:
            raise ValueError("losses is an empty dict; expected {label: losses} with at least one run")
        for label in losses:
            _checks.of_type("each label of losses", label, str, "a str")
        runs = {label: _curve(f"losses[{label!r}]", values) for label, values in losses.items()}
    else:
        runs = {"training loss": _curve("losses", losses)}
    _checks.of_type("log", log, bool, "True or False")
    fig, ax = figure(figsize=(5, 3.2))
    for i, (label, values) in enumerate(runs.items()):
        ax.plot(range(1, len(values) + 1), values, label=label,
                color=LINE_COLORS[i % len(LINE_COLORS)], linestyle=LINE_STYLES[i % len(LINE_STYLES)])
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean BCE loss")
    if log:
        ax.set_yscale("log")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False)  # right of the axes
    ax.grid(alpha=0.3)
    return fig


@torch.no_grad()
def boundary_image(model: nn.Module, lo: float = LO, hi: float = HI, steps: int = 200) -> torch.Tensor:
    """Return P(class 1) on a ``steps x steps`` grid over ``[lo, hi]^2``, row 0 at ``x_2 = lo``.

    The model's train/eval mode is kept; it must take 2 features and return one logit per point.

    Args:
        model: the classifier to map.
        lo, hi: the square's ends, ``lo < hi``.
        steps: grid points per side, at most 2,000 (four million points).

    Returns:
        The probabilities, on the CPU.

    Shape:
        Output: ``(steps, steps)``; entry ``[i, j]`` is at ``x_2 = axis[i]``, ``x_1 = axis[j]``.

    Example::

        >>> import xorlib
        >>> from xorlib import plotting
        >>> prob = plotting.boundary_image(xorlib.SimpleClassifier(), steps=50)
        >>> prob.shape, bool(((prob >= 0) & (prob <= 1)).all())
        (torch.Size([50, 50]), True)
    """
    lo, hi = _checks.number("lo", lo, signed=True), _checks.number("hi", hi, signed=True)
    if lo >= hi:
        raise ValueError(f"lo must be below hi, got lo={lo}, hi={hi}")
    steps = _checks.positive_int("steps", steps, maximum=2_000)
    device, dtype = _checks.runnable(model)
    inputs = getattr(model, "sizes", {}).get("num_inputs", 2)
    if inputs != 2:
        raise ValueError(f"boundary_image maps the plane of 2 features, but the model expects {inputs}")
    _checks.forward_memory(model, steps * steps, f"boundary_image with steps={steps}")
    axis = torch.linspace(lo, hi, steps, device=device, dtype=dtype)
    x2, x1 = torch.meshgrid(axis, axis, indexing="ij")  # rows follow x_2, columns x_1
    grid = torch.stack([x1, x2], dim=-1).reshape(-1, 2)  # (steps*steps, 2)
    with eval_mode(model):
        logits = _checks.one_logit(model(grid), len(grid))  # (steps*steps,)
    return torch.sigmoid(logits).reshape(steps, steps).cpu()


def draw_probability(ax: plt.Axes, prob: torch.Tensor, lo: float = LO, hi: float = HI) -> list:
    """Draw a ``boundary_image`` grid on ``ax`` with its 0.5 contour; return the artists drawn.

    Args:
        ax: the axes to draw on.
        prob: probabilities in [0, 1] (a tensor, or a NumPy array), as ``boundary_image`` returns them.
        lo, hi: the square ``[lo, hi]^2`` the grid covers (``boundary_image``'s own ``lo`` and ``hi``).

    Returns:
        The image, and the contour when some of the grid lies on each side of 0.5.

    Shape:
        ``prob``: ``(steps, steps)``.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> import torch
        >>> from xorlib import plotting
        >>> fig, ax = plotting.figure()
        >>> ramp = torch.linspace(0, 1, 20).expand(20, 20)  # P(class 1) grows with x_1
        >>> len(plotting.draw_probability(ax, ramp))  # the image and its 0.5 contour
        2
        >>> plt.close(fig)
    """
    ax, prob = _axes(ax), _checks.as_tensor("prob", prob)
    if prob.dim() != 2 or prob.numel() == 0 or not prob.is_floating_point():
        raise ValueError(f"prob must be a non-empty grid of floats of shape (steps, steps), got "
                         f"{tuple(prob.shape)} {prob.dtype}")
    if not ((prob >= 0) & (prob <= 1)).all():  # NaN fails both
        raise ValueError("prob must hold probabilities in [0, 1] (as boundary_image returns them), but some "
                         "are outside or NaN; apply torch.sigmoid to logits")
    lo, hi = _checks.number("lo", lo, signed=True), _checks.number("hi", hi, signed=True)
    if lo >= hi:
        raise ValueError(f"lo must be below hi, got lo={lo}, hi={hi}")
    prob = prob.detach().cpu().numpy()  # matplotlib takes arrays (a tensor triggers a numpy warning)
    extent = (lo, hi, lo, hi)
    artists = [ax.imshow(prob, origin="lower", extent=extent, cmap=BOUNDARY_CMAP, vmin=0, vmax=1,
                         alpha=BOUNDARY_ALPHA)]
    if prob.min() < 0.5 < prob.max():  # an untrained model may not cross 0.5 anywhere
        artists.append(ax.contour(prob, levels=[0.5], extent=extent, colors="#333333", linewidths=1))
    return artists


def decision_boundary(model: nn.Module, X: torch.Tensor, y: torch.Tensor,
                      title: str = "Decision boundary", ax: plt.Axes | None = None,
                      legend: bool = True) -> Figure:
    """Draw the model's P(class 1) over the plane, the 0.5 contour, and the samples on top.

    Args:
        model: the classifier (2 features, one logit per sample).
        X: the samples to draw on top (a tensor, or a NumPy array).
        y: their labels, 0 or 1.
        title: the axes' title.
        ax: an axes to draw into; ``None`` makes a new figure (with a colour bar).
        legend: name the two classes under the axes.

    Returns:
        The figure drawn on.

    Shape:
        - ``X``: ``(N, 2)`` finite floats.
        - ``y``: ``(N,)``.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> import xorlib
        >>> data = xorlib.XORDataset(40, seed=0)
        >>> model = xorlib.SimpleClassifier()
        >>> fig = xorlib.plotting.decision_boundary(model, data.X, data.y, title="untrained")
        >>> fig.axes[0].get_title(), len(fig.axes)  # the map and its colour bar
        ('untrained', 2)
        >>> plt.close(fig)
    """
    X, y = _points(X, y)  # checked before a figure exists: a refused call leaves none open
    _checks.of_type("title", title, str, "a str")
    _checks.of_type("legend", legend, bool, "True or False")
    # the map covers [LO, HI]^2, grown by a margin to every sample's place: no point off the map
    lo = min(LO, math.floor((X.min().item() - 0.1) * 2) / 2)
    hi = max(HI, math.ceil((X.max().item() + 0.1) * 2) / 2)
    prob = boundary_image(model, lo, hi)
    fig, ax = (_axes(ax).figure, ax) if ax is not None else figure()
    image = draw_probability(ax, prob, lo, hi)[0]
    scatter(ax, X, y, legend=legend)
    ax.set_title(title)
    if ax.get_subplotspec() is not None and len(fig.axes) == 1:
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="P(class 1)")
    return fig

"""Figures: samples (chapter 4), loss curves (chapter 6), decision boundaries (chapter 11).

Every figure has a fixed size and dpi so pages look the same on every build,
and an opaque white background so it stays readable on a dark page. The two
classes use the Okabe-Ito blue and orange, which stay distinct for colour-blind
readers (they also get different marker shapes, edged in white so they stand
out on a probability map). Legends sit outside the axes, never on the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import torch
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from torch import nn

from xorlib import _checks
from xorlib.classifier import eval_mode
from xorlib.hardware import module_device, module_dtype

CLASS_COLORS = ("#0072B2", "#E69F00")  # class 0 blue, class 1 orange (Okabe-Ito)
MARKERS = ("o", "^")
LINE_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")  # Okabe-Ito, for curves
LINE_STYLES = ("-", "--", "-.", ":")  # a second cue besides colour
FIGSIZE = (4, 4)
DPI = 100
LO, HI = -0.5, 1.5  # the square every boundary map covers
FACECOLOR = "white"  # opaque: Jupyter's default is transparent, which a dark theme turns black
BOUNDARY_ALPHA = 0.4  # a light map under the full-strength class colours of the samples
BOUNDARY_CMAP = LinearSegmentedColormap.from_list("xor", [CLASS_COLORS[0], "#ffffff", CLASS_COLORS[1]])


def figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = FIGSIZE,
           **kwargs: Any) -> tuple[Figure, Any]:
    """``plt.subplots`` with the course's dpi and an opaque white background; same returns."""
    return plt.subplots(nrows, ncols, figsize=figsize, dpi=DPI, facecolor=FACECOLOR, **kwargs)


def legend_below(ax: plt.Axes, **kwargs: Any) -> None:
    """Put ``ax``'s legend in one row under the axes (below the x label), clear of the data."""
    options = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.14), "ncol": 4, "frameon": False}
    ax.legend(**{**options, **kwargs})


def scatter(ax: plt.Axes, X: torch.Tensor, y: torch.Tensor, legend: bool = True) -> None:
    """Draw the samples ``X`` ``(N, 2)`` on ``ax``, coloured and shaped by label ``y`` ``(N,)``.

    With ``legend`` the two classes are named under the axes (``legend_below``).
    """
    X, y = X.detach().cpu(), y.detach().cpu()
    for label in (0, 1):
        points = X[y == label]  # (n_label, 2)
        ax.scatter(points[:, 0], points[:, 1], s=24, c=CLASS_COLORS[label], marker=MARKERS[label],
                   edgecolors="white", linewidths=0.5, label=f"class {label}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$", labelpad=0)
    if legend:
        legend_below(ax)


def samples(X: torch.Tensor, y: torch.Tensor, title: str = "XOR samples") -> Figure:
    """Scatter ``X`` ``(N, 2)`` coloured by label ``y`` ``(N,)``."""
    fig, ax = figure()
    scatter(ax, X, y)
    ax.set_title(title)
    return fig


def loss_curve(losses: Sequence[float] | Mapping[str, Sequence[float]], log: bool = False) -> Figure:
    """Plot loss per epoch; pass a dict ``{label: losses}`` to compare runs."""
    runs = losses if isinstance(losses, Mapping) else {"training loss": losses}
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

    The model's train/eval mode is kept; it must return one logit per point. ``steps`` is at
    most 2,000 (four million points).
    """
    lo, hi = _checks.number("lo", lo, signed=True), _checks.number("hi", hi, signed=True)
    if lo >= hi:
        raise ValueError(f"lo must be below hi, got lo={lo}, hi={hi}")
    steps = _checks.positive_int("steps", steps, maximum=2_000)
    axis = torch.linspace(lo, hi, steps, device=module_device(model), dtype=module_dtype(model))
    x2, x1 = torch.meshgrid(axis, axis, indexing="ij")  # rows follow x_2, columns x_1
    grid = torch.stack([x1, x2], dim=-1).reshape(-1, 2)  # (steps*steps, 2)
    with eval_mode(model):
        logits = _checks.one_logit(model(grid), len(grid))  # (steps*steps,)
    return torch.sigmoid(logits).reshape(steps, steps).cpu()


def draw_probability(ax: plt.Axes, prob: torch.Tensor) -> list:
    """Draw a ``boundary_image`` grid on ``ax`` with its 0.5 contour; return the artists drawn."""
    prob = prob.numpy()  # matplotlib takes arrays (a tensor triggers a numpy warning)
    extent = (LO, HI, LO, HI)
    artists = [ax.imshow(prob, origin="lower", extent=extent, cmap=BOUNDARY_CMAP, vmin=0, vmax=1,
                         alpha=BOUNDARY_ALPHA)]
    if prob.min() < 0.5 < prob.max():  # an untrained model may not cross 0.5 anywhere
        artists.append(ax.contour(prob, levels=[0.5], extent=extent, colors="#333333", linewidths=1))
    return artists


def decision_boundary(model: nn.Module, X: torch.Tensor, y: torch.Tensor,
                      title: str = "Decision boundary", ax: plt.Axes | None = None,
                      legend: bool = True) -> Figure:
    """Draw the model's P(class 1) over the plane, the 0.5 contour, and the samples on top.

    Pass ``ax`` to draw into an existing axes, ``legend=False`` to leave the class names out.
    """
    fig, ax = (ax.figure, ax) if ax is not None else figure()
    image = draw_probability(ax, boundary_image(model))[0]
    scatter(ax, X, y, legend=legend)
    ax.set_title(title)
    if ax.get_subplotspec() is not None and len(fig.axes) == 1:
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="P(class 1)")
    return fig

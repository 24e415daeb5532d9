"""Figures: samples (chapter 4), loss curves (chapter 6), decision boundaries (chapter 8).

Every figure has a fixed size and dpi so pages look the same on every build,
and the two classes use the Okabe-Ito blue and orange, which stay distinct
for colour-blind readers (they also get different marker shapes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from torch import nn

from xorlib import _checks
from xorlib.device import module_device, module_dtype
from xorlib.model import eval_mode

CLASS_COLORS = ("#0072B2", "#E69F00")  # class 0 blue, class 1 orange (Okabe-Ito)
MARKERS = ("o", "^")
LINE_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")  # Okabe-Ito, for curves
LINE_STYLES = ("-", "--", "-.", ":")  # a second cue besides colour
FIGSIZE = (4, 4)
DPI = 100
LO, HI = -0.5, 1.5  # the square every boundary map covers
BOUNDARY_CMAP = LinearSegmentedColormap.from_list("xor", [CLASS_COLORS[0], "#ffffff", CLASS_COLORS[1]])


def scatter(ax: plt.Axes, X: torch.Tensor, y: torch.Tensor) -> None:
    """Draw the samples ``X`` ``(N, 2)`` on ``ax``, coloured and shaped by label ``y`` ``(N,)``."""
    X, y = X.detach().cpu(), y.detach().cpu()
    for label in (0, 1):
        points = X[y == label]  # (n_label, 2)
        ax.scatter(points[:, 0], points[:, 1], s=18, c=CLASS_COLORS[label], marker=MARKERS[label],
                   edgecolors="#333333", linewidths=0.5, label=f"class {label}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper right", framealpha=0.9)


def samples(X: torch.Tensor, y: torch.Tensor, title: str = "XOR samples") -> Figure:
    """Scatter ``X`` ``(N, 2)`` coloured by label ``y`` ``(N,)``."""
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
    scatter(ax, X, y)
    ax.set_title(title)
    return fig


def loss_curve(losses: Sequence[float] | Mapping[str, Sequence[float]], log: bool = False) -> Figure:
    """Plot loss per epoch; pass a dict ``{label: losses}`` to compare runs."""
    runs = losses if isinstance(losses, Mapping) else {"training loss": losses}
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=DPI)
    for i, (label, values) in enumerate(runs.items()):
        ax.plot(range(1, len(values) + 1), values, label=label,
                color=LINE_COLORS[i % len(LINE_COLORS)], linestyle=LINE_STYLES[i % len(LINE_STYLES)])
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean BCE loss")
    if log:
        ax.set_yscale("log")
    ax.legend()
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
    artists = [ax.imshow(prob, origin="lower", extent=extent, cmap=BOUNDARY_CMAP, vmin=0, vmax=1, alpha=0.6)]
    if prob.min() < 0.5 < prob.max():  # an untrained model may not cross 0.5 anywhere
        artists.append(ax.contour(prob, levels=[0.5], extent=extent, colors="#333333", linewidths=1))
    return artists


def decision_boundary(model: nn.Module, X: torch.Tensor, y: torch.Tensor,
                      title: str = "Decision boundary", ax: plt.Axes | None = None) -> Figure:
    """Draw the model's P(class 1) over the plane, the 0.5 contour, and the samples on top."""
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=FIGSIZE, dpi=DPI)
    image = draw_probability(ax, boundary_image(model))[0]
    scatter(ax, X, y)
    ax.set_title(title)
    if ax.get_subplotspec() is not None and len(fig.axes) == 1:
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="P(class 1)")
    return fig

"""More than two classes, introduced in chapter 12 (``12_more_classes``): which corner a point came from.

``CornerDataset`` gives XOR's points four labels, one per corner; ``region_image`` and
``decision_regions`` draw which class a model picks everywhere in the plane, in the class
colours of ``CLASS_COLORS`` (the course's blue and orange, then two more Okabe-Ito colours);
``confusion_matrix`` counts which class is taken for which, and ``dead_units`` finds the
ReLU units that output 0 for every sample.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import torch
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from torch import nn

from xorlib import _checks, plotting
from xorlib.classifier import eval_mode
from xorlib.hardware import module_device, module_dtype
from xorlib.xordata import XORDataset, check_x

__all__ = ["CLASS_COLORS", "MARKERS", "CornerDataset", "confusion_matrix", "dead_units", "decision_regions",
           "region_image", "scatter"]

# classes 0 and 1 keep the course's blue and orange; then bluish green and reddish purple (Okabe-Ito)
CLASS_COLORS = (*plotting.CLASS_COLORS, "#009E73", "#CC79A7")
MARKERS = (*plotting.MARKERS, "s", "D")  # a second cue besides colour: circle, triangle, square, diamond
MAX_CLASSES = len(CLASS_COLORS)


class CornerDataset(XORDataset):
    """The points of ``XORDataset``, labelled by the corner each came from: four classes.

    Corner ``(a, b)`` is class ``2a + b`` (its coordinates read as a binary number), so XOR's
    class 1, the corners ``(0, 1)`` and ``(1, 0)``, is classes 1 and 2 here. ``X`` is exactly
    ``XORDataset(size, std, seed).X``: the corners are drawn again from the same seed.

    Args:
        size: number of samples, 1 to ``xordata.MAX_SIZE``.
        std: standard deviation of the noise added to each coordinate.
        seed: seed of the data set's own generator, 0 to 2**63 - 1 (required: the corners are
            drawn twice from it).

    Shape:
        - ``X``: ``(size, 2)`` float32.
        - ``y``: ``(size,)`` int64, classes 0 to 3.

    Example::

        >>> from xorlib import XORDataset
        >>> from xorlib.figures import multiclass
        >>> data = multiclass.CornerDataset(8, std=0.0, seed=0)
        >>> data.X.tolist()[:3], data.y.tolist()[:3]
        ([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1, 2, 3])
        >>> bool((data.X == XORDataset(8, std=0.0, seed=0).X).all())
        True
    """

    def __init__(self, size: int, std: float = 0.1, seed: int = 0) -> None:
        if seed is None:
            raise TypeError("seed must be an integer: CornerDataset draws the corners again from it")
        seed = _checks.seed("seed", seed)
        super().__init__(size, std, seed)
        # XORDataset's first draw from its generator is the corners: the same draw again
        corners = torch.randint(0, 2, (self.size, 2), generator=torch.Generator().manual_seed(seed))
        if not torch.equal((corners.sum(dim=1) == 1).long(), self.y):
            raise RuntimeError("XORDataset no longer draws its corners first; CornerDataset must follow it")
        self.y = 2 * corners[:, 0] + corners[:, 1]  # (size,) int64: (0,0) 0, (0,1) 1, (1,0) 2, (1,1) 3

    def __repr__(self) -> str:
        return f"CornerDataset({self.extra_repr()})"


def _labels(name: str, y: object, n: int | None = None) -> torch.Tensor:
    """``y`` as a 1-D int64 tensor of class indices 0 to ``MAX_CLASSES - 1`` (length ``n`` if given)."""
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} must be a tensor of class indices, got {type(y).__name__}")
    if y.dim() != 1 or (n is not None and len(y) != n):
        want = f"({n},)" if n is not None else "(N,)"
        raise ValueError(f"{name} must have shape {want}, one class index per sample, got {tuple(y.shape)}")
    if y.dtype.is_floating_point or y.dtype == torch.bool or y.is_complex():
        raise TypeError(f"{name} must hold class indices as integers (int64), got dtype {y.dtype}")
    return y.detach().cpu().long()


def scatter(ax: plt.Axes, X: torch.Tensor, y: torch.Tensor, legend: bool = True) -> None:
    """Draw the samples on ``ax``, each class in its colour and marker, edged in white.

    Args:
        ax: the axes to draw on.
        X: the samples.
        y: their classes, 0 to 3.
        legend: name the classes present under the axes.

    Shape:
        - X: ``(N, 2)``.
        - y: ``(N,)``.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib import plotting
        >>> from xorlib.figures import multiclass
        >>> data = multiclass.CornerDataset(40, seed=0)
        >>> fig, ax = plotting.figure()
        >>> multiclass.scatter(ax, data.X, data.y)
        >>> [t.get_text() for t in ax.get_legend().get_texts()]
        ['class 0', 'class 1', 'class 2', 'class 3']
        >>> plt.close(fig)
    """
    check_x(X, 2)
    y = _labels("y", y, len(X))
    if len(y) and (y.min() < 0 or y.max() >= MAX_CLASSES):
        raise ValueError(f"y must hold classes 0 to {MAX_CLASSES - 1} (one colour each), "
                         f"found {sorted(set(y.tolist()) - set(range(MAX_CLASSES)))[:5]}")
    X = X.detach().cpu()
    for label in y.unique().tolist():
        points = X[y == label].numpy()  # (n_label, 2)
        ax.scatter(points[:, 0], points[:, 1], s=24, c=CLASS_COLORS[label], marker=MARKERS[label],
                   edgecolors="white", linewidths=0.5, label=f"class {label}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$", labelpad=0)
    if legend:
        plotting.legend_below(ax)


@torch.no_grad()
def _grid_logits(model: nn.Module, steps: int, lo: float, hi: float) -> torch.Tensor:
    """The model's logits ``(steps * steps, C)`` on the grid of ``region_image``, row by row."""
    _checks.module("model", model)
    steps = _checks.positive_int("steps", steps, maximum=2_000)
    lo, hi = _checks.number("lo", lo, signed=True), _checks.number("hi", hi, signed=True)
    if lo >= hi:
        raise ValueError(f"lo must be below hi, got lo={lo}, hi={hi}")
    device, dtype = module_device(model), module_dtype(model)
    axis = torch.linspace(lo, hi, steps, device=device, dtype=dtype)
    x2, x1 = torch.meshgrid(axis, axis, indexing="ij")  # rows follow x_2, columns x_1
    grid = torch.stack([x1, x2], dim=-1).reshape(-1, 2)  # (steps*steps, 2)
    with eval_mode(model):
        logits = model(grid)
    if not isinstance(logits, torch.Tensor) or logits.dim() != 2 or len(logits) != len(grid):
        got = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ValueError(f"the model must return one row of logits per point, ({len(grid)}, C), got {got}")
    if not 2 <= logits.shape[1] <= MAX_CLASSES:
        raise ValueError(f"the model must return 2 to {MAX_CLASSES} logits per point (one colour per class), "
                         f"got {logits.shape[1]}")
    return logits.cpu()


def region_image(model: nn.Module, steps: int = 200, lo: float = plotting.LO,
                 hi: float = plotting.HI) -> torch.Tensor:
    """The class a model picks (its largest logit) on a ``steps x steps`` grid over ``[lo, hi]^2``.

    Row 0 lies at ``x_2 = lo`` and column 0 at ``x_1 = lo``, as in ``plotting.boundary_image``;
    the model's train/eval mode is kept.

    Args:
        model: takes ``(M, 2)`` points to ``(M, C)`` logits, 2 <= C <= 4.
        steps: points per side, at most 2,000.
        lo, hi: the square's ends, ``lo < hi`` (by default ``[-0.5, 1.5]``).

    Returns:
        Tensor: int64 class indices.

    Shape:
        Output: ``(steps, steps)``.

    Example::

        >>> import torch
        >>> from torch import nn
        >>> from xorlib.figures import multiclass
        >>> model = nn.Linear(2, 2)  # logits (x1, x2): class 1 where x2 > x1, above the diagonal
        >>> with torch.no_grad():
        ...     _ = model.weight.copy_(torch.eye(2)), model.bias.zero_()
        >>> multiclass.region_image(model, steps=3).tolist()  # a tie goes to the first class
        [[0, 0, 0], [1, 0, 0], [1, 1, 0]]
    """
    steps = _checks.positive_int("steps", steps, maximum=2_000)
    return _grid_logits(model, steps, lo, hi).argmax(dim=1).reshape(steps, steps)


def decision_regions(model: nn.Module, X: torch.Tensor, y: torch.Tensor, title: str = "Decision regions",
                     ax: plt.Axes | None = None, legend: bool = True) -> Figure:
    """Colour the plane by the class the model picks, outline each region, and draw the samples on top.

    The map covers ``[-0.5, 1.5]^2``, grown in steps of 0.5 until every sample lies on it, as
    ``plotting.decision_boundary``'s does.

    Args:
        model: takes ``(M, 2)`` points to ``(M, C)`` logits, 2 <= C <= 4.
        X: the samples.
        y: their classes.
        title: the axes' title.
        ax: draw into these axes; ``None`` makes a figure of the course's size.
        legend: name the classes under the axes.

    Returns:
        Figure: the figure holding ``ax``.

    Shape:
        - X: ``(N, 2)``.
        - y: ``(N,)``.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib import SimpleClassifier
        >>> from xorlib.figures import multiclass
        >>> data = multiclass.CornerDataset(40, seed=0)
        >>> fig = multiclass.decision_regions(SimpleClassifier(2, 8, 4), data.X, data.y, title="untrained")
        >>> fig.axes[0].get_title(), fig.get_facecolor()
        ('untrained', (1.0, 1.0, 1.0, 1.0))
        >>> plt.close(fig)
    """
    check_x(X, 2)
    _labels("y", y, len(X))  # checked before a figure exists: a refused call leaves none open
    lo = min(plotting.LO, math.floor((X.min().item() - 0.1) * 2) / 2)  # no sample off the map
    hi = max(plotting.HI, math.ceil((X.max().item() + 0.1) * 2) / 2)
    steps = 200
    logits = _grid_logits(model, steps, lo, hi)  # (steps * steps, C)
    regions = logits.argmax(dim=1).reshape(steps, steps)
    fig, ax = (ax.figure, ax) if ax is not None else plotting.figure()
    num_classes = logits.shape[1]
    extent = (lo, hi, lo, hi)
    ax.imshow(regions.numpy(), origin="lower", extent=extent, cmap=ListedColormap(CLASS_COLORS[:num_classes]),
              vmin=-0.5, vmax=num_classes - 0.5, alpha=plotting.BOUNDARY_ALPHA, interpolation="nearest")
    for label in regions.unique().tolist():
        inside = (regions == label).float().numpy()
        if 0 < inside.mean() < 1:  # a region that covers everything has no border
            ax.contour(inside, levels=[0.5], extent=extent, colors="#333333", linewidths=1)
    scatter(ax, X, y, legend=legend)
    ax.set(xlim=(lo, hi), ylim=(lo, hi), title=title)  # the map's square
    return fig


def confusion_matrix(y: torch.Tensor, predictions: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Count the samples of each true class (row) given each predicted class (column).

    Args:
        y: true classes, 0 to ``num_classes - 1``.
        predictions: predicted classes, the same range.
        num_classes: the number of classes, C.

    Returns:
        Tensor: int64 counts; the diagonal holds the correct predictions, and all entries sum to N.

    Shape:
        - y, predictions: ``(N,)``.
        - Output: ``(C, C)``.

    Example::

        >>> import torch
        >>> from xorlib.figures import multiclass
        >>> y = torch.tensor([0, 0, 1, 2, 2, 2])
        >>> predictions = torch.tensor([0, 1, 1, 2, 2, 0])
        >>> multiclass.confusion_matrix(y, predictions, 3).tolist()
        [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    """
    num_classes = _checks.positive_int("num_classes", num_classes, maximum=10_000)
    y = _labels("y", y)
    predictions = _labels("predictions", predictions, len(y))
    for name, values in (("y", y), ("predictions", predictions)):
        outside = values[(values < 0) | (values >= num_classes)]
        if len(outside):
            raise ValueError(f"{name} must hold classes 0 to {num_classes - 1}, "
                             f"found {outside.unique()[:5].tolist()}")
    counts = torch.bincount(y * num_classes + predictions, minlength=num_classes**2)  # (C * C,)
    return counts.reshape(num_classes, num_classes)  # row: true class, column: predicted


@torch.no_grad()
def dead_units(layer: nn.Linear, X: torch.Tensor) -> torch.Tensor:
    """Which units of ``layer`` have a negative (or zero) input for every sample of ``X``.

    After a ReLU such a unit outputs 0 for every sample, and its slope there is 0 too, so no
    gradient reaches its weights: it is dead, and training cannot revive it.

    Args:
        layer: the ``nn.Linear`` layer in front of the activation.
        X: the samples (the training set), in the layer's dtype or any float dtype.

    Returns:
        Tensor: bool, True for a dead unit; ``.sum()`` counts them.

    Shape:
        - X: ``(N, in_features)``.
        - Output: ``(out_features,)``.

    Example::

        >>> import torch
        >>> from torch import nn
        >>> from xorlib.figures import multiclass
        >>> layer = nn.Linear(2, 3)
        >>> with torch.no_grad():
        ...     _ = layer.weight.fill_(1.0), layer.bias.copy_(torch.tensor([0.5, -10.0, -1.5]))
        >>> X = torch.tensor([[0.0, 0.0], [1.0, 1.0]])  # inputs x1 + x2 of 0 and 2
        >>> multiclass.dead_units(layer, X).tolist()
        [False, True, False]
    """
    if not isinstance(layer, nn.Linear):
        raise TypeError(f"layer must be the nn.Linear layer in front of the activation (model[0] of an "
                        f"nn.Sequential), got {type(layer).__name__}")
    check_x(X, layer.in_features)
    return (layer(X.to(layer.weight.device, layer.weight.dtype)) <= 0).all(dim=0).cpu()

"""Inside the network, introduced in chapter 3 (``03_modules``): its diagram, and linear models beside it.

``draw_network`` draws a model of ``nn.Linear`` layers from the layers' own sizes.
``ProductFeature`` adds the feature ``x1 * x2`` that makes XOR linearly separable, and
``compare_boundaries`` draws several models' decision boundaries side by side.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from torch import nn

from xorlib import _checks, plotting
from xorlib.xordata import check_xy

__all__ = ["MAX_UNITS", "RADIUS", "ProductFeature", "compare_boundaries", "draw_network"]

MAX_UNITS = 32  # units per layer that draw_network draws; a larger layer would not make a readable picture
RADIUS = 0.3  # of a unit; units sit 1 apart in a column
_GAP = 2.0  # between columns
_NODE_COLORS = ("#56B4E9", "#009E73", "#CC79A7")  # input, hidden, output (Okabe-Ito, not the class colours)


def _linear_layers(model: nn.Module) -> list[tuple[str, nn.Linear, str]]:
    """The ``nn.Linear`` layers of ``model`` in registration order, as ``(name, layer, activation)``.

    ``activation`` names the non-linear modules registered between this layer and the next
    (``"tanh"`` for ``nn.Tanh``); it is ``""`` when there are none or the layer is the last.

    Raises:
        TypeError: ``model`` is not an ``nn.Module`` instance.
        ValueError: no ``nn.Linear`` layer, or one layer's outputs do not match the next one's inputs.
    """
    found: list[list] = []
    for name, module in _checks.module("model", model).named_modules():
        if isinstance(module, nn.Linear):
            found.append([name, module, []])
        elif found and not list(module.children()):  # a leaf after a Linear layer: its activation
            found[-1][2].append(type(module).__name__.lower())
    if not found:
        raise ValueError(f"{type(model).__name__} has no nn.Linear layer to draw")
    for (name_a, a, _), (name_b, b, _) in zip(found, found[1:], strict=False):
        if a.out_features != b.in_features:
            raise ValueError(f"{name_a} gives {a.out_features} outputs but {name_b} takes {b.in_features} "
                             "inputs: not a chain of layers")
    found[-1][2] = []  # what follows the output layer is not a hidden activation
    return [(name, layer, ", ".join(acts)) for name, layer, acts in found]


def draw_network(model: nn.Module, ax: plt.Axes | None = None) -> plt.Axes:
    """Draw ``model`` as columns of units joined by its weights, read from its ``nn.Linear`` layers.

    Inputs are labelled ``x1, x2, ...``, hidden units ``h1, h2, ...`` (with their activation),
    the output ``logit``. Under each set of edges: the layer's weight and its shape ``(out, in)``,
    one entry per edge. Biases are not drawn.

    Args:
        model (nn.Module): a module whose ``nn.Linear`` layers form a chain (``SimpleClassifier``,
            ``nn.Sequential``), at most ``MAX_UNITS`` units per layer.
        ax (Axes, optional): the Axes to draw on; a new figure when ``None``.

    Returns:
        Axes: the Axes drawn on, one ``Circle`` patch per unit in ``ax.patches`` and one line per
        weight in ``ax.lines``.

    Raises:
        TypeError: ``model`` is not an ``nn.Module`` instance.
        ValueError: no ``nn.Linear`` layer, layers that do not chain, or more than ``MAX_UNITS`` units.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib import SimpleClassifier
        >>> from xorlib.figures import anatomy
        >>> ax = anatomy.draw_network(SimpleClassifier(2, 4, 1))
        >>> len(ax.patches), len(ax.lines)  # 2 + 4 + 1 units, 2 * 4 + 4 * 1 weights
        (7, 12)
        >>> plt.close(ax.figure)
    """
    layers = _linear_layers(model)
    sizes = [layers[0][1].in_features] + [layer.out_features for _, layer, _ in layers]
    if max(sizes) > MAX_UNITS:
        raise ValueError(f"draw_network draws at most {MAX_UNITS} units per layer, got sizes {sizes}")
    if ax is None:
        _, ax = plt.subplots(figsize=(2 * len(sizes) + 1, 0.7 * max(sizes) + 1.8), dpi=plotting.DPI)
    # unit i of column c (n units) sits at (c * _GAP, (n - 1) / 2 - i): every column centred on 0
    heights = [[(n - 1) / 2 - i for i in range(n)] for n in sizes]
    top, bottom = max(sizes) / 2, -max(sizes) / 2
    for col, (name, layer, _) in enumerate(layers):  # edges first, so the units sit on top of them
        for y_in in heights[col]:
            for y_out in heights[col + 1]:
                ax.plot([col * _GAP, (col + 1) * _GAP], [y_in, y_out], color="#999999", linewidth=0.8,
                        zorder=1)
        weight = f"{name}.weight" if name else "weight"  # as named_parameters() names it
        shape = tuple(layer.weight.shape)  # (out, in): one weight per edge
        ax.text((col + 0.5) * _GAP, bottom - 0.1, f"{weight}\n{shape}", ha="center", va="top", fontsize=9)
    for col, n in enumerate(sizes):
        kind = 0 if col == 0 else 2 if col == len(sizes) - 1 else 1
        for i, y in enumerate(heights[col]):
            ax.add_patch(Circle((col * _GAP, y), RADIUS, facecolor=_NODE_COLORS[kind], edgecolor="#333333",
                                zorder=2))
            if kind == 2:  # "logit" is wider than a unit: written beside it
                ax.text(col * _GAP + RADIUS + 0.1, y, "logit" if n == 1 else f"logit {i + 1}", ha="left",
                        va="center", fontsize=10)
            else:
                ax.text(col * _GAP, y, f"$x_{{{i + 1}}}$" if kind == 0 else f"$h_{{{i + 1}}}$", ha="center",
                        va="center", fontsize=10, zorder=3)
        activation = layers[col - 1][2] if kind == 1 else ""
        title = ("input", "hidden", "output")[kind] + (f" ({activation})" if activation else "")
        ax.text(col * _GAP, top + 0.05, title, ha="center", va="bottom", fontsize=10)
    ax.set_xlim(-0.5, (len(sizes) - 1) * _GAP + 1.1)
    ax.set_ylim(bottom - 1.0, top + 0.6)
    ax.set_aspect("equal")  # round units
    ax.axis("off")
    return ax


class ProductFeature(nn.Module):
    """Append the product of the two inputs: ``(x1, x2)`` becomes ``(x1, x2, x1 * x2)``.

    On XOR's corners ``x1 + x2 - 2 * x1 * x2`` is the label itself, so a linear layer on these
    three features can separate the classes. The module has no parameters.

    Shape:
        - Input: ``(N, 2)``.
        - Output: ``(N, 3)``, the input's two columns then their product.

    Example::

        >>> import torch
        >>> from torch import nn
        >>> from xorlib.figures.anatomy import ProductFeature
        >>> corners = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> ProductFeature()(corners)[:, 2]
        tensor([0., 0., 0., 1.])
        >>> model = nn.Sequential(ProductFeature(), nn.Linear(3, 1))  # a linear model on 3 features
        >>> model(corners).shape
        torch.Size([4, 1])
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"expected a tensor of shape (N, 2), got {type(x).__name__}")
        if x.dim() != 2 or x.shape[1] != 2:
            raise ValueError(f"expected input of shape (N, 2), got {tuple(x.shape)}")
        return torch.cat([x, x[:, :1] * x[:, 1:]], dim=1)  # (N, 2) and (N, 1) -> (N, 3)


def compare_boundaries(models: Mapping[str, nn.Module], X: torch.Tensor, y: torch.Tensor) -> Figure:
    """Draw each model's P(class 1) and 0.5 contour with the samples, side by side, one shared legend.

    Args:
        models (Mapping[str, nn.Module]): ``{title: model}``, one panel each, in order.
        X (Tensor): the samples, drawn on every panel.
        y (Tensor): their labels, 0 or 1.

    Returns:
        Figure: one panel per model, a colour bar for P(class 1) and the legend below.

    Shape:
        - X: ``(N, 2)``.
        - y: ``(N,)``.
        - each model: ``(M, 2)`` points to ``(M, 1)`` logits.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from torch import nn
        >>> from xorlib import SimpleClassifier, XORDataset
        >>> from xorlib.figures import anatomy
        >>> data = XORDataset(20, seed=0)
        >>> models = {"linear": nn.Linear(2, 1), "2-4-1": SimpleClassifier(2, 4, 1)}
        >>> fig = anatomy.compare_boundaries(models, data.X, data.y)
        >>> [ax.get_title() for ax in fig.axes[:2]]
        ['linear', '2-4-1']
        >>> plt.close(fig)
    """
    if not isinstance(models, Mapping) or not models:
        raise TypeError(f"models must be a non-empty dict {{title: model}}, got {models!r}")
    for title, model in models.items():
        _checks.module(f"models[{title!r}]", model)
    check_xy(X, y, 2)
    fig, axes = plt.subplots(1, len(models), figsize=(3.6 * len(models) + 0.8, 4.2), dpi=plotting.DPI,
                             squeeze=False, layout="constrained")
    for ax, (title, model) in zip(axes[0], models.items(), strict=True):
        plotting.decision_boundary(model, X, y, title=title, ax=ax)
        ax.get_legend().remove()  # one legend for all panels, below them, covering no data
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2)
    fig.colorbar(axes[0, 0].images[0], ax=axes[0].tolist(), fraction=0.03, label="P(class 1)")
    return fig

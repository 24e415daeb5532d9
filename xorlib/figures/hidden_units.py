"""Inside the hidden layer, introduced in chapter 11 (``11_decision_boundaries``).

Hidden unit ``k`` of a ``SimpleClassifier`` computes ``tanh(w_k . x + b_k)``: zero on the line
``w_k . x + b_k = 0``, towards +1 on one side and -1 on the other. ``unit_lines`` draws those
lines over the data. ``activations`` maps the data into hidden space, where the output unit
draws a single straight boundary: its logit ``v . h + c`` is above 0 for class 1, and
``hidden_space`` draws the samples against that logit. ``corner_votes`` says what each unit
adds to the logit at the four corners of XOR.
"""

from __future__ import annotations

import torch
from matplotlib.figure import Figure

from xorlib import plotting
from xorlib.classifier import SimpleClassifier

__all__ = ["CORNERS", "UNIT_COLORS", "activations", "corner_votes", "hidden_space", "unit_lines"]

UNIT_COLORS = ("#009E73", "#D55E00", "#CC79A7", "#000000")  # Okabe-Ito, apart from the class colours
CORNERS = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # the clean XOR inputs


def _classifier(model: SimpleClassifier) -> SimpleClassifier:
    if not isinstance(model, SimpleClassifier):
        raise TypeError(f"expected an xorlib.SimpleClassifier, got {type(model).__name__}")
    if model.sizes["num_inputs"] != 2 or model.sizes["num_outputs"] != 1:
        raise ValueError(f"expected a 2-input, 1-output classifier, got sizes {model.sizes}")
    return model


@torch.no_grad()
def activations(model: SimpleClassifier, X: torch.Tensor) -> torch.Tensor:
    """The hidden layer's outputs ``tanh(X W^T + b)`` for the samples ``X``, computed without a graph.

    Args:
        model (SimpleClassifier): a classifier with 2 inputs and 1 output.
        X (Tensor): the samples, moved to the model's device and dtype.

    Returns:
        Tensor: each sample's hidden activations, each in ``(-1, 1)``, on the CPU.

    Shape:
        - X: ``(N, 2)``.
        - Output: ``(N, hidden)``.

    Example::

        >>> import torch
        >>> from xorlib import SimpleClassifier
        >>> from xorlib.figures import hidden_units
        >>> model = SimpleClassifier(2, 3, 1)
        >>> h = hidden_units.activations(model, torch.rand(5, 2))
        >>> h.shape, bool(h.abs().max() < 1)
        (torch.Size([5, 3]), True)
    """
    model = _classifier(model)
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"expected X as a tensor of shape (N, 2), got {type(X).__name__}")
    if X.dim() != 2 or X.shape[1] != 2:
        raise ValueError(f"expected X of shape (N, 2), got {tuple(X.shape)}")
    weight = model.linear1.weight
    return model.act_fn(model.linear1(X.to(weight.device, weight.dtype))).cpu()


@torch.no_grad()
def corner_votes(model: SimpleClassifier) -> torch.Tensor:
    """What each hidden unit adds to the output logit at the corners (0,0), (1,0), (0,1), (1,1).

    Args:
        model (SimpleClassifier): a classifier with 2 inputs and 1 output.

    Returns:
        Tensor: ``v_k * h_k(corner)``; a row's sign says which class the unit pushes that corner
        towards (positive: class 1). Each column plus the output bias ``c`` sums to the model's
        logit there.

    Shape:
        - Output: ``(hidden, 4)``, one column per corner of ``CORNERS``.

    Example::

        >>> import torch
        >>> from xorlib import SimpleClassifier
        >>> from xorlib.figures import hidden_units
        >>> model = SimpleClassifier(2, 3, 1)
        >>> votes = hidden_units.corner_votes(model)
        >>> votes.shape
        torch.Size([3, 4])
        >>> logits = model(hidden_units.CORNERS).squeeze(1).detach()
        >>> torch.allclose(votes.sum(0) + model.linear2.bias.detach(), logits, atol=1e-6)
        True
    """
    weight = _classifier(model).linear2.weight.cpu()  # (1, hidden)
    return (activations(model, CORNERS) * weight).T  # (hidden, 4)


def unit_lines(model: SimpleClassifier, X: torch.Tensor, y: torch.Tensor,
               title: str = "Hidden units' lines") -> Figure:
    """Draw each hidden unit's line ``w_k . x + b_k = 0`` over the samples ``X``, ``y``.

    Each unit has its own colour and dash, named in a legend under the axes with the sign of
    its output weight; an arrow from each line points to the side where the unit is positive.
    A unit whose weights are all zero has no line.

    Args:
        model (SimpleClassifier): a classifier with 2 inputs and 1 output.
        X (Tensor): the samples drawn under the lines.
        y (Tensor): their labels, 0 or 1.
        title (str): the axes' title.

    Returns:
        Figure: one axes, one line per hidden unit.

    Shape:
        - X: ``(N, 2)``.
        - y: ``(N,)``.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib import SimpleClassifier, XORDataset
        >>> from xorlib.figures import hidden_units
        >>> data = XORDataset(20, seed=0)
        >>> fig = hidden_units.unit_lines(SimpleClassifier(2, 3, 1), data.X, data.y)
        >>> len(fig.axes[0].get_lines())  # one line per hidden unit
        3
        >>> plt.close(fig)
    """
    weight = _classifier(model).linear1.weight.detach().cpu()  # (hidden, 2)
    bias = model.linear1.bias.detach().cpu()  # (hidden,)
    out = model.linear2.weight.detach().cpu()[0]  # (hidden,)
    fig, ax = plotting.figure()
    plotting.scatter(ax, X, y, legend=False)
    centre = torch.tensor([0.5, 0.5])
    for k, (w, b) in enumerate(zip(weight, bias, strict=True)):
        norm = w.norm()
        if norm == 0:
            continue  # a unit with zero weights is constant: no line to draw
        normal = w / norm
        foot = centre - (w @ centre + b) / norm * normal  # the line's point nearest the centre
        along = torch.stack([-normal[1], normal[0]])  # (2,): the line's direction
        ends = torch.stack([foot - 3 * along, foot + 3 * along])  # (2, 2), beyond the view
        color, style = UNIT_COLORS[k % len(UNIT_COLORS)], plotting.LINE_STYLES[k % len(plotting.LINE_STYLES)]
        ax.plot(ends[:, 0], ends[:, 1], color=color, linestyle=style, linewidth=2,
                label=f"unit {k} ({'+' if out[k] >= 0 else '-'})")
        ax.annotate("", xy=(foot + 0.2 * normal).tolist(), xytext=foot.tolist(),
                    arrowprops={"arrowstyle": "->", "color": color, "linewidth": 1.5})
    ax.set(xlim=(plotting.LO, plotting.HI), ylim=(plotting.LO, plotting.HI), aspect="equal", title=title)
    plotting.legend_below(ax, ncol=2, title="unit (sign of its output weight)")
    return fig


def hidden_space(model: SimpleClassifier, X: torch.Tensor, y: torch.Tensor,
                 title: str = "The samples in hidden space") -> Figure:
    """Scatter the samples by the output logit ``v . h + c`` (x axis) and, across it, the
    direction of hidden space orthogonal to ``v`` along which the samples spread most.

    A vertical line at logit 0 is the output unit's boundary: a single threshold.

    Args:
        model (SimpleClassifier): a classifier with 2 inputs and 1 output.
        X (Tensor): the samples, mapped into hidden space.
        y (Tensor): their labels, 0 or 1.
        title (str): the axes' title.

    Returns:
        Figure: one axes, the samples and the threshold line.

    Shape:
        - X: ``(N, 2)``.
        - y: ``(N,)``.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib import SimpleClassifier, XORDataset
        >>> from xorlib.figures import hidden_units
        >>> data = XORDataset(20, seed=0)
        >>> fig = hidden_units.hidden_space(SimpleClassifier(2, 3, 1), data.X, data.y)
        >>> fig.axes[0].get_title()
        'The samples in hidden space'
        >>> plt.close(fig)
    """
    h = activations(model, X)  # (N, hidden)
    v = model.linear2.weight.detach().cpu()[0]  # (hidden,)
    logit = h @ v + model.linear2.bias.detach().cpu()  # (N,)
    across = torch.zeros(len(h))
    if h.shape[1] > 1:  # one unit leaves no direction across v
        unit_v = v / v.norm()
        rest = h - h.mean(0) - torch.outer((h - h.mean(0)) @ unit_v, unit_v)  # (N, hidden), v removed
        direction = torch.linalg.svd(rest, full_matrices=False).Vh[0]  # (hidden,), most spread
        direction *= torch.sign(direction[direction.abs().argmax()])  # a fixed sign for the picture
        across = h @ direction
    fig, ax = plotting.figure(figsize=(5, 4))
    plotting.scatter(ax, torch.stack([logit, across], dim=1), y.detach().cpu(), legend=False)
    ax.axvline(0, color="#333333", linewidth=1.2, label="threshold: logit 0")
    ax.set(xlabel="output logit $v \\cdot h + c$", ylabel="across: spread orthogonal to $v$",
           title=title)
    plotting.legend_below(ax)
    return fig

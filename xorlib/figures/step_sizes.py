"""The learning rate, explained in chapter 9 (``09_learning_rate``).

``quadratic_descent`` runs gradient descent on f(w) = L/2 w^2, where each step
multiplies w by (1 - lr L); ``final_losses`` and ``saturation`` score the models
of a ``sweep``; ``train_with`` trains one model with any torch optimizer; ``lines``
and ``strip`` draw with the legend outside the axes, where it covers no data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.nn import functional as F

from xorlib import _checks
from xorlib.hardware import module_device, module_dtype
from xorlib.plotting import CLASS_COLORS, DPI, LINE_COLORS, LINE_STYLES
from xorlib.sweep_results import SweepResult
from xorlib.xordata import check_x, check_xy

__all__ = ["final_losses", "lines", "quadratic_descent", "saturation", "strip", "train_with"]

def quadratic_descent(curvature: float, lr: float, steps: int = 50, w0: float = 1.0) -> torch.Tensor:
    """Gradient descent on f(w) = curvature / 2 * w**2, whose gradient is curvature * w.

    Each step multiplies ``w`` by ``1 - lr * curvature``: it shrinks towards 0 when
    ``lr < 2 / curvature`` and grows, changing sign every step, beyond.

    Args:
        curvature (float): the second derivative ``L`` of f, > 0.
        lr (float): the learning rate, > 0.
        steps (int): the number of steps.
        w0 (float): the starting point.

    Returns:
        Tensor: the iterates ``w_0, ..., w_steps`` in float64.

    Shape:
        - Output: ``(steps + 1,)``.

    Example::

        >>> from xorlib.figures import step_sizes
        >>> step_sizes.quadratic_descent(curvature=4.0, lr=0.125, steps=3)  # factor 1 - 0.5
        tensor([1.0000, 0.5000, 0.2500, 0.1250], dtype=torch.float64)
        >>> step_sizes.quadratic_descent(4.0, 0.75, steps=2)  # factor 1 - 3: past 2 / L, it grows
        tensor([ 1., -2.,  4.], dtype=torch.float64)
    """
    curvature = _checks.number("curvature", curvature, positive=True)
    lr, w0 = _checks.number("lr", lr, positive=True), _checks.number("w0", w0, signed=True)
    factor = 1 - lr * curvature  # w - lr * curvature * w: the same factor every step
    return w0 * factor ** torch.arange(_checks.non_negative_int("steps", steps) + 1, dtype=torch.float64)


def _sweep(result: object) -> SweepResult:
    if not isinstance(result, SweepResult):
        raise TypeError(f"result must be a SweepResult (from xorlib.sweep), got {type(result).__name__}")
    return result


def _grid(result: SweepResult, values: torch.Tensor) -> torch.Tensor:  # (M,) -> (hidden, lr, seed)
    return values.view(len(result.hidden_sizes), len(result.lrs), len(result.seeds)).cpu()


def final_losses(result: SweepResult, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Each swept model's mean BCE loss on ``(X, y)``, as a grid (hidden size, lr, seed).

    Args:
        result (SweepResult): the models of ``xorlib.sweep``.
        X (Tensor): the samples every model is scored on.
        y (Tensor): their labels, 0 or 1.

    Returns:
        Tensor: the losses, on the CPU.

    Shape:
        - X: ``(N, 2)``.
        - y: ``(N,)``.
        - Output: ``(len(hidden_sizes), len(lrs), len(seeds))``.

    Example::

        >>> import xorlib
        >>> from xorlib.figures import step_sizes
        >>> data = xorlib.XORDataset(32, seed=0)
        >>> result = xorlib.sweep([1, 2], [0.1, 1.0], [0, 1, 2], data.X, data.y, num_epochs=2, batch_size=16)
        >>> step_sizes.final_losses(result, data.X, data.y).shape
        torch.Size([2, 2, 3])
    """
    check_xy(X, y, 2)
    logits = _sweep(result).logits(X)  # (M, N)
    targets = y.to(logits.device).float().expand_as(logits)  # (M, N): every model sees the same labels
    return _grid(result, F.binary_cross_entropy_with_logits(logits, targets, reduction="none").mean(dim=1))


def saturation(result: SweepResult, X: torch.Tensor, level: float = 0.99) -> torch.Tensor:
    """Share of each swept model's hidden activations with |tanh| > ``level``, where the slope
    1 - tanh^2 is nearly 0, as a grid (hidden size, lr, seed).

    Args:
        result (SweepResult): the models of ``xorlib.sweep``.
        X (Tensor): the samples whose activations are counted.
        level (float): the threshold on ``|tanh|``, between 0 and 1.

    Returns:
        Tensor: shares between 0 and 1 of each model's ``hidden * N`` activations, on the CPU.

    Shape:
        - X: ``(N, 2)``.
        - Output: ``(len(hidden_sizes), len(lrs), len(seeds))``.

    Example::

        >>> import xorlib
        >>> from xorlib.figures import step_sizes
        >>> data = xorlib.XORDataset(32, seed=0)
        >>> result = xorlib.sweep([1, 2], [0.1, 1.0], [0, 1, 2], data.X, data.y, num_epochs=2, batch_size=16)
        >>> shares = step_sizes.saturation(result, data.X, level=0.99)
        >>> shares.shape, bool(((0 <= shares) & (shares <= 1)).all())
        (torch.Size([2, 2, 3]), True)
    """
    result, level = _sweep(result), _checks.probability("level", level)
    check_x(X, 2)
    X = X.to(result.W1.device, torch.float32)
    h = torch.tanh(torch.einsum("nf,mhf->mnh", X, result.W1) + result.b1[:, None])  # (M, N, H)
    saturated = (h.abs() > level).sum(dim=(1, 2))  # (M,); a padded unit's h is tanh(0) = 0, never counted
    return _grid(result, saturated / (result.hidden * len(X)))  # shares of the real units' activations


def train_with(model: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor, y: torch.Tensor,
               num_epochs: int = 100, batch_size: int = 128, seed: int = 0) -> list[float]:
    """Train with ``optimizer`` on ``train_fast``'s batches (the same permutations) and BCE loss.

    Args:
        model (nn.Module): the model, mapping ``(B, num_inputs)`` to ``(B, 1)`` logits.
        optimizer (torch.optim.Optimizer): any torch optimizer over the model's parameters.
        X (Tensor): the samples.
        y (Tensor): their labels, 0 or 1.
        num_epochs (int): epochs to train.
        batch_size (int): samples per step.
        seed (int): the seed of the shuffling, as in ``train_fast``.

    Returns:
        list[float]: the mean loss of each epoch.

    Shape:
        - X: ``(N, num_inputs)``.
        - y: ``(N,)``.

    Example::

        >>> import torch
        >>> from xorlib import SimpleClassifier, XORDataset
        >>> from xorlib.figures import step_sizes
        >>> data = XORDataset(32, seed=0)
        >>> model = SimpleClassifier(2, 4, 1)
        >>> adam = torch.optim.Adam(model.parameters(), lr=0.02)
        >>> losses = step_sizes.train_with(model, adam, data.X, data.y, num_epochs=3, batch_size=16)
        >>> len(losses)
        3
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    num_epochs, batch_size = _checks.non_negative_int("num_epochs", num_epochs), _checks.positive_int(
        "batch_size", batch_size)
    check_xy(X, y, getattr(_checks.module("model", model), "sizes", {}).get("num_inputs"))
    X, y = X.to(module_device(model), module_dtype(model)), y.to(module_device(model)).float()
    generator = torch.Generator().manual_seed(_checks.seed("seed", seed))  # as train_fast draws them
    history = []
    model.train()
    for _ in range(num_epochs):
        perm = torch.randperm(len(X), generator=generator).to(X.device)  # (N,)
        losses = []
        for xb, yb in zip(X[perm].split(batch_size), y[perm].split(batch_size), strict=True):
            loss = F.binary_cross_entropy_with_logits(_checks.one_logit(model(xb), len(xb)), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        history.append(torch.stack(losses).mean())
    return torch.stack(history).tolist() if history else []


def lines(runs: Mapping[str, Sequence[float]], x: Sequence[float] | None = None, xlabel: str = "epoch",
          ylabel: str = "mean BCE loss", logx: bool = False, markers: bool = False) -> Figure:
    """One line per run on a log y axis, legend to the right of the axes, where it covers no curve.

    Args:
        runs (Mapping[str, Sequence[float]]): ``{label: values}``, one line each.
        x (Sequence[float], optional): the x value of each point; 1, 2, ... when ``None``.
        xlabel (str): the x axis' label.
        ylabel (str): the y axis' label.
        logx (bool): a log x axis too.
        markers (bool): a dot on each point.

    Returns:
        Figure: one axes.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> from xorlib.figures import step_sizes
        >>> fig = step_sizes.lines({"lr 0.1": [0.7, 0.6, 0.5], "lr 1": [0.7, 0.3, 0.1]})
        >>> len(fig.axes[0].lines), fig.axes[0].get_yscale()
        (2, 'log')
        >>> plt.close(fig)
    """
    if not isinstance(runs, Mapping) or not runs:
        raise TypeError(f"runs must be a non-empty dict {{label: values}}, got {runs!r:.60}")
    fig, ax = plt.subplots(figsize=(7, 3.3), dpi=DPI, layout="constrained")
    for i, (label, values) in enumerate(runs.items()):
        xs = range(1, len(values) + 1) if x is None else x
        ax.plot(xs, values, label=label, marker="o" if markers else None,
                color=LINE_COLORS[i % len(LINE_COLORS)], linestyle=LINE_STYLES[i % len(LINE_STYLES)])
    ax.set(xlabel=xlabel, ylabel=ylabel, yscale="log", xscale="log" if logx else "linear")
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))  # outside the axes: it hides no curve
    ax.grid(alpha=0.3)
    return fig


def strip(lrs: Sequence[float], losses: torch.Tensor, floor: float = 1e-5) -> Figure:
    """Every seed's final loss per learning rate (dots) and the median (bar), on log axes.

    Seeds sit side by side at each learning rate, without random jitter; losses below
    ``floor`` are drawn at it; a dotted line marks ln 2, the loss of a coin toss.

    Args:
        lrs (Sequence[float]): the learning rates, > 0.
        losses (Tensor): the final loss of each learning rate and seed.
        floor (float): the lowest loss drawn.

    Returns:
        Figure: one axes.

    Shape:
        - losses: ``(len(lrs), num_seeds)``.

    Example::

        >>> import matplotlib.pyplot as plt
        >>> import torch
        >>> from xorlib.figures import step_sizes
        >>> fig = step_sizes.strip([0.1, 1.0], torch.tensor([[0.6, 0.5, 0.7], [0.01, 0.69, 0.02]]))
        >>> fig.axes[0].get_xscale(), fig.axes[0].get_yscale()
        ('log', 'log')
        >>> plt.close(fig)
    """
    lrs = [_checks.number("lr", lr, positive=True) for lr in lrs]
    if not isinstance(losses, torch.Tensor) or losses.dim() != 2 or len(losses) != len(lrs):
        got = tuple(losses.shape) if isinstance(losses, torch.Tensor) else type(losses).__name__
        raise ValueError(f"losses must be a tensor of shape ({len(lrs)}, num_seeds), got {got}")
    losses = losses.detach().cpu().double().clamp(min=floor)
    spread = torch.linspace(0.85, 1.18, losses.shape[1]).double()  # seeds side by side, no random jitter
    fig, ax = plt.subplots(figsize=(7, 3.3), dpi=DPI, layout="constrained")
    ax.scatter((torch.tensor(lrs)[:, None] * spread).flatten(), losses.flatten(), s=22, c=CLASS_COLORS[0],
               edgecolors="#333333", linewidths=0.5, label="one seed")
    ax.scatter(lrs, losses.quantile(0.5, dim=1), s=400, marker="_", c="black", label="median")
    ax.axhline(math.log(2), color="#777777", linestyle=":", label="ln 2: no better than a coin")
    ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="final mean BCE loss")
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
    ax.grid(alpha=0.3)
    return fig

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


def quadratic_descent(curvature: float, lr: float, steps: int = 50, w0: float = 1.0) -> torch.Tensor:
    """Gradient descent on f(w) = curvature / 2 * w**2, whose gradient is curvature * w.

    Returns the iterates w_0, ..., w_steps in float64. Shape: ``(steps + 1,)``.
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
    """Each swept model's mean BCE loss on ``(X, y)``. Shape: ``(N, 2), (N,)`` ->
    ``(len(hidden_sizes), len(lrs), len(seeds))``."""
    check_xy(X, y, 2)
    logits = _sweep(result).logits(X)  # (M, N)
    targets = y.to(logits.device).float().expand_as(logits)  # (M, N): every model sees the same labels
    return _grid(result, F.binary_cross_entropy_with_logits(logits, targets, reduction="none").mean(dim=1))


def saturation(result: SweepResult, X: torch.Tensor, level: float = 0.99) -> torch.Tensor:
    """Share of each swept model's hidden activations with |tanh| > ``level``, where the slope
    1 - tanh^2 is nearly 0. Shape: ``X`` ``(N, 2)`` -> ``(len(hidden_sizes), len(lrs), len(seeds))``."""
    result, level = _sweep(result), _checks.probability("level", level)
    check_x(X, 2)
    X = X.to(result.W1.device, torch.float32)
    h = torch.tanh(torch.einsum("nf,mhf->mnh", X, result.W1) + result.b1[:, None])  # (M, N, H)
    saturated = (h.abs() > level).sum(dim=(1, 2))  # (M,); a padded unit's h is tanh(0) = 0, never counted
    return _grid(result, saturated / (result.hidden * len(X)))  # shares of the real units' activations


def train_with(model: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor, y: torch.Tensor,
               num_epochs: int = 100, batch_size: int = 128, seed: int = 0) -> list[float]:
    """``train_fast``'s batches (the same permutations), updated by ``optimizer.step()``.

    Returns the mean loss of each epoch. Shape: ``X`` ``(N, num_inputs)``, ``y`` ``(N,)`` of 0/1.
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
    """One line per run on a log y axis, legend to the right of the axes. ``x`` defaults to 1, 2, ..."""
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
    """Every seed's final loss per learning rate (dots) and the median (bar); log axes, losses
    below ``floor`` drawn at it. Shape: ``losses`` ``(len(lrs), num_seeds)``."""
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

"""Exercises for chapter 11 (``11_decision_boundaries``): the shape of a grid, where a boundary crosses a
line, and a linear model's boundary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from xorlib.classifier import SimpleClassifier
from xorlib.exercises._verdict import _call, _checker, _compare, _kind, _number, _require
from xorlib.exercises.ch08 import _shape_guess

# A prediction: xs of 5 values (x1) and ys of 3 (x2), meshgrid(xs, ys, indexing="xy"), then the two grids
# stacked on a new last axis. A hint says what an operation does, never the shape it gives.
_GRID_MISTAKES = {
    (5, 3, 2): "with indexing='xy' the rows follow the second input, as imshow wants them: which of xs and "
               "ys is that?",
    (2, 3, 5): "dim=-1 puts the new axis last, after the grid's two axes",
    (2, 5, 3): "dim=-1 puts the new axis last, after the grid's two axes",
    (15, 2): "stack adds an axis and keeps the grid's two; it flattens nothing (reshape would)",
    (3, 5): "stack adds a new axis for the two coordinates",
    (5, 3): "stack adds a new axis for the two coordinates",
}


@_checker("With indexing='xy' each grid has one row per value of the second input, ys (3), and one column "
          "per value of xs (5); stacking the two on a new last axis gives (3, 5, 2).")
def predict_11_grid_shape(guess: Any) -> None:
    """``xs`` of 5 values, ``ys`` of 3, ``xx1, xx2 = torch.meshgrid(xs, ys, indexing="xy")``: the shape of
    ``torch.stack([xx1, xx2], dim=-1)``, guessed before running it."""
    shape = _shape_guess(guess)
    _kind(guess, shape is not None, "a shape such as (2, 3) or torch.Size([2, 3])")
    _require(shape == (3, 5, 2), _GRID_MISTAKES.get(
        shape, "ask how many rows and columns each grid of meshgrid has, then where stack puts the new axis"))


# Applying the grid somewhere new: the point where a model's boundary crosses a horizontal line.


def _models() -> list[nn.Module]:
    """A 2-2-1 tanh network and a linear model, logit 4 x1 - 2 x2 - 1; each crosses 0.5 once per line."""
    linear = nn.Linear(2, 1)
    tanh_net = SimpleClassifier(2, 2, 1)  # refuses inputs that are not (N, 2)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[4.0, -2.0]]))
        linear.bias.fill_(-1.0)
        tanh_net.linear1.weight.copy_(torch.tensor([[3.0, 1.0], [0.5, -2.0]]))
        tanh_net.linear1.bias.copy_(torch.tensor([-1.5, 0.3]))
        tanh_net.linear2.weight.copy_(torch.tensor([[2.0, 0.4]]))
        tanh_net.linear2.bias.fill_(0.5)
    return [tanh_net, linear]


def _root(logit: Callable[[float], float], lo: float = -0.5, hi: float = 1.5) -> float:
    """The t in [lo, hi] where ``logit(t)`` changes sign, by bisection (the sign at lo differs from hi's)."""
    sign = logit(lo) > 0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if (logit(mid) > 0) == sign else (lo, mid)
    return (lo + hi) / 2


def _logit_at(model: nn.Module, x1: float, x2: float) -> float:
    with torch.no_grad():
        return model(torch.tensor([[x1, x2]])).item()


@_checker("The boundary is where P(class 1) = 0.5, the logit 0: evaluate the model on many points of the "
          "line in one batch and find where the probability passes 0.5.")
def check_11_crossing(fn: Callable) -> None:
    """``fn(model, x2)``: the ``x1`` in ``[-0.5, 1.5]`` where the model's P(class 1) is 0.5 on the horizontal
    line at height ``x2`` (it crosses 0.5 once there), to within 0.01. The model takes ``(N, 2)`` points."""
    _kind(fn, callable(fn), "a function fn(model, x2) returning a number")
    for model in _models():
        for x2 in (0.3, 0.9):
            want = _root(lambda t, m=model, h=x2: _logit_at(m, t, h))
            got = _number(_call(fn, model, x2, hint="the model takes a batch of points, (N, 2)"))
            if abs(got - want) <= 0.01:
                continue
            swapped = _root(lambda t, m=model, h=x2: _logit_at(m, h, t))
            shifted = _root(lambda t, m=model, h=x2: _logit_at(m, t, h) - 0.5)
            _require(abs(got - swapped) > 0.01, "that is where the vertical line x1 = x2 crosses: on the "
                     "horizontal line, x2 stays fixed and x1 varies, and each point is (x1, x2)")
            _require(abs(got - shifted) > 0.01,
                     "P(class 1) = 0.5 where the logit is 0, not where the logit is 0.5")
            _require(-0.5 <= got <= 1.5, f"the crossing lies in [-0.5, 1.5]; got {got:.3g}: return the x1 "
                                         "value, not its index among your points")
            _require(False, f"on the line x2 = {x2}, P(class 1) is 0.5 elsewhere than at x1 = {got:.3g}; "
                            "find where sigmoid(logit) passes 0.5 (or the logit passes 0)")


@_checker("A linear model's boundary is a straight line, which is why it cannot separate XOR.")
def check_11_linear_boundary(fn: Callable) -> None:
    """For a linear model with logit ``w1*x1 + w2*x2 + b``, ``fn(w1, w2, b, x1)`` returns the ``x2`` where
    P(class 1) = 0.5 (``w2`` is not 0)."""
    _kind(fn, callable(fn), "a function fn(w1, w2, b, x1) returning a number")
    for w1, w2, b, x1 in ((1.0, 2.0, -1.0, 0.3), (-0.5, 1.5, 0.2, 1.0), (2.0, -1.0, 0.5, -0.4)):
        _compare(_number(_call(fn, w1, w2, b, x1)), -(w1 * x1 + b) / w2,
                 [((w1 * x1 + b) / w2, "check the sign: x2 = -(w1*x1 + b) / w2"),
                  (-(w1 * x1 + b), "divide by w2 to solve for x2"),
                  (-w1 * x1 / w2 - b, "divide the bias by w2 too: x2 = -(w1*x1 + b) / w2"),
                  ((0.5 - w1 * x1 - b) / w2, "P = 0.5 where the logit is 0, not 0.5 (sigmoid(0) = 0.5)"),
                  (-(w2 * x1 + b) / w1, "solve for x2, whose weight is w2: x2 = -(w1*x1 + b) / w2")],
                 "P(class 1) = 0.5 where the logit w1*x1 + w2*x2 + b is 0; solve for x2")

"""Exercises for chapter 7 (``07_evaluation``) and chapter 11 (``11_decision_boundaries``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from xorlib import plotting
from xorlib.classifier import SimpleClassifier
from xorlib.exercises._verdict import _call, _checker, _compare, _kind, _number, _require, _tensor

# Chapter 7: evaluation

_LOGITS = torch.tensor([[2.0], [-1.0], [0.3], [-0.2], [0.2], [-3.0], [1.0], [0.1], [0.4], [-0.6]])
_LABELS = torch.tensor([1, 0, 1, 1, 1, 0, 0, 1, 1, 0])  # right answer 0.8; the mistakes below all differ


@_checker("sigmoid(logit) >= 0.5 is the same as logit >= 0; squeeze before comparing with y.")
def check_07_accuracy(fn: Callable) -> None:
    """``fn(logits, y)``: the fraction of correct predictions, from model outputs ``(N, 1)`` and labels
    ``(N,)``."""
    _kind(fn, callable(fn), "a function fn(logits, y) returning a float")
    pred = (_LOGITS >= 0).long()
    _compare(_number(_call(fn, _LOGITS.clone(), _LABELS.clone())), 0.8,
             [(((_LOGITS >= 0.5).long().squeeze(1) == _LABELS).float().mean(), "these are logits, not "
               "probabilities: threshold sigmoid(logits) at 0.5, i.e. the logits at 0"),
              ((pred == _LABELS).float().mean(), "(N, 1) == (N,) broadcasts to (N, N): squeeze(1) first"),
              (8, "divide the number correct by the number of samples"),
              (80, "return a fraction between 0 and 1, not a percentage"),
              (0.2, "that is the fraction wrong (the error rate)"),
              ((_LOGITS >= 0).float().mean(), "that is the fraction predicted as class 1: compare with y")],
             "predict 1 where sigmoid(logit) >= 0.5, compare with y, and take the mean")


@_checker("eval() changes layers like Dropout; only torch.no_grad() stops gradient tracking.")
def check_07_eval_mode(answer: Any) -> None:
    """True or False: after ``model.eval()``, outputs of ``model(X)`` no longer track gradients."""
    _kind(answer, isinstance(answer, bool), "True or False")
    _require(answer is False, "model.eval() only switches layers such as Dropout and BatchNorm to "
                              "inference behaviour; outputs still have requires_grad=True. "
                              "torch.no_grad() is what stops tracking")


# Chapter 11: decision boundaries


@_checker("The same grid as xorlib.plotting.boundary_image.")
def check_11_probability_grid(fn: Callable) -> None:
    """``fn(model, steps)``: P(class 1) on a ``steps x steps`` grid over ``[-0.5, 1.5]^2``, entry ``[i, j]``
    at ``x_1 = axis[j]``, ``x_2 = axis[i]`` with ``axis = torch.linspace(-0.5, 1.5, steps)``."""
    _kind(fn, callable(fn), "a function fn(model, steps) returning a (steps, steps) tensor")
    model = SimpleClassifier(2, 4, 1)  # refuses inputs that are not (N, 2)
    for steps in (7, 4):
        want = plotting.boundary_image(model, steps=steps)
        axis = torch.linspace(-0.5, 1.5, steps)
        x2, x1 = torch.meshgrid(axis, axis, indexing="ij")
        logits = model(torch.stack([x1, x2], dim=-1).reshape(-1, 2)).reshape(steps, steps).detach()
        got = _tensor(_call(fn, model, steps, hint="the model takes (N, 2): reshape the grid to (-1, 2)"))
        _require(got.numel() == steps**2, f"one value per grid point: {steps} x {steps} = {steps**2} for "
                                          f"steps={steps}, got {got.numel()}")
        _require(got.shape == (steps, steps), f"reshape to (steps, steps), got {tuple(got.shape)}")
        mistakes = [(want.T, "rows should follow x_2 and columns x_1 (imshow(origin='lower') then puts x_2 "
                             "upwards): meshgrid(axis, axis, indexing='ij') returns (x2, x1)"),
                    (logits, "apply torch.sigmoid to the logits to get probabilities"),
                    (1 - want, "that is P(class 0): sigmoid(logit) is P(class 1)"),
                    (plotting.boundary_image(model, 0.0, 1.0, steps),
                     "the grid spans [-0.5, 1.5], not [0, 1]")]
        _compare(got, want, mistakes, "evaluate the model at every (x_1, x_2) of the grid over [-0.5, 1.5]^2 "
                                      "and apply sigmoid")


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

"""Exercises for chapter 8 (``08_many_models``): the logits of stacked models in one batched product, and
the shape that ``vmap`` gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from xorlib.exercises._verdict import _call, _checker, _compare, _kind, _require, _tensor


def _one_model_at_a_time(W1, b1, W2, b2, X, act=torch.tanh) -> torch.Tensor:
    """(M, N): the logits of each stacked model, computed with a loop over the models."""
    logits = [act(X @ W1[m].T + b1[m]) @ W2[m].T + b2[m] for m in range(len(W1))]  # M x (N, 1)
    return torch.stack(logits).squeeze(2)


@_checker("One batched product serves every model; no loop over the models.")
def check_08_batched_logits(fn: Callable) -> None:
    """``fn(W1, b1, W2, b2, X)``: the logits ``(M, N)`` of ``M`` stacked 2-H-1 tanh models on ``X``."""
    _kind(fn, callable(fn), "a function fn(W1, b1, W2, b2, X) returning an (M, N) tensor")
    for M, H, N in ((3, 4, 5), (2, 6, 7)):  # two sizes: nothing may be hard-coded
        W1, b1 = torch.randn(M, H, 2), torch.randn(M, H)
        W2, b2 = torch.randn(M, 1, H), torch.randn(M, 1)
        X = torch.randn(N, 2)
        want = _one_model_at_a_time(W1, b1, W2, b2, X)
        got = _tensor(_call(fn, W1.clone(), b1.clone(), W2.clone(), b2.clone(), X.clone()))
        _require(got.shape != (M, N, 1), "drop the last axis of size 1: return (M, N)")
        _require(got.shape != (N, M), "put the models first: (M, N), one row per model")
        _require(got.shape == (M, N), f"expected one logit per model and point, (M, N) = {(M, N)}, "
                                      f"got {tuple(got.shape)}")
        zero, linear = torch.zeros_like, (lambda t: t)
        _compare(got, want,
                 [(_one_model_at_a_time(W1, b1, W2, b2, X, act=linear), "apply tanh in the hidden layer"),
                  (_one_model_at_a_time(W1, zero(b1), W2, b2, X), "add the hidden bias b1 (shape (M, H))"),
                  (_one_model_at_a_time(W1, b1, W2, zero(b2), X), "add the output bias b2 (shape (M, 1))")],
                 "model m computes tanh(X @ W1[m].T + b1[m]) @ W2[m].T + b2[m]; do that for all m at once")


def _shape_guess(value: Any) -> tuple[int, ...] | None:
    """``value`` as a shape tuple (a tuple, list or ``torch.Size`` of ints), or None."""
    if not isinstance(value, (tuple, list)):
        return None
    return tuple(value) if all(isinstance(n, int) and not isinstance(n, bool) for n in value) else None


# A prediction: five stacked 2-8-1 models, vmap over their parameters, 100 points shared by all.
# A hint says what vmap or the model does, never the shape that results.
_STACKS = "vmap runs logits_of once per model and stacks the results: the models' axis is in the output too"
_VMAP_MISTAKES = {
    (100, 1): _STACKS,
    (100,): _STACKS,
    (5, 100): "look again at what a SimpleClassifier returns for a batch of points: vmap keeps each call's "
              "result whole",
    (100, 5, 1): "vmap puts the axis it maps over first, unless told otherwise (out_dims)",
    (100, 5): "vmap puts the axis it maps over first, unless told otherwise (out_dims)",
    (5, 8, 2): "that is the shape of a stacked weight in params; the question asks for the models' output",
    (5, 1): "each model sees all 100 points, as in_dims=None says for X",
    (5, 2): "each model returns logits, not points",
}


@_checker("vmap calls logits_of for each of the 5 models, each returning (100, 1), and stacks the results "
          "along a new first axis: (5, 100, 1).")
def predict_08_vmap_shape(guess: Any) -> None:
    """Five stacked ``SimpleClassifier(2, 8, 1)``; ``vmap(logits_of, in_dims=(0, None))(params, X)`` with
    ``X`` of shape ``(100, 2)`` and ``logits_of(p, X) = functional_call(skeleton, p, (X,))``: the output's
    shape, guessed before running it."""
    shape = _shape_guess(guess)
    _kind(guess, shape is not None, "a shape such as (2, 3) or torch.Size([2, 3])")
    _require(shape == (5, 100, 1), _VMAP_MISTAKES.get(
        shape, "ask what one model returns for the 100 points, and where vmap puts the axis of the models"))

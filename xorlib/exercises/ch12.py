"""Exercises for chapter 12 (``12_more_classes``): shapes, accuracy, two classes, a loop that cannot learn."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from xorlib.classifier import SimpleClassifier
from xorlib.exercises._verdict import (
    _call,
    _checker,
    _compare,
    _kind,
    _number,
    _require,
    _same_params,
    _tensor,
)
from xorlib.figures.multiclass import CornerDataset

# A prediction: logits of shape (6, 4) and labels (6,). The expressions, their shapes, and the hint for
# each plausible wrong guess (a hint says what the operation does, never the shape it gives).
_EXPRESSIONS = ("logits.softmax(dim=1).sum(dim=1)", "logits.argmax(dim=0)",
                "nn.CrossEntropyLoss()(logits, y)", "nn.CrossEntropyLoss(reduction='none')(logits, y)")
_SHAPES = ((6,), (4,), (), (6,))
_KEEPS = "sum(dim=1) removes dimension 1 only; dimension 0, the points, stays"
_DROPS = "argmax removes the dimension it searches (unless keepdim=True)"
_SHAPE_MISTAKES: tuple[dict[tuple[int, ...], str], ...] = (
    {(6, 4): "sum(dim=1) adds up each row, removing dimension 1", (4,): "dim=1 is the classes: the sum runs "
     "along each row, one sum per point", (): _KEEPS, (1,): _KEEPS},
    {(6,): "dim=0 runs down each column, over the points: one answer per column, that is per class",
     (1, 4): _DROPS, (6, 1): _DROPS, (6, 4): _DROPS},
    {(6,): "by default the loss is the mean over the batch: a single number",
     (1,): "a single number is a 0-dim tensor, and a 0-dim tensor's shape has no entries"},
    {(): "reduction='none' keeps one loss per point instead of averaging",
     (6, 4): "cross-entropy charges each point for its true class only: one loss per point"},
)


def _shape(value: Any) -> tuple[int, ...] | None:
    """``value`` as a shape tuple, or None if it is not a sequence of ints (``torch.Size`` is one)."""
    if not isinstance(value, (tuple, list)):
        return None
    return tuple(value) if all(isinstance(n, int) and not isinstance(n, bool) for n in value) else None


@_checker("Softmax keeps the shape; a sum or an argmax over a dimension removes it; the mean loss is 0-dim.")
def predict_12_shapes(guess: Any) -> None:
    """Logits ``(6, 4)``, labels ``(6,)``: the shapes of ``logits.softmax(dim=1).sum(dim=1)``,
    ``logits.argmax(dim=0)``, ``nn.CrossEntropyLoss()(logits, y)`` and
    ``nn.CrossEntropyLoss(reduction='none')(logits, y)``, guessed before running them: four shapes."""
    _kind(guess, isinstance(guess, (tuple, list)) and len(guess) == 4
          and all(_shape(g) is not None for g in guess), "four shapes such as ((6, 4), (6,), (), (1,))")
    for i, (got, want) in enumerate(zip(map(_shape, guess), _SHAPES, strict=True)):
        hint = _SHAPE_MISTAKES[i].get(got, "ask which dimensions the operation keeps and which it removes")
        _require(got == want, f"shape {i + 1}, of {_EXPRESSIONS[i]}: {hint}")


# Accuracy from (N, C) logits: the argmax over each row differs from the argmax down each column,
# and the right answer (4 of 6) differs from every mistake below.
_LOGITS = torch.tensor([[2.0, 0.1, -1.0, 0.3], [0.5, 1.5, 0.2, -0.4], [-0.3, 0.9, 0.4, 0.6],
                        [0.0, -2.0, 3.0, 0.8], [1.0, 0.2, 0.1, 0.0], [0.2, 2.5, 0.3, 0.1]])
_LABELS = torch.tensor([0, 1, 2, 2, 3, 1])
_ROWS = "take the argmax over dim=1, the classes: one predicted class per point, then compare with y"


@_checker("The argmax of each row is the predicted class; the mean of the matches is the accuracy.")
def check_12_accuracy(fn: Callable) -> None:
    """``fn(logits, y)``: the fraction of points whose largest logit is their class, for logits ``(N, C)``
    and int64 labels ``(N,)``."""
    _kind(fn, callable(fn), "a function fn(logits, y) returning a number")
    for logits, y in ((_LOGITS[:4], _LABELS[:4]), (_LOGITS, _LABELS)):  # square first: dim=0 runs too
        right = (logits.argmax(dim=1) == y).float().mean()
        columns = (logits.argmax(dim=0) == y).float().mean() if logits.shape[0] == logits.shape[1] else -1
        _compare(_number(_call(fn, logits.clone(), y.clone(), hint=_ROWS)), right,
                 [(columns, "argmax(dim=0) picks a point for each class; " + _ROWS),
                  (100 * right, "return a fraction between 0 and 1, not a percentage"),
                  (1 - right, "that is the fraction wrong (the error rate)"),
                  ((logits.argmax(dim=1) == y).sum(), "divide the number right by the number of points")],
                 "predict the class with the largest logit for each point, compare with y, take the mean")


# Two classes: logits (N, 2) whose cross-entropy is the binary cross-entropy of the logit z.
_PROBABILITIES = ("those are probabilities, and the loss applies a softmax itself: give it logits "
                  "(log-probabilities are logits too)")


def _two_class_losses(logits: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of ``(N, 2)`` logits for label 0 and for label 1, as ``(2, N)``."""
    n = len(logits)
    return torch.stack([F.cross_entropy(logits, torch.full((n,), k), reduction="none") for k in (0, 1)])


@_checker("Only the difference of the two logits matters, and for class 1 against class 0 it is z.")
def check_12_two_classes(fn: Callable) -> None:
    """``fn(z)``: for binary logits ``z`` ``(N,)``, logits ``(N, 2)`` whose cross-entropy equals
    ``F.binary_cross_entropy_with_logits(z, y.float())`` for every label ``y``, even for ``|z|`` of 60."""
    _kind(fn, callable(fn), "a function fn(z) returning an (N, 2) tensor of logits")
    moderate, large = 3 * torch.randn(8), torch.tensor([30.0, -30.0, 60.0, -60.0])
    for z in (moderate, large):
        got = _tensor(_call(fn, z.clone()))
        _require(got.shape != (2, len(z)), "one row per point and one column per class: stack along dim=1 "
                                           f"to get ({len(z)}, 2), not (2, {len(z)})")
        _require(got.shape == (len(z), 2), f"return ({len(z)}, 2) logits, got {tuple(got.shape)}")
        _require(got.is_floating_point(), f"logits are floats, got {got.dtype}")
        want = torch.stack([F.binary_cross_entropy_with_logits(z, torch.full_like(z, k), reduction="none")
                            for k in (0.0, 1.0)])  # (2, N): label 0, label 1
        losses = _two_class_losses(got.float())
        _require(bool(torch.isfinite(losses).all()) or z is moderate,
                 "right for small z, wrong for large: 1 - sigmoid(z) rounds to 0 for z of 30 and its log to "
                 "-inf; F.logsigmoid(-z) and F.logsigmoid(z) stay finite, or use no sigmoid at all")
        p, zeros = torch.sigmoid(z), torch.zeros_like(z)
        _compare(losses, want,
                 [(_two_class_losses(torch.stack([z, zeros], dim=1)), "class 1 is column 1: its logit is the "
                   "one that must grow with z"),
                  (_two_class_losses(torch.stack([-z, z], dim=1)), "only the difference between the two "
                   "logits counts, and it must be z; yours is 2z"),
                  (_two_class_losses(torch.stack([1 - p, p], dim=1)), _PROBABILITIES),
                  (_two_class_losses(torch.stack([zeros, p], dim=1)), _PROBABILITIES)],
                 "the softmax of the two logits must give class 1 the probability sigmoid(z)")


# Debugging: a full-batch Adam loop with two mistakes (softmax before the loss; zero_grad between
# backward and step). The learner's fixed loop must take Adam's steps on the cross-entropy of the logits.
_LOOP = ("CrossEntropyLoss takes the logits (N, C) and the labels as they are: int64 class indices of "
         "shape (N,), not y.float()")
_SOFTMAX = ("the loss still gets probabilities: F.cross_entropy applies the softmax itself, so a softmax "
            "before it squashes every step; give it the raw logits")
_WIPED = ("the parameters never moved: zero_grad() between backward() and step() wipes the gradients "
          "before the step can use them; clear them before backward()")


def _adam_losses(model: nn.Module, X: torch.Tensor, y: torch.Tensor, num_epochs: int, lr: float,
                 softmax: bool = False) -> list[float]:
    """The loop as it should be (or, with ``softmax``, with only the zero_grad mistake fixed)."""
    optimizer, losses = torch.optim.Adam(model.parameters(), lr=lr), []
    for _ in range(num_epochs):
        logits = model(X)
        loss = F.cross_entropy(torch.softmax(logits, dim=1) if softmax else logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@_checker("Adam now steps on the gradients of the cross-entropy of the raw logits.")
def debug_12_training_loop(fn: Callable) -> None:
    """``fn(model, X, y, num_epochs, lr)``: the chapter's broken full-batch loop, fixed. It trains ``model``
    with ``torch.optim.Adam`` on the cross-entropy of its logits ``(N, C)`` against ``y`` ``(N,)`` and returns
    each epoch's loss."""
    _kind(fn, callable(fn), "a function fn(model, X, y, num_epochs, lr) returning a list of losses")
    data = CornerDataset(64, seed=0)
    X, y = data.X, data.y  # (64, 2), (64,) classes 0 to 3
    torch.manual_seed(1)
    relu = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 4))
    for model, num_epochs in ((SimpleClassifier(2, 8, 4), 3), (relu, 2)):
        before, ref, soft = copy.deepcopy(model), copy.deepcopy(model), copy.deepcopy(model)
        got = _call(fn, model, X.clone(), y.clone(), num_epochs, 0.05, hint=_LOOP)
        want = _adam_losses(ref, X, y, num_epochs, 0.05)
        softened = _adam_losses(soft, X, y, num_epochs, 0.05, softmax=True)
        _require(isinstance(got, (list, tuple)), f"return the list of losses, got {type(got).__name__}")
        got = [_number(v) for v in got]
        _require(len(got) == num_epochs, f"one loss per epoch: {num_epochs} for num_epochs={num_epochs}, "
                                         f"got {len(got)}")
        _require(not _same_params(before, model), _WIPED)
        _require(not _same_params(soft, model), _SOFTMAX)
        _require(_same_params(ref, model), "the steps differ from Adam on the cross-entropy of the raw "
                                           "logits: keep Adam(model.parameters(), lr=lr) and the full batch, "
                                           "and fix the two mistakes only")
        _compare(got, want, [(softened, _SOFTMAX)], "return each epoch's loss.item(), computed before its "
                                                    "step")

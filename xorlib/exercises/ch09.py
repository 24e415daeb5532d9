"""Exercises for chapter 9 (``09_learning_rate``): gradient descent on a parabola, a momentum loop with
two bugs, and the best learning rate for the full batch."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch.nn import functional as F

from xorlib.classifier import SimpleClassifier
from xorlib.exercises._verdict import _call, _checker, _kind, _number, _require, _same_params

# A prediction: three steps of gradient descent with lr 0.15 on f(w) = 5 w^2 (curvature L = 10), from
# w = 1. A hint names the rule to apply, never the value it gives.
_FACTOR = "each step multiplies w by the same factor, 1 - lr * L, with L the curvature (here 10)"
_PARABOLA_MISTAKES = (
    (0.125, "follow the sign of w from step to step: on which side of the minimum does each step land?"),
    (-0.5, "that is after one step; the loop takes three"),
    (0.25, "that is after two steps; the loop takes three"),
    (3.375, _FACTOR), (-3.375, _FACTOR), (0.0, "w does not land exactly on the minimum: " + _FACTOR),
)


@_checker("Each step multiplies w by 1 - lr * L = 1 - 0.15 * 10 = -0.5: w goes 1, -0.5, 0.25, -0.125, "
          "jumping past the minimum every step but closer each time, since lr < 2/L = 0.2.")
def predict_09_parabola(guess: Any) -> None:
    """``w = 1``, then three times: ``(5 * w**2).backward()``, ``w -= 0.15 * w.grad``, ``w.grad = None``; what
    does ``round(w.item(), 4)`` print? Guessed before running it."""
    value = _number(guess, answer=True)
    if abs(value + 0.125) < 1e-4:
        return
    _require(False, next((hint for wrong, hint in _PARABOLA_MISTAKES if abs(value - wrong) < 1e-4),
                         _FACTOR + "; apply it three times"))


# A debugging exercise: a momentum loop that does not learn. It makes a new optimizer at every step (which
# forgets the velocity) and clears the gradients between backward() and step() (which then has nothing).


def _xor(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    X = torch.rand(n, 2)  # (n, 2) in the unit square
    return X, ((X[:, 0] > 0.5) ^ (X[:, 1] > 0.5)).long()


def _momentum_run(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, num_epochs: int, batch_size: int,
                  lr: float, fresh: bool = False, zero: str = "before") -> torch.nn.Module:
    """The fixed loop, in order over the batches; ``fresh``: a new optimizer each step; ``zero``: where
    zero_grad goes ("before" backward, "after" backward, or "never")."""
    model = copy.deepcopy(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(num_epochs):
        for start in range(0, len(X), batch_size):
            if fresh:
                optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
            logits = model(X[start:start + batch_size]).squeeze(dim=1)
            loss = F.binary_cross_entropy_with_logits(logits, y[start:start + batch_size].float())
            if zero == "before":
                optimizer.zero_grad()
            loss.backward()
            if zero == "after":
                optimizer.zero_grad()
            optimizer.step()
    return model


@_checker("The velocity lives in the optimizer, so it is made once, before the loop; zero_grad() goes "
          "before backward(), so that step() uses this batch's gradient and only this one.")
def debug_09_momentum(fn: Callable) -> None:
    """``fn(model, X, y, num_epochs, batch_size, lr)`` trains ``model`` in place with SGD and momentum 0.9 on
    ``BCEWithLogitsLoss``, taking the batches of ``X`` and ``y`` in order."""
    _kind(fn, callable(fn), "a function fn(model, X, y, num_epochs, batch_size, lr)")
    X, y = _xor(96)
    start = SimpleClassifier(2, 4, 1)
    args = (X, y, 3, 32, 0.1)
    model = copy.deepcopy(start)
    _call(fn, model, X.clone(), y.clone(), *args[2:], hint="the logits (B, 1) need .squeeze(dim=1) to match "
          "the labels (B,), and the labels must be floats")
    if _same_params(model, _momentum_run(start, *args)):
        return
    _require(not _same_params(model, start), "the parameters never moved: when step() runs, what is left of "
             "the gradients that backward() computed?")
    _require(not _same_params(model, _momentum_run(start, *args, fresh=True)),
             "the model now learns, but exactly like plain SGD: momentum's running sum of gradients is kept "
             "by the optimizer, and a new optimizer starts again from zero")
    _require(not _same_params(model, _momentum_run(start, *args, zero="never")),
             "the gradients pile up from one step to the next: backward() adds into .grad")
    _require(not _same_params(model, _momentum_run(start, *args, fresh=True, zero="never")),
             "two things are off: the gradients pile up (backward() adds into .grad), and each step starts a "
             "new optimizer, whose velocity starts from zero")
    _require(False, "the parameters moved unlike SGD with momentum 0.9 over the batches in order; keep the "
                    "given loop (no shuffling) and fix only what is wrong")


# Applying the learning rate somewhere new: the rate the full batch needs, over four seeds. The answer is
# what xorlib.sweep([4], _FULL_BATCH_RATES, range(4), X, y, batch_size=2500) gives on XORDataset(2500, seed=1)
# (tests/test_exercises.py runs it): medians about 0.64, 0.12, 0.015 and above 1.
_FULL_BATCH_RATES = (0.3, 1.0, 3.0, 10.0)
_FULL_BATCH_BEST = 3.0
_RATE_MISTAKES = {
    1.0: "1 was the best of the rates the chapter tried for the full batch; among these four, compare the "
         "median final loss of every rate",
    0.3: "at 0.3 the full batch is still near ln 2 after its 100 steps: compare the median final loss of "
         "every rate",
    10.0: "at 10 the steps overshoot and the losses end far above ln 2: pick the rate whose median loss is "
          "lowest",
}


@_checker("One step per epoch makes 100 epochs only 100 steps; a larger rate makes up for it, up to where "
          "the steps overshoot (10). The rate that suits one batch size does not suit another.")
def check_09_full_batch_rate(answer: Any) -> None:
    """Of the learning rates 0.3, 1, 3 and 10, the one with the lowest median final loss over seeds 0 to 3
    when the 2-4-1 model trains on the full batch (2,500 samples, one step per epoch) for 100 epochs."""
    lr = _number(answer, answer=True)
    _require(any(abs(lr - r) < 1e-9 for r in _FULL_BATCH_RATES), "answer one of the rates 0.3, 1, 3 and 10")
    _require(abs(lr - _FULL_BATCH_BEST) < 1e-9,
             _RATE_MISTAKES.get(lr, "compare the median final loss of every rate and pick the lowest"))

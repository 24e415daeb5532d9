"""Exercises for chapter 5 (``05_optimization``) and chapter 6 (``06_training``)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch.nn import functional as F

from xorlib.classifier import SimpleClassifier
from xorlib.exercises._verdict import (
    _call,
    _checker,
    _close,
    _compare,
    _kind,
    _number,
    _require,
    _same_params,
    _tensor,
)
from xorlib.xordata import XORDataset, make_loader

# Chapter 5: optimization

_STEP_HINT = "the logits are (N, 1): .squeeze(1) them to match y (N,); the target must be float: y.float()"
_SAFE = ("right for small logits, wrong for large ones: sigmoid followed by BCELoss (or a log) saturates, as "
         "sigmoid(z) rounds to 1.0 above about 17; give the raw logits to nn.BCEWithLogitsLoss (chapter 5)")


def _confident() -> SimpleClassifier:
    """A model whose logits are all near +40, so that the class-0 points are confidently wrong."""
    model = SimpleClassifier(2, 4, 1)
    with torch.no_grad():
        model.linear2.bias.fill_(40.0)
    return model


def _reference(model: SimpleClassifier, batches: Iterable, num_epochs: int, lr: float) -> list[list[tuple]]:
    """SGD on BCEWithLogitsLoss as in train_model: (loss, batch size) of every step, epoch by epoch."""
    optimizer, epochs = torch.optim.SGD(model.parameters(), lr=lr), []
    for _ in range(num_epochs):
        epochs.append([])
        for X, y in batches:
            loss = F.binary_cross_entropy_with_logits(model(X).squeeze(1), y.float())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epochs[-1].append((loss.item(), len(y)))
    return epochs


@_checker("The gradients are cleared before backward(), and the step comes after it.")
def check_05_training_step(fn: Callable) -> None:
    """``fn(model, optimizer, X, y)`` does one SGD step on ``BCEWithLogitsLoss`` and returns the loss as a
    float. ``X`` is ``(N, 2)``, ``y`` ``(N,)`` int64 labels as in ``XORDataset``."""
    _kind(fn, callable(fn), "a function step(model, optimizer, X, y) returning a float")
    data = XORDataset(64, seed=0)
    X, y = data.X, data.y  # (64, 2), (64,)
    for model, steps, large in ((SimpleClassifier(2, 4, 1), 2, False), (_confident(), 1, True)):
        ref, opt = copy.deepcopy(model), torch.optim.SGD(model.parameters(), lr=0.5)
        for i in range(steps):
            before, logits = copy.deepcopy(model), ref(X).squeeze(1).detach()
            loss = _call(fn, model, opt, X.clone(), y.clone(), hint=_STEP_HINT)
            want = _reference(ref, [(X, y)], 1, 0.5)[0][0][0]
            _compare(_number(loss), want,
                     [(F.binary_cross_entropy_with_logits(logits.sigmoid(), y.float()).item(),
                       "BCEWithLogitsLoss applies the sigmoid itself: give it the raw logits")],
                     _SAFE if large else "return the loss of this batch, computed before the step")
            _require(not _same_params(before, model),
                     "the parameters did not change: call loss.backward() then optimizer.step(), and "
                     "optimizer.zero_grad() before backward (not between backward and step)")
            hint = ("the first step was right but the second was not: did you zero the gradients? backward() "
                    "adds to .grad" if i else
                    "the parameters moved unlike one SGD step on BCEWithLogitsLoss()(logits, y.float())")
            _require(_same_params(model, ref), _SAFE if large else hint)
        _require(isinstance(loss, float), f"return loss.item(), a Python float, not a {type(loss).__name__}")


@_checker("Log-sigmoid never overflows: for any logit, the loss stays finite.")
def check_05_bce(fn: Callable) -> None:
    """``fn(logits, targets)`` returns the mean binary cross-entropy of ``(N,)`` logits against ``(N,)``
    float 0/1 targets, like ``F.binary_cross_entropy_with_logits``, and stays finite for logits of +-100."""
    _kind(fn, callable(fn), "a function fn(logits, targets) returning a 0-dim tensor")
    large = torch.tensor([100.0, -100, 100, -100, 30, -30, 30, -30, 200, -200])  # right and wrong side
    for z, t, otherwise in (
            (3 * torch.randn(8), torch.randint(0, 2, (8,)).float(),
             "loss = mean of -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]"),
            (large, torch.tensor([0.0, 1, 1, 0, 1, 0, 0, 1, 0, 1]),
             "right for small logits, wrong for large ones: a confidently wrong logit z costs about |z|, "
             "which a clamped sigmoid or log (as in BCELoss) cannot give; use max(z, 0) - z*y + "
             "log1p(exp(-|z|))")):
        got, want = _tensor(_call(fn, z.clone(), t.clone())), F.binary_cross_entropy_with_logits(z, t)
        per_sample = F.binary_cross_entropy_with_logits(z, t, reduction="none")
        _require(not _close(got, per_sample), "average the per-sample losses: return their mean")
        _require(got.shape == (), f"return a single number (a 0-dim tensor), got shape {tuple(got.shape)}")
        _require(bool(torch.isfinite(got)), "overflow: for logits of +-100, sigmoid rounds to exactly 0 or 1 "
                 "(or exp(100) overflows), so a log gives inf or nan. Stable form: "
                 "max(z, 0) - z*y + log1p(exp(-|z|))")
        _compare(got, want, [(per_sample.sum(), "average over the samples, don't sum")], otherwise)


# Chapter 6: training


@_checker("ceil(2500 / 128) = 20 steps: 19 full batches and one of 68.")
def check_06_epoch_count(answer: Any) -> None:
    """2500 samples, ``batch_size=128``, default DataLoader: how many optimizer steps make one epoch?"""
    _compare(_number(answer, answer=True), 20,
             [(19, "the last, smaller batch (2500 - 19 * 128 = 68 samples) is a step too (no drop_last)"),
              (2500 / 128, "count whole batches, rounding up: math.ceil(2500 / 128)"),
              (2500, "one step per batch, not per sample"),
              (2000, "2,000 steps is 100 epochs; one epoch is one pass over the 2,500 samples")],
             "one step per batch: how many batches of 128 cover 2500 samples?")


@_checker("The loop matches xorlib.train_model step for step.")
def check_06_train_loop(fn: Callable) -> None:
    """``fn(model, loader, num_epochs, lr)`` trains with SGD on ``BCEWithLogitsLoss`` and returns a list with
    each epoch's mean batch loss: the sum of its batches' ``loss.item()`` divided by ``len(loader)``."""
    _kind(fn, callable(fn), "a function train(model, loader, num_epochs, lr) returning a list of floats")
    data = XORDataset(100, seed=0)  # batches of 32, 32, 32 and 4: the last one is smaller
    for model, num_epochs, large in ((SimpleClassifier(2, 4, 1), 3, False), (_confident(), 1, True)):
        ref, before = copy.deepcopy(model), copy.deepcopy(model)
        got = _call(fn, model, make_loader(data, 32, seed=0), num_epochs, 0.1, hint=_STEP_HINT)
        steps = _reference(ref, make_loader(data, 32, seed=0), num_epochs, 0.1)
        _require(isinstance(got, (list, tuple)), f"return a list of losses, got {type(got).__name__}")
        got = [_number(v) for v in got]
        _require(len(got) != 4 * num_epochs, "that is one loss per batch; average them, one value per epoch")
        _require(len(got) == num_epochs, f"return one mean loss per epoch: {num_epochs} values for "
                                         f"num_epochs={num_epochs}, got {len(got)}")
        sums = [sum(loss for loss, _ in epoch) for epoch in steps]
        want = [total / 4 for total in sums]
        _require(not large or (_close(got, want) and _same_params(model, ref)), _SAFE)
        _require(not _same_params(before, model),
                 "the parameters did not move: call loss.backward() and optimizer.step() for every batch")
        _require(_same_params(model, ref),
                 "the trained parameters differ from plain SGD(model.parameters(), lr=lr) on "
                 "BCEWithLogitsLoss: check zero_grad before backward, and that the loss gets the raw logits")
        _compare(got, want, [
            (sums, "average the batch losses of an epoch; you summed them"),
            ([sum(loss * n for loss, n in epoch) / 100 for epoch in steps], "that is the mean per sample "
             "(batches weighted by size); the exercise asks for the mean of the batch losses: / len(loader)"),
            ([total / 100 for total in sums], "divide by the number of batches, len(loader), not of samples"),
            ([total / 3 for total in sums], "the last, smaller batch is a batch too: len(loader) is 4 here, "
             "not 100 // 32"),
            ([epoch[-1][0] for epoch in steps], "that is the last batch's loss; average all the batches")],
            "each value should be the mean of that epoch's batch losses (loss.item() before each step)")

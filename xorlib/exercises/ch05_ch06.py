"""Exercises for chapter 5 (``05_optimization``) and chapter 6 (``06_training``)."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from xorlib.checkpoints import load_checkpoint, save_checkpoint
from xorlib.classifier import SimpleClassifier
from xorlib.exercises._verdict import (
    _call,
    _checker,
    _close,
    _compare,
    _kind,
    _NotYet,
    _number,
    _require,
    _same_params,
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


def _reference(model: nn.Module, batches: Iterable, num_epochs: int, lr: float) -> list[list[tuple]]:
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


@_checker("Without zero_grad() the second backward() adds 2 * (1.4 - 3) = -3.2 to the first gradient, -4, "
          "so the second step moves w by 0.1 * 7.2 = 0.72: from 1.4 to 2.12 (with zero_grad(): 1.72).")
def predict_05_two_steps(answer: Any) -> None:
    """Your guess: what the exercise's two SGD steps on ``(w - 3) ** 2`` from ``w = 1``, lr 0.1 and no
    ``zero_grad()``, print for ``w``."""
    got = _number(answer, answer=True)
    _require(not _close(got, 1.72), "not quite: what does w.grad hold when the second step is taken?")
    _require(not _close(got, 1.4), "the loop runs twice: two backward() calls and two steps")
    _require(not _close(got, 1.0), "step() changes w: it moves every parameter the optimizer holds")
    _require(got > 1.0, "step() moves w against its gradient, and the gradient of (w - 3) ** 2 is negative "
                        "while w < 3")
    _compare(got, 2.12, [], "work through the two passes on paper: w.grad after each backward(), then w "
                            "after each step()")


@_checker("BCEWithLogitsLoss applies the sigmoid itself, so it takes the raw logits; and backward() adds "
          "into .grad, so every step clears the gradients (zero_grad) before its backward().")
def debug_05_step(fn: Callable) -> None:
    """``fn(model, optimizer, X, y)`` (the fixed ``train_step``) does one SGD step on ``BCEWithLogitsLoss``
    and returns the loss as a float. ``X`` is ``(N, 2)``, ``y`` ``(N,)`` int64 labels as in ``XORDataset``."""
    _kind(fn, callable(fn), "a function train_step(model, optimizer, X, y) returning a float")
    data = XORDataset(64, seed=0)
    X, y = data.X, data.y  # (64, 2), (64,)
    for model, steps, large in ((SimpleClassifier(2, 4, 1), 3, False), (_confident(), 1, True)):
        ref, opt = copy.deepcopy(model), torch.optim.SGD(model.parameters(), lr=0.5)
        for i in range(steps):
            before, logits = copy.deepcopy(model), ref(X).squeeze(1).detach()
            loss = _call(fn, model, opt, X.clone(), y.clone(), hint=_STEP_HINT)
            want = _reference(ref, [(X, y)], 1, 0.5)[0][0][0]
            _compare(_number(loss), want,
                     [(F.binary_cross_entropy_with_logits(logits.sigmoid(), y.float()).item(),
                       "the loss is wrong: BCEWithLogitsLoss applies the sigmoid itself, so it wants the raw "
                       "logits")],
                     _SAFE if large else "return the loss of this batch, computed before the step")
            _require(not _same_params(before, model),
                     "the parameters did not change: step() uses the gradients that backward() left in "
                     ".grad; in which order must zero_grad(), backward() and step() come?")
            hint = ("the first step was right but a later one was not: what does backward() do to the "
                    "gradients the last step left in .grad?" if i else
                    "the parameters moved unlike one SGD step on BCEWithLogitsLoss()(logits, y.float())")
            _require(_same_params(model, ref), _SAFE if large else hint)
        _require(isinstance(loss, float), f"return loss.item(), a Python float, not a {type(loss).__name__}")


def _line_data(n: int, angle: float, offset: float) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` points uniform in ``[-1, 1]^2``, label 1 on one side of a straight line."""
    X = 2 * torch.rand(n, 2) - 1  # (n, 2)
    normal = torch.tensor([[torch.cos(torch.tensor(angle))], [torch.sin(torch.tensor(angle))]])  # (2, 1)
    return X, ((X @ normal).squeeze(1) + offset > 0).long()


@_checker("One straight line separates these classes, so nn.Linear(2, 1) (logistic regression) learns "
          "them: the chapter's step, repeated on all the points, with a larger lr than 0.1 to get there in "
          "a few hundred steps.")
def check_05_line_classifier(fn: Callable) -> None:
    """``fn(model, X, y)`` trains ``model`` (an ``nn.Linear(2, 1)``) in place with SGD steps on
    ``BCEWithLogitsLoss`` over all of ``X`` ``(N, 2)`` and ``y`` ``(N,)`` until it classifies new points
    of the same rule (logit >= 0 for class 1) at least 95% right."""
    _kind(fn, callable(fn), "a function fit(model, X, y)")
    for angle, offset in ((0.6, 0.2), (2.5, -0.1)):  # two lines: weights set by hand fit one at most
        X, y = _line_data(200, angle, offset)
        model = nn.Linear(2, 1)
        before = copy.deepcopy(model)
        _call(fn, model, X.clone(), y.clone(), hint=_STEP_HINT)
        _require(isinstance(model, nn.Linear) and model.weight.shape == (1, 2),
                 "train the model you are given, nn.Linear(2, 1), in place")
        _require(not _same_params(before, model), "the parameters did not change: each step needs "
                                                  "backward() and then optimizer.step()")
        with torch.no_grad():
            first, last = (F.binary_cross_entropy_with_logits(m(X).squeeze(1), y.float()).item()
                           for m in (before, model))
            X_new, y_new = _line_data(2000, angle, offset)
            right = ((model(X_new).squeeze(1) >= 0).long() == y_new).float().mean().item()
        _require(last < first, f"the loss on the training points rose, from {first:.3f} to {last:.3f}: is "
                               "the target y.float() (not flipped), and does each step go downhill?")
        _require(right >= 0.95, f"the model classifies {right:.0%} of new points right, 95% needed: does the "
                                "loss still fall at the end? Then take more steps, or a larger lr")


# Chapter 6: training


@_checker("optimizer.step() uses the gradients backward() has just put in .grad, so it comes after "
          "backward(); and model.train() first, as a model may arrive in evaluation mode (chapter 7).")
def debug_06_train_loop(fn: Callable) -> None:
    """``fn(model, loader, num_epochs, lr)`` (the fixed ``train``) puts the model in training mode, trains it
    with SGD on ``BCEWithLogitsLoss`` and returns each epoch's mean batch loss: the sum of its batches'
    ``loss.item()`` divided by ``len(loader)``."""
    _kind(fn, callable(fn), "a function train(model, loader, num_epochs, lr) returning a list of floats")
    data = XORDataset(100, seed=0)  # batches of 32, 32, 32 and 4: the last one is smaller
    for model, num_epochs, large in ((SimpleClassifier(2, 4, 1), 3, False), (_confident(), 1, True)):
        ref, before = copy.deepcopy(model), copy.deepcopy(model)
        modes: list[bool] = []  # model.training at each forward pass
        model.eval()  # as chapter 7 leaves a model after evaluating it
        hook = model.register_forward_pre_hook(lambda module, _, seen=modes: seen.append(module.training))
        try:
            got = _call(fn, model, make_loader(data, 32, seed=0), num_epochs, 0.1, hint=_STEP_HINT)
        finally:
            hook.remove()
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
                 "the parameters never moved: zero_grad() empties .grad, so a step() before backward() finds "
                 "no gradient; in which order must the three calls come?")
        _require(all(modes), "the model was trained in evaluation mode: the chapter's loop calls "
                             "model.train() before it starts, since a model may come back from evaluation "
                             "(chapter 7) with layers such as dropout switched to their test-time behaviour")
        _require(_same_params(model, ref),
                 "the trained parameters differ from plain SGD(model.parameters(), lr=lr) on "
                 "BCEWithLogitsLoss: check zero_grad before backward, and that the loss gets the raw logits")
        _compare(got, want, [
            (sums, "average the batch losses of an epoch; you summed them"),
            ([sum(loss * n for loss, n in epoch) / 100 for epoch in steps], "that is the mean per sample "
             "(batches weighted by size); the exercise asks for the mean of the batch losses: / len(loader)"),
            ([total / 100 for total in sums], "divide by the number of batches, len(loader), not of samples"),
            ([epoch[-1][0] for epoch in steps], "that is the last batch's loss; average all the batches")],
            "each value should be the mean of that epoch's batch losses (loss.item() before each step)")


@_checker("Plain SGD keeps nothing between steps, so the weights in a checkpoint are all a resumed run "
          "needs: load_checkpoint rebuilds the model from the file, train_model continues, save_checkpoint "
          "writes it back.")
def check_06_resume(fn: Callable) -> None:
    """``fn(path, loader, num_epochs)`` loads the checkpoint at ``path`` with ``load_checkpoint``, trains the
    model ``num_epochs`` more epochs on ``loader`` (SGD, lr 0.1, as ``train_model``), saves it back to
    ``path`` with ``save_checkpoint`` and returns the epochs' mean losses."""
    _kind(fn, callable(fn), "a function resume(path, loader, num_epochs) returning a list of losses")
    data = XORDataset(100, seed=0)
    for hidden, num_epochs in ((6, 3), (3, 2)):  # sizes the learner's own SimpleClassifier() would not have
        start = SimpleClassifier(2, hidden, 1)
        with tempfile.TemporaryDirectory() as tmp:
            path = save_checkpoint(start, Path(tmp) / "xor.ckpt")
            got = _call(fn, path, make_loader(data, 32, seed=1), num_epochs,
                        hint="load_checkpoint(path) rebuilds the model from the sizes in the file")
            try:
                saved = load_checkpoint(path)
            except (OSError, ValueError):
                raise _NotYet("the file at path is no longer a checkpoint that load_checkpoint reads: write "
                              "it with xorlib.save_checkpoint(model, path)") from None
        ref = copy.deepcopy(start)
        steps = _reference(ref, make_loader(data, 32, seed=1), num_epochs, 0.1)
        _require(saved.sizes == start.sizes, f"the file now holds a {tuple(saved.sizes.values())} model, "
                                             f"the checkpoint held {tuple(start.sizes.values())}: train the "
                                             "model load_checkpoint(path) gives, not a new one")
        _require(not _same_params(saved, start), "the file still holds the old weights: save the trained "
                                                 "model back to path")
        _require(_same_params(saved, ref), f"the weights in the file are not the checkpoint's after "
                                           f"{num_epochs} more epochs of SGD with lr 0.1 on the loader's "
                                           "batches")
        _require(isinstance(got, (list, tuple)), f"return the epochs' losses (a list, as train_model "
                                                 f"returns), got {type(got).__name__}")
        _compare([_number(v) for v in got], [sum(loss for loss, _ in epoch) / len(epoch) for epoch in steps],
                 [], f"return one mean loss for each of the {num_epochs} new epochs")

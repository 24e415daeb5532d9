"""Exercises for chapter 10 (``10_generalisation``): early stopping with two patiences on a narrower network,
and a loop that keeps the wrong weights."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch.nn import functional as F

from xorlib.classifier import SimpleClassifier
from xorlib.exercises._verdict import _call, _checker, _close, _kind, _number, _require
from xorlib.xordata import XORDataset

# Applying early stopping somewhere new: a 2-32-1 network (seed 0) on the chapter's split of the hard XOR,
# overfitting.fit(..., patience=20) and patience=50. The validation losses of the kept weights, and of the
# last epoch run, are what fit gives (tests/test_exercises.py runs it): patience 20 stops at epoch 21 and
# keeps epoch 1, still on the plateau of the start; patience 50 runs 198 epochs and keeps epoch 148.
_KEPT = (0.6991, 0.4781)
_LAST = (0.7081, 0.4951)
_TRAIN_AT_KEPT = (0.6864, 0.3703)


@_checker("Patience 20 gives up on the plateau of the first epochs, where the validation loss first rises, "
          "and keeps an untrained model (about ln 2); patience 50 waits long enough to find the real low. "
          "A patience must outlast the plateau.")
def check_10_patience(answer: Any) -> None:
    """The validation loss of the weights early stopping keeps, with patience 20 and with patience 50, for a
    ``SimpleClassifier(2, 32, 1)`` built after ``torch.manual_seed(0)`` and trained by
    ``overfitting.fit`` on chapter 10's training and validation split: a pair of numbers."""
    _kind(answer, isinstance(answer, (tuple, list)) and len(answer) == 2,
          "a pair of numbers (loss with patience 20, loss with patience 50)")
    got = [_number(v, answer=True) for v in answer]
    if _close(got, _KEPT, rtol=1e-3):
        return
    mistakes = [
        (_KEPT[::-1], "the pair is in the other order: patience 20 first, then patience 50"),
        (_LAST, "those are the losses of the last epoch each run made; the kept weights are the best "
                "epoch's: val[best_epoch]"),
        (_TRAIN_AT_KEPT, "those are training losses; the question asks for the validation loss"),
        ((_KEPT[1], _KEPT[1]), "patience 20 stops much earlier than patience 50: did both runs use "
                               "patience 50, or no patience at all?"),
    ]
    _require(False, next((hint for wrong, hint in mistakes if _close(got, wrong, rtol=1e-3)),
                         "build each model right after torch.manual_seed(0), as SimpleClassifier(2, 32, 1), "
                         "train it with overfitting.fit(model, train_part, val_part, patience=...) and "
                         "report val[best_epoch] of each run"))


# A debugging exercise: a loop meant to keep the weights of the lowest validation loss. It measures that loss
# on the training points and keeps model.state_dict() itself, whose tensors the next steps overwrite.


def _split() -> tuple[torch.Tensor, ...]:
    data = XORDataset(100, std=0.35, seed=3)  # classes overlap: a 2-32-1 network overfits within 60 epochs
    return data.X[:60], data.y[:60], data.X[60:], data.y[60:]


def _best_run(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, X_val: torch.Tensor,
              y_val: torch.Tensor, num_epochs: int) -> dict[str, torch.Tensor]:
    """The fixed loop (full-batch Adam, lr 0.03): a copy of the weights at the lowest validation loss."""
    model = copy.deepcopy(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    best_loss, best_state = float("inf"), None
    for _ in range(num_epochs):
        loss = F.binary_cross_entropy_with_logits(model(X).squeeze(dim=1), y.float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            val_loss = F.binary_cross_entropy_with_logits(model(X_val).squeeze(dim=1), y_val.float()).item()
        if val_loss < best_loss:
            best_loss, best_state = val_loss, copy.deepcopy(model.state_dict())
    return best_state


def _same_state(a: Mapping[str, torch.Tensor], b: Mapping[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)


@_checker("The validation loss must come from the validation points (the training loss only ever falls), "
          "and the kept weights must be a copy: state_dict() holds the very tensors the optimizer changes.")
def debug_10_best_weights(fn: Callable) -> None:
    """``fn(model, X_train, y_train, X_val, y_val, num_epochs)`` trains ``model`` with full-batch Adam
    (lr 0.03) and returns the state dict of the epoch with the lowest validation loss."""
    _kind(fn, callable(fn), "a function fn(model, X_train, y_train, X_val, y_val, num_epochs) returning a "
                            "state dict")
    X, y, X_val, y_val = _split()
    start, num_epochs = SimpleClassifier(2, 32, 1), 60  # the lowest validation loss comes at epoch 34
    model = copy.deepcopy(start)
    state = _call(fn, model, X.clone(), y.clone(), X_val.clone(), y_val.clone(), num_epochs)
    _require(isinstance(state, Mapping) and state.keys() == model.state_dict().keys(),
             f"return the kept state dict, with the keys {list(model.state_dict())}; "
             f"got {type(state).__name__}")
    _require(all(isinstance(t, torch.Tensor) for t in state.values()), "the state dict should hold tensors")
    params = {p.data_ptr() for p in model.parameters()}
    _require(not any(t.data_ptr() in params for t in state.values()),
             "the state you return holds the model's own tensors, which every later step changed in place: "
             "the weights you kept are the last epoch's; keep a copy (copy.deepcopy) instead")
    if _same_state(state, _best_run(start, X, y, X_val, y_val, num_epochs)):
        return
    _require(not _same_state(state, _best_run(start, X, y, X, y, num_epochs)),
             "the weights kept are those with the lowest loss on the training points, which falls every "
             "epoch: measure the loss that chooses on the validation points")
    _require(False, "these are not the weights of the epoch with the lowest validation loss; keep the given "
                    "loop and fix only what is wrong")

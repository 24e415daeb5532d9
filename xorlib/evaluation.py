"""Evaluation, introduced in chapter 7 (``07_evaluation``)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from xorlib import _checks
from xorlib.data import check_xy
from xorlib.device import module_device


def predict(model: nn.Module, X: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Return 0/1 predictions ``(N,)`` for inputs ``X`` ``(N, F)``: sigmoid of the logit >= threshold."""
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a tensor of shape (N, features), got {type(X).__name__}")
    if not 0 <= _checks.number("threshold", threshold) <= 1:
        raise ValueError(f"threshold is a probability and must lie in [0, 1], got {threshold}")
    model.eval()  # switches layers like Dropout to inference behaviour; gradients are untouched
    with torch.no_grad():  # no graph is needed to score a model: saves memory and time
        logits = model(X.to(module_device(model))).squeeze(dim=1)
    return (torch.sigmoid(logits) >= threshold).long()


def accuracy(model: nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Fraction of samples classified correctly over ``batches`` of ``(X, y)`` (a DataLoader works)."""
    if isinstance(batches, tuple) and len(batches) == 2 and isinstance(batches[0], torch.Tensor):
        # iterating (X, y) would unpack the rows of X; say so rather than fail or miscount
        raise TypeError("accuracy expects an iterable of (X, y) batches; for one batch pass [(X, y)]")
    num_inputs = getattr(model, "sizes", {}).get("num_inputs")
    correct, count = 0, 0
    for X, y in batches:
        check_xy(X, y, num_inputs)  # a y of shape (N, 1) would broadcast and miscount
        correct += (predict(model, X).cpu() == y.cpu()).sum().item()
        count += len(y)
    if count == 0:
        raise ValueError("accuracy needs at least one sample; the batches were empty")
    return correct / count

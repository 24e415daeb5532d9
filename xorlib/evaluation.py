"""Evaluation, introduced in chapter 7 (``07_evaluation``)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from xorlib.device import module_device


@torch.no_grad()  # no graph is needed to score a model: saves memory and time
def predict(model: nn.Module, X: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Return 0/1 predictions ``(N,)`` for inputs ``X`` ``(N, F)``: sigmoid of the logit >= threshold."""
    model.eval()  # switches layers like Dropout to inference behaviour; gradients are untouched
    logits = model(X.to(module_device(model))).squeeze(dim=1)
    return (torch.sigmoid(logits) >= threshold).long()


def accuracy(model: nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Fraction of samples classified correctly over ``batches`` of ``(X, y)`` (a DataLoader works)."""
    correct, count = 0, 0
    for X, y in batches:
        correct += (predict(model, X).cpu() == y.cpu()).sum().item()
        count += len(y)
    if count == 0:
        raise ValueError("accuracy needs at least one sample; the batches were empty")
    return correct / count

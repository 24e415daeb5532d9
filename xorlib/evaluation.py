"""Evaluation, introduced in chapter 7 (``07_evaluation``)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from xorlib import _checks
from xorlib.classifier import eval_mode
from xorlib.hardware import module_device, module_dtype
from xorlib.xordata import check_x, check_xy


def predict(model: nn.Module, X: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Return 0/1 predictions ``(N,)`` for inputs ``X`` ``(N, F)``: 1 where P(class 1) >= ``threshold``.

    The rule is applied to the logit, ``logit >= torch.logit(threshold)`` (0 at 0.5), the rule
    ``SweepResult.accuracy`` uses: sigmoid rounds logits within ~1e-8 of 0 to exactly 0.5.
    ``X`` (any float dtype) is converted to the model's dtype; the model's train/eval mode is kept.

    Raises:
        ValueError: the model returns more than one logit per sample, or NaN.
    """
    threshold = _checks.probability("threshold", threshold)
    check_x(X, getattr(_checks.module("model", model), "sizes", {}).get("num_inputs"))
    with eval_mode(model), torch.no_grad():  # no graph is needed to score a model
        logits = _checks.one_logit(model(X.to(module_device(model), module_dtype(model))), len(X))
    if logits.isnan().any():
        raise ValueError(f"the model returned NaN for {logits.isnan().sum().item()} of {len(X)} samples; "
                         "are its weights NaN (did training diverge)?")
    cut = torch.logit(torch.tensor(threshold, dtype=torch.float64)).item()  # -inf at 0, +inf at 1
    return (logits >= cut).long()


def accuracy(model: nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Fraction of samples classified correctly over ``batches`` of ``(X, y)`` (a DataLoader works).

    Each batch is checked and scored as ``predict`` does (a NaN output is an error, not a guess).
    """
    if isinstance(batches, tuple) and len(batches) == 2 and isinstance(batches[0], torch.Tensor):
        # iterating (X, y) would unpack the rows of X; say so rather than fail or miscount
        raise TypeError("accuracy expects an iterable of (X, y) batches; for one batch pass [(X, y)]")
    num_inputs = getattr(_checks.module("model", model), "sizes", {}).get("num_inputs")
    correct, count = 0, 0
    for X, y in batches:
        check_xy(X, y, num_inputs)  # a y of shape (N, 1) would broadcast and miscount
        correct += (predict(model, X).cpu() == y.cpu()).sum().item()
        count += len(y)
    if count == 0:
        raise ValueError("accuracy needs at least one sample; the batches were empty")
    return correct / count

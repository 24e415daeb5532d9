"""Evaluation, introduced in chapter 7 (``07_evaluation``)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from xorlib import _checks
from xorlib.classifier import eval_mode

__all__ = ["accuracy", "predict"]


def predict(model: nn.Module, X: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Return 0/1 predictions for inputs ``X``: 1 where P(class 1) >= ``threshold``.

    The rule is applied to the logit, ``logit >= torch.logit(threshold)`` (0 at 0.5), the rule
    ``SweepResult.accuracy`` uses: sigmoid rounds logits within ~1e-8 of 0 to exactly 0.5.
    ``X`` (any float dtype) is converted to the model's dtype; the model's train/eval mode is kept.

    Args:
        model: a module returning one logit per sample.
        X: the inputs.
        threshold: the probability of class 1 from which a sample is predicted 1, in [0, 1].

    Returns:
        int64 predictions, on the model's device.

    Shape:
        - ``X``: ``(N, num_inputs)``.
        - Output: ``(N,)`` of 0/1.

    Raises:
        TypeError: ``model`` is not a module, or ``X`` not a float tensor.
        ValueError: a bad shape or value; the model returns more than one logit per sample, or NaN;
            the model is on the meta device or mixes dtypes.

    Example::

        >>> import torch
        >>> from torch import nn
        >>> import xorlib
        >>> model = nn.Linear(2, 1)
        >>> with torch.no_grad():  # logit = x1
        ...     _ = model.weight.copy_(torch.tensor([[1.0, 0.0]])), model.bias.zero_()
        >>> xorlib.predict(model, torch.tensor([[-1.0, 0.0], [0.0, 0.0], [2.0, 5.0]]))
        tensor([0, 1, 1])
    """
    threshold = _checks.probability("threshold", threshold)
    device, dtype = _checks.runnable(model)
    _checks.check_x(X, getattr(model, "sizes", {}).get("num_inputs"))
    _checks.forward_memory(model, len(X), f"predict on {len(X):,} samples at once")
    with eval_mode(model), torch.no_grad():  # no graph is needed to score a model
        logits = _checks.one_logit(model(X.to(device, dtype)), len(X))
    if logits.isnan().any():
        raise ValueError(f"the model returned NaN for {logits.isnan().sum().item()} of {len(X)} samples; "
                         "are its weights NaN (did training diverge)?")
    cut = torch.logit(torch.tensor(threshold, dtype=torch.float64)).item()  # -inf at 0, +inf at 1
    return (logits >= cut).long()


def accuracy(model: nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Fraction of samples classified correctly over ``batches`` of ``(X, y)``.

    Each batch is checked and scored as ``predict`` does (a NaN output is an error, not a
    guess); a bad batch is named in the error.

    Args:
        model: a module returning one logit per sample.
        batches: a DataLoader, or any iterable of ``(X, y)`` pairs such as ``[(X, y)]``
            (a lone ``(X, y)`` pair is refused: iterating it would unpack the rows of ``X``).

    Returns:
        Correct predictions over all samples, between 0 and 1.

    Shape:
        Each batch: ``X`` ``(B, num_inputs)``, ``y`` ``(B,)`` of 0/1.

    Example::

        >>> import torch
        >>> from torch import nn
        >>> import xorlib
        >>> model = nn.Linear(2, 1)
        >>> with torch.no_grad():  # logit = x1: class 1 where x1 >= 0
        ...     _ = model.weight.copy_(torch.tensor([[1.0, 0.0]])), model.bias.zero_()
        >>> X, y = torch.tensor([[1.0, 0.0], [-1.0, 0.0]]), torch.tensor([1, 1])
        >>> xorlib.accuracy(model, [(X, y)])
        0.5
    """
    _checks.batch_source(batches, "accuracy expects an iterable of (X, y) batches",
                         "pass [(X, y)] or a DataLoader")
    _checks.runnable(model)
    num_inputs = getattr(model, "sizes", {}).get("num_inputs")
    correct, count = 0, 0
    for i, X, y in _checks.each_batch(batches):
        _checks.batch_xy(f"batch {i + 1}", X, y, num_inputs)  # a y (N, 1) would broadcast and miscount
        correct += (predict(model, X).cpu() == y.cpu()).sum().item()
        count += len(y)
    if count == 0:
        raise ValueError("accuracy needs at least one sample; the batches were empty")
    return correct / count

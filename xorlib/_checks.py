"""Input checks shared by xorlib's public functions.

Each helper raises a TypeError or ValueError whose message says what was
expected and what was received, so a learner's mistake never ends in a
confusing traceback deep inside torch.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import nn

MAX_SEED = 2**63 - 1  # a seed fits an int64 tensor (torch.manual_seed alone would take up to 2**64 - 1)


def _int(name: str, value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):  # True is an int to Python
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    return int(value)


def positive_int(name: str, value: object, maximum: int | None = None) -> int:
    """Return ``value`` if it is an int >= 1 (and <= ``maximum`` if given), else raise a clear error."""
    value = _int(name, value, "a positive integer")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum:,}, got {value:,}")
    return value


def non_negative_int(name: str, value: object) -> int:
    """Return ``value`` if it is an int >= 0, else raise a clear error."""
    value = _int(name, value, "a non-negative integer")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def seed(name: str, value: object) -> int:
    """Return ``value`` if it is an int in ``[0, MAX_SEED]``, else raise a clear error."""
    value = _int(name, value, "an integer")
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"{name} must be >= 0 and fit in 64 bits (at most 2**63 - 1), got {value}")
    return value


def number(name: str, value: object, *, positive: bool = False, signed: bool = False) -> float:
    """Return ``value`` as a float if it is a finite real number: > 0 if ``positive``, any sign if
    ``signed``, else >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):  # nan, inf or -inf
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if not positive and not signed and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def probability(name: str, value: object) -> float:
    """Return ``value`` as a float if it lies in ``[0, 1]``, else raise a clear error."""
    value = number(name, value, signed=True)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} is a probability and must lie in [0, 1], got {value}")
    return value


def module(name: str, value: object) -> nn.Module:
    """Return ``value`` if it is a ``torch.nn.Module`` (an instance, not the class), else raise."""
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module instance such as SimpleClassifier(), "
                        f"got {value!r} ({type(value).__name__})")
    return value


def one_logit(out: object, n: int) -> torch.Tensor:
    """Return a model's output ``(n, 1)`` as ``(n,)`` logits, or raise if it is not one logit per sample."""
    if not isinstance(out, torch.Tensor) or out.shape != (n, 1):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"the model must return one logit per sample, shape ({n}, 1), got {got}")
    return out.view(n)  # (n, 1) -> (n,); a view costs less in backward than squeeze

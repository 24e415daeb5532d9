"""Input checks shared by xorlib's public functions.

Each helper raises a TypeError or ValueError whose message says what was
expected and what was received, so a learner's mistake never ends in a
confusing traceback deep inside torch.
"""

from __future__ import annotations

import math
import numbers


def positive_int(name: str, value: object) -> int:
    """Return ``value`` if it is an int >= 1, else raise a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1), got {value}")
    return int(value)


def integer(name: str, value: object) -> int:
    """Return ``value`` if it is an int of any sign (a seed), else raise a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    return int(value)


def non_negative_int(name: str, value: object) -> int:
    """Return ``value`` if it is an int >= 0, else raise a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return int(value)


def number(name: str, value: object, *, positive: bool = False) -> float:
    """Return ``value`` as a float if it is a finite real number (> 0 if ``positive``, else >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):  # nan, inf or -inf
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if not positive and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value

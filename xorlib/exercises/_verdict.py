"""Shared helpers of the answer checkers: a checker raises ``_NotYet(hint)`` on a wrong answer.

``@_checker`` turns that into a ``Verdict`` (``Correct!`` / ``Not yet: <hint>``), computed under
its own seeded random state. Only an answer of the wrong kind raises a TypeError (``_kind``).
A right answer shows ``Correct!`` and nothing more: running a whole chapter (Run All) must not
hand out an answer the learner has not tried. The reason behind it is the verdict's ``why``,
and the folded solution explains it too.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from typing import Any

import torch
from torch import nn


class _NotYet(Exception):
    """A wrong answer; the message is the hint shown to the learner."""


class Verdict:
    """A checker's answer: true when right; a notebook shows it as its message.

    ``why`` (when right) says why the answer works, for a learner who asks for it.
    """

    def __init__(self, ok: bool, message: str, why: str = "") -> None:
        self.ok, self.message, self.why = ok, message, why

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:  # what Jupyter shows when a cell ends with a checker call
        return self.message


CORRECT = "Correct!"


def _verdict(ok: bool, hint: str, success: str) -> Verdict:
    return Verdict(True, CORRECT, why=success) if ok else Verdict(False, f"Not yet: {hint}")


def _checker(success: str) -> Callable:
    """Turn ``check(answer)``, which raises ``_NotYet(hint)`` on a wrong answer, into a printed verdict."""
    def wrap(check: Callable[[Any], None]) -> Callable[[Any], Verdict]:
        @functools.wraps(check)
        def run(answer: Any) -> Verdict:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                try:
                    check(answer)
                except _NotYet as wrong:
                    return _verdict(False, str(wrong), success)
            return _verdict(True, "", success)
        return run
    return wrap


def _require(ok: bool, hint: str) -> None:
    if not ok:
        raise _NotYet(hint)


def _call(fn: Callable, *args: Any, hint: str = "") -> Any:
    """Run learner code; an exception in it becomes a hint instead of a traceback."""
    try:
        return fn(*args)
    except Exception as exc:
        advice = f" ({hint})" if hint else ""
        raise _NotYet(f"your code raised {type(exc).__name__}: {exc}{advice}") from None


def _close(a: Any, b: Any, rtol: float = 1e-4) -> bool:
    a, b = torch.as_tensor(a).detach().double(), torch.as_tensor(b).detach().double()
    return a.shape == b.shape and torch.allclose(a, b, rtol=rtol, atol=1e-6)


def _compare(got: Any, want: Any, mistakes: list[tuple[Any, str]], otherwise: str) -> None:
    """Pass if ``got`` matches ``want``; else give the hint of the first typical mistake it matches."""
    if _close(got, want):
        return
    raise _NotYet(next((hint for wrong, hint in mistakes if _close(got, wrong)), otherwise))


def _number(value: Any, answer: bool = False) -> float:
    """A real number (or one-element tensor) as a float: TypeError for an answer, a hint for a result."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if answer:
        raise TypeError(f"expected a number as the answer, got {value!r} ({type(value).__name__})")
    raise _NotYet(f"your function should return a number, got {type(value).__name__}")


def _same_params(a: nn.Module, b: nn.Module) -> bool:
    return all(_close(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def _tensor(value: Any) -> torch.Tensor:
    _require(isinstance(value, torch.Tensor), f"return a tensor, not a {type(value).__name__}")
    return value.detach()


def _kind(answer: Any, ok: bool, expected: str) -> None:
    if not ok:
        raise TypeError(f"expected {expected}, got {answer!r} ({type(answer).__name__})")

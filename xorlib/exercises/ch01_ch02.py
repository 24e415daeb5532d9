"""Exercises for chapter 1 (``01_autograd``) and chapter 2 (``02_devices``)."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import torch

from xorlib.classifier import SimpleClassifier
from xorlib.exercises._verdict import (
    _call,
    _checker,
    _compare,
    _kind,
    _NotYet,
    _number,
    _require,
    _tensor,
)

# Chapter 1: autograd


_BY_HAND = ("work the derivative out by hand and return it as a formula in x, without autograd (no "
            "backward(), torch.autograd or torch.func)")


def _without_autograd(fn: Callable, x: torch.Tensor) -> Any:
    """``fn(x)``, refused if it records an autograd graph (a graph saves tensors for its backward pass)."""
    saved: list = []  # what autograd saved for a backward pass: stays empty for a formula

    def pack(t: torch.Tensor) -> torch.Tensor:
        saved.append(t.shape)
        return t

    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            got = fn(x.clone())
    except Exception:  # torch.func refuses to run under these hooks; other errors come back below
        got = _call(fn, x.clone())
        saved.append("torch.func")
    _require(not saved, f"you used autograd: {_BY_HAND}")
    return got


@_checker("Autograd agrees: the gradient of sum(x**3 - 2*x) is 3*x**2 - 2.")
def check_01_gradient(fn: Callable) -> None:
    """``fn(x)`` returns the gradient of ``g(x) = (x**3 - 2*x).sum()``, worked out by hand (no autograd)."""
    _kind(fn, callable(fn), "a function fn(x) returning the gradient as a tensor")
    x = torch.randn(6, requires_grad=True)
    (want,) = torch.autograd.grad((x**3 - 2 * x).sum(), x)
    x = x.detach()
    got = _tensor(_without_autograd(fn, x))
    _require(got.shape == x.shape, f"the gradient has one entry per entry of x: shape {tuple(x.shape)}, "
                                   f"got {tuple(got.shape)}")
    _compare(got, want, [(3 * x**2, "the derivative of -2*x is -2: you left out the -2"),
                         (x**2 - 2, "the derivative of x**3 is 3*x**2, not x**2"),
                         (3 * x**2 - 2 * x, "the derivative of -2*x is the constant -2, not -2*x"),
                         (x**3 - 2 * x, "that is g's terms themselves; differentiate each one")],
             "differentiate each term x**3 - 2*x with respect to its own x; compare with autograd")


def _descend(f: Callable, start: float, clear: bool = True, sign: float = -1.0) -> float:
    """100 steps of x <- x - 0.1 f'(x) from ``start``; ``clear=False`` and ``sign=+1`` are the two bugs."""
    x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    for _ in range(100):
        f(x).backward()
        with torch.no_grad():
            x += sign * 0.1 * x.grad
        if clear:
            x.grad = None
    return x.item()


_DESCENTS = (  # (f, start): minima at 3, at 1 (f' = x**3 - 1) and at -0.5 (x used twice)
    (lambda x: (x - 3) ** 2, 0.0),
    (lambda x: x**4 / 4 - x, 2.0),
    (lambda x: x * x + x, 1.0),
)


@_checker("x.grad adds up over backward() calls, so it is cleared after each step, and a step goes "
          "against the gradient (x -= lr * x.grad), inside torch.no_grad() so the step is not recorded.")
def debug_01_descend(fn: Callable) -> None:
    """``fn(f, start)`` (the fixed ``descend``) takes 100 steps ``x <- x - 0.1 * f'(x)`` from ``start``,
    with the gradient from autograd, and returns where ``x`` ends as a float."""
    _kind(fn, callable(fn), "a function descend(f, start) returning a float")
    for f, start in _DESCENTS:
        got = _number(_call(fn, f, start, hint="x must be a leaf that requires a gradient, and the step must "
                                               "not be recorded: torch.no_grad()"))
        _require(math.isfinite(got), "x ran away to infinity: which way does a step go, along the gradient "
                                     "or against it?")
        want, piled = _descend(f, start), _descend(f, start, clear=False)
        uphill, both = _descend(f, start, sign=1.0), _descend(f, start, clear=False, sign=1.0)
        _compare(got, want, [(uphill, "x climbs uphill: a step of descent goes against the gradient"),
                             (piled, "x.grad is never cleared: each backward() adds to the last one's "
                                     "gradient (chapter 1), so the steps keep an old gradient's push"),
                             (both, "two bugs are still there: which way does a step go, and what does "
                                    "backward() do to x.grad?"),
                             (start, "x never moved: update x itself, in place, inside torch.no_grad()")],
                 f"from {start}, 100 steps of x -= 0.1 * x.grad should end at {want:.4f}, you returned "
                 f"{got:.4f}")


# Chapter 2: devices and timing


def _fake_clock(durations: list[float]) -> tuple[Callable[[], float], Callable[[], None], list[int]]:
    """A clock that only moves when the fake workload runs: each call takes the next of ``durations``."""
    now, calls = [1000.0], [0]

    def clock() -> float:
        return now[0]

    def work() -> None:
        now[0] += durations[min(calls[0], len(durations) - 1)]
        calls[0] += 1

    return clock, work, calls


@_checker("A warm-up call pays the one-off costs untimed, and the median of the repeats ignores a slow "
          "outlier that would drag the mean (on an accelerator, synchronize before reading the clock).")
def check_02_timing(fn: Callable) -> None:
    """``fn(work, repeats)`` calls ``work()`` once untimed, then ``repeats`` times, each timed with
    ``time.perf_counter()``, and returns the median of those times in seconds."""
    _kind(fn, callable(fn), "a function timed(work, repeats) returning seconds")
    for durations in ([2.0, 0.010, 0.013, 0.50, 0.011, 0.012],
                      [3.0, 0.020, 0.030, 0.021, 0.90, 0.025, 0.022, 0.024]):
        repeats = len(durations) - 1  # odd: the median is one of the times
        clock, work, calls = _fake_clock(durations)
        with mock.patch.object(time, "perf_counter", clock):
            got = _number(_call(fn, work, repeats, hint="call work() with no arguments"))
        timed = durations[1:]
        _require(calls[0] != repeats, "work() ran exactly `repeats` times: the first call pays one-off "
                                      "costs, so make one untimed call before timing")
        _require(calls[0] == repeats + 1, f"work() should run repeats + 1 = {repeats + 1} times (one "
                                          f"warm-up), it ran {calls[0]} times")
        _require(got != 0, "every time was 0: read time.perf_counter() before and after each call")
        _compare(got, statistics.median(timed), [
            (statistics.mean(timed), "that is the mean: one slow call drags it; report the median"),
            (sum(timed), "that is the total of the timed calls; report the median of the single times"),
            (statistics.median(durations), "the warm-up call was timed too: leave it out of the times"),
            (min(timed), "that is the fastest call; the chapter reports the median"),
            (max(timed), "that is the slowest call; the chapter reports the median")],
            "time each call with time.perf_counter() before and after it, then take the median")


@_checker("A model lives where its parameters live: X = X.to(next(model.parameters()).device). "
          "tensor.to() returns a new tensor, so the result must be assigned.")
def debug_02_logits_on(fn: Callable) -> None:
    """``fn(model, X)`` (the fixed ``logits_on``) moves the batch ``X`` to the device of ``model``'s
    parameters and returns ``model(X)``, leaving the model where it is."""
    _kind(fn, callable(fn), "a function logits_on(model, X) returning logits")
    X = torch.rand(5, 2)  # on the CPU, as a DataLoader gives it
    cpu_model = SimpleClassifier()
    got = _tensor(_call(fn, cpu_model, X.clone()))
    with torch.no_grad():
        want = cpu_model(X)
    _compare(got, want, [], "return model(X): the logits, (5, 1) for 5 points")
    meta_model = SimpleClassifier().to("meta")  # "meta": a device without data, on every machine
    moved = "leave the model where it is and bring X to it"
    _call(fn, meta_model, X.to("meta"), hint=f"you sent X to a device other than the model's: ask the model "
                                              f"where it lives instead of choosing a device; {moved}")
    _require(next(meta_model.parameters()).device.type == "meta", f"your function moved the model: {moved}")
    try:
        out = fn(meta_model, X.clone())
    except Exception as exc:  # the learner's code: its error becomes a hint
        hint = (f"something was copied off the model's device: {moved}, and return the logits where they "
                "are" if "copy out of meta" in str(exc) else "X did not reach the model's device: "
                "tensor.to() returns a new tensor and leaves X as it was")
        raise _NotYet(f"your code raised {type(exc).__name__}: {exc} ({hint})") from None
    _require(isinstance(out, torch.Tensor) and out.device.type == "meta" and out.shape == (5, 1),
             f"for a model on another device, return its logits there (shape (5, 1)), got {out!r}")

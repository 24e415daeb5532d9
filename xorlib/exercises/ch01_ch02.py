"""Exercises for chapter 1 (``01_autograd``) and chapter 2 (``02_devices``)."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import torch

from xorlib.classifier import SimpleClassifier
from xorlib.exercises._verdict import _call, _checker, _close, _compare, _kind, _number, _require, _tensor

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


@_checker("backward() adds into .grad: 3 + 3 = 6 per entry. Zero the gradients between steps.")
def check_01_accumulation(value: Any) -> None:
    """``x = torch.tensor([1., 2., 3.], requires_grad=True)``, ``y = 3 * x.sum()``, then
    ``y.backward(retain_graph=True)`` and ``y.backward()``: what is ``x.grad``? (A number: every entry.)"""
    _kind(value, isinstance(value, (numbers.Real, list, tuple, torch.Tensor)) and not isinstance(value, bool),
          "a number, a list or a tensor")
    try:
        got = torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"expected a number, a list of numbers or a tensor, got {value!r}") from None
    got = got.expand(3) if got.numel() == 1 else got
    _require(got.shape == (3,), f"x.grad has the shape of x (3 entries), got shape {tuple(got.shape)}")
    _compare(got, torch.full((3,), 6.0),
             [(torch.full((3,), 3.0), "backward() adds into x.grad instead of overwriting it; it ran twice"),
              (torch.zeros(3), "nothing resets x.grad between the two calls")],
             "each backward() adds dy/dx = 3 to every entry of x.grad")


# Chapter 2: devices and timing


@_checker("Ask a parameter: a module has no device of its own, its tensors do.")
def check_02_device_of(fn: Callable) -> None:
    """``fn(model)`` returns the ``torch.device`` that ``model``'s parameters live on."""
    _kind(fn, callable(fn), "a function fn(model) returning a torch.device")
    for where in ("cpu", "meta"):  # "meta": tensors without data, available on every machine
        hint = "an nn.Module has no .device attribute; ask a parameter: next(model.parameters()).device"
        got = _call(fn, SimpleClassifier().to(where), hint=hint)
        _require(not isinstance(got, str), f"return the torch.device itself (p.device), not its name {got!r}")
        _require(isinstance(got, torch.device), f"return a torch.device such as torch.device('cpu'), "
                                                f"got {got!r}")
        _require(got.type == where, f"for a model moved with .to({where!r}) you answered {str(got)!r}: read "
                                    "the device from the model's parameters instead of assuming it")


@_checker("A product of two n x n matrices costs 2 n^3 operations (n^3 multiplies, about n^3 adds).")
def check_02_gflops(fn: Callable) -> None:
    """``fn(n, seconds)`` returns the GFLOP/s rate of an ``n x n`` matrix product that took ``seconds``."""
    _kind(fn, callable(fn), "a function fn(n, seconds) returning GFLOP/s")
    for n, s in ((1000, 0.5), (4096, 0.02), (123, 1.7e-4)):
        got = _number(_call(fn, n, s, hint="in Python a power is n**3; n^3 is a bitwise XOR"))
        if _close(got, n**2 * (2 * n - 1) / s / 1e9):  # exact: n multiplies and n - 1 adds per entry
            continue
        _compare(got, 2 * n**3 / s / 1e9,
                 [(n**3 / s / 1e9, "a matrix product costs 2 n^3 operations (each of the n^2 entries takes n "
                                   "multiplications and n additions), not n^3"),
                  (2 * n**2 / s / 1e9, "each of the n^2 entries costs about 2n operations: 2 n^3 in all"),
                  (2 * n**3 / s, "giga means 1e9: divide the operations per second by 1e9"),
                  (2 * n**3 / s / 1e6, "giga means 1e9, not 1e6 (mega)"),
                  (2 * n**3 * s / 1e9, "a rate is operations divided by seconds, not multiplied")],
                 "GFLOP/s = 2 * n**3 / seconds / 1e9")

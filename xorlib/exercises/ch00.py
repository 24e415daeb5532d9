"""Exercises for chapter 0 (``00_tensors``): slicing, dtypes, broadcast shapes, copies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from xorlib.exercises._verdict import _call, _checker, _kind, _require, _tensor


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.equal(a, b)


@_checker("x[1:3]: counting from 0, the slice stops before index 3. R's x[2:3] is PyTorch's x[1:3].")
def check_00_slice(fn: Callable) -> None:
    """``fn(x)`` returns the second and third entries of a 1-D tensor ``x`` (what R writes ``x[2:3]``)."""
    _kind(fn, callable(fn), "a function fn(x) returning a tensor of two entries")
    for x in (torch.arange(10, 16), torch.randn(9)):
        got = _tensor(_call(fn, x.clone(), hint="PyTorch counts from 0"))
        _require(not _same(got, x[2:3]), "R's x[2:3] is 1-based and includes its end; PyTorch counts "
                                         "from 0 and a slice a:b leaves out b")
        _require(not _same(got, x[2:4]), "PyTorch counts from 0: the second entry is x[1], not x[2]")
        _require(not _same(got, x[1:2]), "a slice a:b leaves out index b: x[1:2] holds one entry")
        _require(not _same(got, x[0:2]), "those are the first two entries; the second one is x[1]")
        _require(got.shape == (2,), f"two entries make shape (2,), got {tuple(got.shape)}")
        _require(_same(got, x[1:3]), "return the entries at (0-based) positions 1 and 2 of x")


@_checker("(scores > 0).long(): a comparison gives bool; class labels are int64 (torch.long).")
def check_00_labels(fn: Callable) -> None:
    """``fn(scores)`` returns class labels: 1 where a float score is positive, else 0, as int64."""
    _kind(fn, callable(fn), "a function fn(scores) returning a tensor of labels")
    scores = 3 * torch.randn(20)  # no exact zeros; several scores beyond +-1
    got = _tensor(_call(fn, scores.clone()))
    _require(got.shape == scores.shape, f"one label per score: shape {tuple(scores.shape)}, "
                                        f"got {tuple(got.shape)}")
    _require(got.dtype != torch.bool, "a comparison gives bool; class labels are int64: add .long()")
    _require(got.dtype != torch.int32, ".int() makes int32 (like R's as.integer); class labels are int64: "
                                       "use .long()")
    _require(not got.dtype.is_floating_point, f"{got.dtype} labels are numbers with decimals; class labels "
                                              "are int64: use .long()")
    _require(got.dtype == torch.int64, f"class labels are int64 (torch.long), got {got.dtype}")
    _require(not _same(got, scores.long()), ".long() on the scores truncates them toward zero (-2.7 becomes "
                                            "-2); compare with 0 first")
    _require(not _same(got, (scores < 0).long()), "the labels are flipped: 1 where the score is positive")
    _require(_same(got, (scores > 0).long()), "label 1 exactly where the score is > 0, label 0 elsewhere")


@_checker("(3, 1) and (4,) line up from the right as (3, 1) and (1, 4): each size-1 dimension stretches.")
def check_00_broadcast_shape(answer: Any) -> None:
    """The shape of ``torch.ones(3, 1) + torch.ones(4)``, as a tuple or a ``torch.Size``."""
    _kind(answer, isinstance(answer, (tuple, list)) and all(
        isinstance(n, int) and not isinstance(n, bool) for n in answer), "a shape such as (2, 5)")
    _require(not isinstance(answer, list), f"a shape is a tuple (torch.Size is one): write "
                                           f"{tuple(answer)}, not {answer}")
    shape = tuple(answer)
    _require(shape != (4, 3), "sizes are matched from the right: (4,) lines up with the last dimension "
                              "of (3, 1)")
    _require(len(shape) != 1, "the result keeps both dimensions of (3, 1); (4,) counts as (1, 4)")
    _require(shape not in ((3, 1), (1, 4)), "nothing is recycled or dropped: each size-1 dimension is "
                                            "stretched to the other tensor's size")
    _require(shape == (3, 4), "line the shapes up from the right, (3, 1) against (1, 4), and stretch "
                              "every size 1")


@_checker("x.clone() owns its memory: change the copy and x stays as it was.")
def check_00_copy(fn: Callable) -> None:
    """``fn(x)`` returns a copy of the matrix ``x`` with its first row set to 0, leaving ``x`` unchanged."""
    _kind(fn, callable(fn), "a function fn(x) returning a tensor")
    for x in (torch.randn(4, 3), torch.randn(2, 5)):
        before = x.clone()
        got = _tensor(_call(fn, x))
        _require(torch.equal(x, before), "your function changed x itself: y = x, x[:], x.view(...) and "
                                         "x.detach() all share x's memory; copy it first with x.clone()")
        _require(got.shape == x.shape, f"the copy has the shape of x, {tuple(x.shape)}; "
                                       f"got {tuple(got.shape)}")
        want, second_row, first_col = before.clone(), before.clone(), before.clone()
        want[0], second_row[1], first_col[:, 0] = 0.0, 0.0, 0.0
        _require(not _same(got, second_row), "rows count from 0: the first row is x[0]")
        _require(not _same(got, first_col), "x[:, 0] is the first column; the first row is x[0]")
        _require(_same(got, want), "keep every row of x but the first, which becomes all zeros")


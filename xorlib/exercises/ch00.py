"""Exercises for chapter 0 (``00_tensors``): dtypes, broadcasting at work, two predictions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from xorlib.exercises._verdict import _call, _checker, _compare, _kind, _require, _tensor

CORNERS = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # (4, 2), in the exercise's order


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.equal(a, b)


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


@_checker("X.view(-1, 1, 2) - corners is (N, 1, 2) against (4, 2): broadcasting makes (N, 4, 2) differences "
          "in one expression, and .sum(dim=2) adds each pair's squares.")
def check_00_corner_distances(fn: Callable) -> None:
    """``fn(X)`` returns the ``(N, 4)`` squared distances from the points ``X`` ``(N, 2)`` to the corners
    ``(0, 0), (0, 1), (1, 0), (1, 1)``: column ``j`` for corner ``j``."""
    _kind(fn, callable(fn), "a function fn(X) returning an (N, 4) tensor")
    for X in (torch.rand(5, 2) * 1.4 - 0.2, torch.randn(4, 2), torch.rand(1, 2)):  # N = 4 like the corners
        n = len(X)
        got = _tensor(_call(fn, X.clone(), hint="line the shapes up from the right: (N, 2) against (4, 2) "
                                                "only fit when a size-1 dimension is put in between"))
        diff = X.view(n, 1, 2) - CORNERS  # (N, 4, 2)
        want = (diff**2).sum(dim=2)  # (N, 4)
        _require(not (got.shape == (4, n) and n != 4), f"one row per point: shape ({n}, 4), got (4, {n})")
        _require(got.shape == (n, 4), f"one row per point and one column per corner: shape ({n}, 4), "
                                      f"got {tuple(got.shape)}")
        _require(got.dtype.is_floating_point, f"distances have decimals: return floats, got {got.dtype}")
        swapped = want[:, [0, 2, 1, 3]]  # corners (0, 0), (1, 0), (0, 1), (1, 1)
        _compare(got, want, [(want.sqrt(), "the exercise asks for squared distances: leave out the root"),
                             (diff.abs().sum(dim=2), "square each coordinate's difference before adding"),
                             (want.T if n == 4 else want, "one row per point, one column per corner"),
                             (swapped, "column j belongs to corner j, in the order (0, 0), (0, 1), (1, 0), "
                                       "(1, 1)")],
                 "entry (i, j) is (x_i1 - c_j1)**2 + (x_i2 - c_j2)**2 for point i and corner j")


@_checker("(3, 1) and (4,) line up from the right as (3, 1) and (1, 4): each size-1 dimension stretches, "
          "giving (3, 4).")
def predict_00_broadcast_shape(answer: Any) -> None:
    """Your guess: the shape of ``torch.ones(3, 1) + torch.ones(4)``, as a tuple or a ``torch.Size``."""
    _kind(answer, isinstance(answer, (tuple, list)) and all(
        isinstance(n, int) and not isinstance(n, bool) for n in answer), "a shape such as (2, 5)")
    _require(not isinstance(answer, list), "a shape is a tuple (torch.Size is one): answer with round "
                                           "brackets")
    shape = tuple(answer)
    _require(len(shape) != 1, "the result has as many dimensions as the larger of the two shapes")
    _require(len(shape) == 2, "the result has as many dimensions as the larger of the two shapes, no more")
    _require(shape != (4, 3), "sizes are matched from the right: which dimension of (3, 1) does the 4 "
                              "line up with?")
    _require(1 not in shape, "nothing is recycled or dropped: a size-1 dimension is stretched to the "
                             "other tensor's size")
    _require(shape == (3, 4), "line the two shapes up from the right and compare them dimension by "
                              "dimension")


@_checker("v is a view: it reads x's memory row by row, so v[0, 1] is x[1] and writing it changes x; "
          "c = v.clone() owns its memory, so c[1, 2] = -1 leaves x alone: [0, 10, 2, 3, 4, 5].")
def predict_00_shared_memory(answer: Any) -> None:
    """Your guess: what ``print(x.tolist())`` shows after ``x = torch.arange(6)``, ``v = x.view(2, 3)``,
    ``c = v.clone()``, ``v[0, 1] = 10``, ``c[1, 2] = -1``, as a list of six numbers."""
    _kind(answer, isinstance(answer, (list, tuple)) and all(
        isinstance(n, int) and not isinstance(n, bool) for n in answer), "a list of numbers such as "
          "[1, 2, 3]")
    got = list(answer)
    _require(len(got) == 6, f"x = torch.arange(6) has six entries and keeps them; your list has {len(got)}")
    _require(got != [0, 1, 2, 3, 4, 5], "not quite: does x.view(2, 3) have numbers of its own?")
    _require(got[5] != -1, "look again at how c was made: does it share x's memory?")
    _require(got[2] != 10, "a view of shape (2, 3) reads x's memory in PyTorch's order, not R's")
    _require(got == [0, 10, 2, 3, 4, 5], "write x out as v's two rows of three, then follow each "
                                         "assignment: which tensors share x's memory?")

"""Exercises for chapter 3 (``03_modules``) and chapter 4 (``04_data``)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from xorlib.exercises._verdict import _call, _checker, _compare, _kind, _number, _require, _tensor
from xorlib.model import SimpleClassifier

# Chapter 3: nn.Module


@_checker("sum(p.numel() for p in model.parameters() if p.requires_grad) works for any model.")
def check_03_count_parameters(fn: Callable) -> None:
    """``fn(model)`` returns the number of trainable numbers (``requires_grad``) in ``model``."""
    _kind(fn, callable(fn), "a function fn(model) returning an int")
    frozen = SimpleClassifier(2, 5, 1)
    frozen.linear1.requires_grad_(False)
    for model in (SimpleClassifier(2, 4, 1), SimpleClassifier(3, 7, 2), frozen):
        params = list(model.parameters())
        _compare(_number(_call(fn, model)), sum(p.numel() for p in params if p.requires_grad),
                 [(len(params), "count the numbers inside each tensor (p.numel()), not the tensors"),
                  (sum(p.numel() for p in params), "count only trainable parameters (p.requires_grad)"),
                  (sum(p.numel() for p in params if p.dim() > 1), "don't forget the biases")],
                 "work it out from the model itself: add up p.numel() over model.parameters()")


@_checker("nn.ModuleList registers each layer, so parameters(), .to() and state_dict() see them.")
def check_03_module_list(cls: type) -> None:
    """``cls(sizes)`` is an ``nn.Module`` with one ``nn.Linear`` per consecutive pair of ``sizes``, kept
    in a list, and tanh between layers; ``cls([2, 8, 8, 1])`` maps ``(N, 2)`` to ``(N, 1)``."""
    _kind(cls, isinstance(cls, type), "a class, built as cls(sizes)")
    for sizes in ([2, 8, 8, 1], [3, 5, 2]):
        model = _call(cls, sizes)
        _require(isinstance(model, nn.Module), "subclass nn.Module and call super().__init__() first")
        found = sum(p.numel() for p in model.parameters())
        want = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        _require(found > 0, "model.parameters() is empty: nn.Module cannot see layers in a plain Python "
                            "list; use nn.ModuleList")
        _require(found == want, f"sizes {sizes} need {want} parameters, found {found}: one "
                                "nn.Linear(sizes[i], sizes[i + 1]) per consecutive pair")
        out = _tensor(_call(model, torch.randn(5, sizes[0])))
        _require(out.shape == (5, sizes[-1]), f"for sizes {sizes} the output should be (5, {sizes[-1]}) for "
                                              f"5 inputs, got {tuple(out.shape)}")
        model(torch.randn(5, sizes[0])).sum().backward()
        _require(all(p.grad is not None for p in model.parameters()), "forward should use every layer")


# Chapter 4: data


@_checker("A Dataset only needs __len__ and __getitem__; the DataLoader does the batching.")
def check_04_circles_dataset(cls: type) -> None:
    """``cls(size)``: ``size`` points uniform in ``[-1, 1]^2``; label 1 when the point is farther than 0.5
    from the origin, else 0. ``ds[i]`` is ``(x, label)``: x float32 of shape (2,), label an int64 scalar."""
    _kind(cls, isinstance(cls, type), "a class, built as cls(size)")
    ds = _call(cls, 300)
    n = _call(len, ds)
    _require(n == 300, f"len(dataset) should be the size it was built with (300), got {n}")
    items = [_call(operator.getitem, ds, i) for i in range(300)]
    for item in items:
        _require(isinstance(item, (tuple, list)) and len(item) == 2, "ds[i] should return a pair (x, label)")
        x, label = item
        _require(isinstance(x, torch.Tensor) and x.shape == (2,) and x.dtype == torch.float32,
                 f"x should be a float32 tensor of shape (2,), got {getattr(x, 'dtype', type(x).__name__)} "
                 f"of shape {tuple(getattr(x, 'shape', ()))}")
        _require(isinstance(label, torch.Tensor), "label should be a tensor: self.y[idx] of an int64 tensor")
        _require(label.shape == (), f"label should be a scalar (shape ()), got {tuple(label.shape)}: "
                                    "index self.y[idx], not self.y[idx:idx + 1]")
        _require(label.dtype == torch.int64, f"labels should be int64 (.long()), got {label.dtype}")
    X, y = torch.stack([x for x, _ in items]), torch.stack([label for _, label in items])
    _require(X.abs().max() <= 1 and X.min() < -0.5, "points should fill the square [-1, 1]^2: 2 * "
                                                    "torch.rand(size, 2) - 1 (torch.rand alone gives [0, 1))")
    _compare(y, (X.norm(dim=1) > 0.5).long(),
             [((X.norm(dim=1) <= 0.5).long(), "labels are flipped: 1 goes outside the circle of radius 0.5"),
              ((X.pow(2).sum(dim=1) > 0.5).long(), "compare the radius x.norm() with 0.5, not its square")],
             "label 1 exactly when x.norm() > 0.5")


@_checker("Samples are stacked along a new first (batch) dimension: X (32, 2), y (32,).")
def check_04_batch_shape(answer: Any) -> None:
    """``DataLoader(XORDataset(200), batch_size=32)``: give ``(X.shape, y.shape)`` of its first batch."""
    pair = isinstance(answer, (tuple, list)) and len(answer) == 2
    _kind(answer, pair and all(isinstance(s, (tuple, list, torch.Size)) for s in answer),
          "a pair of shapes such as ((3, 4), (5,))")
    x_shape, y_shape = (tuple(s) for s in answer)
    _require(x_shape != (2, 32), "the batch dimension comes first: (batch, features)")
    _require(x_shape != (2,) and y_shape != (), "that is one sample; a batch stacks 32 of them")
    _require(y_shape != (32, 1), "each label is a scalar (shape ()), so 32 of them make shape (32,)")
    _require((x_shape, y_shape) == ((32, 2), (32,)), "each sample is x (2,) and a scalar label; batch 32")


@_checker("100 = 3 * 32 + 4: the last batch holds the remainder (unless drop_last=True).")
def check_04_last_batch_size(answer: Any) -> None:
    """A DataLoader over 100 samples with ``batch_size=32``: how many samples does the last batch hold?"""
    _compare(_number(answer, answer=True), 4,
             [(32, "100 is not a multiple of 32: the last batch holds what is left over"),
              (3, "3 is the number of full batches; how many samples are left for the last one?"),
              (0, "the leftover samples are kept unless you pass drop_last=True")],
             "100 samples in batches of 32: what is left after the full batches?")
